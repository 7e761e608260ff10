"""Stage ``train``: fit the model chosen in params.yaml on the training set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from .data import TARGET
from .params import load_params

TRAIN_FILE = Path("data/prepared/train.csv")
MODEL_FILE = Path("models/model.joblib")

MODELS = {
    "logistic_regression": LogisticRegression,
    "random_forest": RandomForestClassifier,
    "gradient_boosting": GradientBoostingClassifier,
}


def build_model(name: str, hyperparameters: dict[str, Any], seed: int) -> Pipeline:
    """Return an unfitted pipeline: feature scaling, then the named classifier."""
    if name not in MODELS:
        raise ValueError(f"unknown train.model {name!r}; expected one of: {', '.join(MODELS)}")
    classifier: ClassifierMixin = MODELS[name](random_state=seed, **hyperparameters)
    return make_pipeline(StandardScaler(), classifier)


def main() -> None:
    params = load_params()["train"]
    name = params["model"]
    frame = pd.read_csv(TRAIN_FILE)
    model = build_model(name, params.get(name) or {}, params["seed"])
    model.fit(frame.drop(columns=[TARGET]), frame[TARGET])
    MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, MODEL_FILE)
    print(f"train: fitted {name} on {len(frame)} rows -> {MODEL_FILE}")


if __name__ == "__main__":
    main()
