"""Load the raw dataset as a feature table plus a ``target`` column.

The built-in datasets ship inside scikit-learn, so nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn import datasets

TARGET = "target"

BUILTIN_DATASETS = {
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "digits": datasets.load_digits,
}


def load_dataset(source: str, csv_path: str | None = None, target: str = TARGET) -> pd.DataFrame:
    """Return the dataset named ``source`` with its label in the ``target`` column.

    ``source`` is one of BUILTIN_DATASETS, or ``csv`` to read ``csv_path``
    whose label column is ``target``.
    """
    if source == "csv":
        if not csv_path:
            raise ValueError("data.csv_path must be set when data.source is 'csv'")
        frame = pd.read_csv(Path(csv_path))
        if target not in frame.columns:
            raise ValueError(f"{csv_path} has no column {target!r} (data.target)")
        return frame.rename(columns={target: TARGET})
    if source not in BUILTIN_DATASETS:
        known = ", ".join([*BUILTIN_DATASETS, "csv"])
        raise ValueError(f"unknown data.source {source!r}; expected one of: {known}")
    bunch = BUILTIN_DATASETS[source](as_frame=True)
    return bunch.frame.rename(columns={bunch.target.name: TARGET})
