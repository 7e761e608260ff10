"""Stage ``prepare``: load the raw data and split it into train and test sets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from .data import TARGET, load_dataset
from .params import load_params

OUTPUT_DIR = Path("data/prepared")


def split(frame: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into train and test sets, keeping the class proportions."""
    return train_test_split(frame, test_size=test_size, random_state=seed, stratify=frame[TARGET])


def main() -> None:
    params = load_params()
    frame = load_dataset(**params["data"])
    train, test = split(frame, params["prepare"]["test_size"], params["prepare"]["seed"])
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    train.to_csv(OUTPUT_DIR / "train.csv", index=False)
    test.to_csv(OUTPUT_DIR / "test.csv", index=False)
    print(f"prepare: {len(train)} training rows, {len(test)} test rows")


if __name__ == "__main__":
    main()
