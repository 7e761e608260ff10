"""Render evaluation plots to PNG files (no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # render to files; CI machines and containers have no display

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay


def save_confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, classes: np.ndarray, path: Path
) -> None:
    figure, axes = plt.subplots(figsize=(5, 4.5), dpi=100)
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=classes, ax=axes, colorbar=False, cmap="Blues"
    )
    axes.set_title("Confusion matrix (test set)")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def save_curve(points: list[dict[str, float]], x: str, y: str, title: str, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(5, 4.5), dpi=100)
    axes.plot([p[x] for p in points], [p[y] for p in points], linewidth=2)
    axes.set(xlabel=x, ylabel=y, title=title, xlim=(0, 1), ylim=(0, 1.02))
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
