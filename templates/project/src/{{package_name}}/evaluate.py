"""Stage ``evaluate``: score the model on the test set; write metrics and plots.

Outputs (small; the metrics, plots and figures kept in git through ``cache: false`` in
dvc.yaml):
- reports/metrics.json: the scores ``dvc metrics diff`` and the PR report compare;
- reports/plots/*.json: ROC and precision-recall points and the predictions
  behind the confusion matrix, for ``dvc plots``;
- reports/figures/*.png: the same plots as pictures;
- reports/sample.json (in DVC's cache, with the model): a few test rows as a
  ``POST /predict`` body, with the predictions this model makes for them: the deploy
  workflow's smoke test sends it to the serving image and expects the same answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.preprocessing import label_binarize

from .data import TARGET
from .figures import save_confusion_matrix, save_curve

TEST_FILE = Path("data/prepared/test.csv")
MODEL_FILE = Path("models/model.joblib")
METRICS_FILE = Path("reports/metrics.json")
PLOTS_DIR = Path("reports/plots")
FIGURES_DIR = Path("reports/figures")
SAMPLE_FILE = Path("reports/sample.json")
SAMPLE_ROWS = 5


def compute_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, y_proba: np.ndarray, classes: np.ndarray
) -> dict[str, float]:
    """Scores for binary or multi-class predictions (macro averages for multi-class)."""
    binary = len(classes) == 2
    average = "binary" if binary else "macro"
    positive = {"pos_label": classes[1]} if binary else {}
    roc_auc = (
        metrics.roc_auc_score(y_true, y_proba[:, 1])
        if binary
        else metrics.roc_auc_score(y_true, y_proba, multi_class="ovr", labels=classes)
    )
    scores = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "balanced_accuracy": metrics.balanced_accuracy_score(y_true, y_pred),
        "precision": metrics.precision_score(
            y_true, y_pred, average=average, zero_division=0, **positive
        ),
        "recall": metrics.recall_score(
            y_true, y_pred, average=average, zero_division=0, **positive
        ),
        "f1": metrics.f1_score(y_true, y_pred, average=average, zero_division=0, **positive),
        "roc_auc": roc_auc,
        "log_loss": metrics.log_loss(y_true, y_proba, labels=classes),
    }
    return {name: round(float(value), 6) for name, value in scores.items()}


def curve_points(
    y_true: np.ndarray, y_proba: np.ndarray, classes: np.ndarray
) -> dict[str, list[dict[str, float]]]:
    """ROC and precision-recall points; micro-averaged over classes when multi-class."""
    if len(classes) == 2:
        truth, scores = (y_true == classes[1]).astype(int), y_proba[:, 1]
    else:
        truth = label_binarize(y_true, classes=classes).ravel()
        scores = y_proba.ravel()
    fpr, tpr, _ = metrics.roc_curve(truth, scores)
    precision, recall, _ = metrics.precision_recall_curve(truth, scores)
    return {
        "roc": [{"fpr": float(x), "tpr": float(y)} for x, y in zip(fpr, tpr, strict=True)],
        "precision_recall": [
            {"recall": float(x), "precision": float(y)}
            for x, y in zip(recall, precision, strict=True)
        ],
    }


def sample_request(features: pd.DataFrame, model: Any) -> dict[str, Any]:
    """A ``POST /predict`` body of the first complete test rows (records when the columns
    have names), and what the model predicts for them."""
    rows = features.dropna().head(SAMPLE_ROWS)
    values = [
        [value.item() if hasattr(value, "item") else value for value in row]
        for row in rows.itertuples(index=False)
    ]
    named = all(isinstance(column, str) for column in rows.columns)
    instances: list[Any] = (
        [dict(zip(rows.columns, row, strict=True)) for row in values] if named else values
    )
    predictions = model.predict(rows)
    return {
        "instances": instances,
        "predictions": [p.item() if hasattr(p, "item") else p for p in predictions],
    }


def write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    frame = pd.read_csv(TEST_FILE)
    features, y_true = frame.drop(columns=[TARGET]), frame[TARGET].to_numpy()
    model = joblib.load(MODEL_FILE)
    classes = model.classes_
    y_pred = model.predict(features)
    y_proba = model.predict_proba(features)

    scores = compute_metrics(y_true, y_pred, y_proba, classes)
    write_json(METRICS_FILE, scores)

    write_json(SAMPLE_FILE, sample_request(features, model))

    curves = curve_points(y_true, y_proba, classes)
    write_json(PLOTS_DIR / "roc.json", curves["roc"])
    write_json(PLOTS_DIR / "precision_recall.json", curves["precision_recall"])
    write_json(
        PLOTS_DIR / "confusion.json",
        [{"actual": str(a), "predicted": str(p)} for a, p in zip(y_true, y_pred, strict=True)],
    )

    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    save_confusion_matrix(y_true, y_pred, classes, FIGURES_DIR / "confusion_matrix.png")
    save_curve(curves["roc"], "fpr", "tpr", "ROC curve", FIGURES_DIR / "roc_curve.png")
    save_curve(
        curves["precision_recall"],
        "recall",
        "precision",
        "Precision-recall curve",
        FIGURES_DIR / "precision_recall_curve.png",
    )
    print("evaluate: " + ", ".join(f"{name}={value:.4f}" for name, value in scores.items()))


if __name__ == "__main__":
    main()
