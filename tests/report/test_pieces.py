"""The report's pure parts: directions, statuses, the repro log, the lock diff, sizes."""

from __future__ import annotations

import math

import pytest

from mlops.report.compare import MISSING, compare_metric, format_number, verdict
from mlops.report.config import ReportConfig, guess_direction
from mlops.report.markdown import _hard_cut
from mlops.report.stages import lock_changes, parse_repro_log


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("accuracy", "higher"),
        ("roc_auc", "higher"),
        ("f1", "higher"),
        ("log_loss", "lower"),
        ("val.loss", "lower"),
        ("mean_absolute_error", "lower"),
        ("rmse", "lower"),
        ("test/mae", "lower"),
        ("latency_ms", "lower"),
        ("recall", "higher"),
    ],
)
def test_direction_from_the_name(name: str, direction: str) -> None:
    assert guess_direction(name) == direction


def test_statuses() -> None:
    config = ReportConfig(threshold=0.01)
    assert compare_metric("m", "acc", 0.9, 0.95, config).status == "improved"
    assert compare_metric("m", "acc", 0.9, 0.85, config).status == "regressed"
    assert compare_metric("m", "acc", 0.9, 0.905, config).status == "within"
    assert compare_metric("m", "loss", 0.3, 0.2, config).status == "improved"
    assert compare_metric("m", "acc", 0.9, 0.9, config).status == "unchanged"
    assert compare_metric("m", "acc", MISSING, 0.9, config).status == "added"
    assert compare_metric("m", "acc", 0.9, MISSING, config).status == "removed"
    assert compare_metric("m", "acc", 0.9, math.inf, config).status == "changed"
    assert compare_metric("m", "acc", math.nan, math.nan, config).status == "unchanged"
    assert compare_metric("m", "tag", "a", "b", config).status == "changed"
    assert compare_metric("m", "flag", True, 1, config).status == "changed"  # bool is not 1
    row = compare_metric("m", "acc", 0.0, 0.5, config)
    assert row.delta == 0.5 and row.relative is None  # no relative change from zero


def test_verdict_words() -> None:
    config = ReportConfig()
    rows = [
        compare_metric("m", "acc", 0.9, 0.95, config),
        compare_metric("m", "f1", 0.9, 0.8, config),
    ]
    assert verdict(rows, base_has_metrics=True).word == "regressed"
    assert verdict(rows[:1], base_has_metrics=True).word == "improved"
    assert verdict([], base_has_metrics=False).word == "no-metrics"
    added = [compare_metric("m", "acc", MISSING, 0.9, config)]
    assert verdict(added, base_has_metrics=False).word == "no-baseline"


def test_repro_log() -> None:
    log = "\n".join(
        [
            "Stage 'prepare' didn't change, skipping",
            "Stage 'train' is cached - skipping run, checking out outputs",
            "\x1b[33mRunning stage 'evaluate':\x1b[0m",
            "> python -m x.evaluate",
            "Updating lock file 'dvc.lock'",
            "Stage 'sub/dvc.yaml:fit' didn't change, skipping",
        ]
    )
    assert parse_repro_log(log) == {
        "prepare": "skipped",
        "train": "restored",
        "evaluate": "ran",
        "sub/dvc.yaml:fit": "skipped",
    }


def test_lock_changes() -> None:
    old = {
        "cmd": "python train.py",
        "deps": [{"path": "data.csv", "md5": "a", "size": 1}],
        "params": {"params.yaml": {"train": {"C": 1.0, "seed": 1}}},
        "outs": [{"path": "model.pkl", "md5": "m", "size": 5}],
    }
    new = {
        "cmd": "python train.py",
        "deps": [{"path": "data.csv", "md5": "a", "size": 1}],
        "params": {"params.yaml": {"train": {"C": 0.1, "seed": 1}}},
        "outs": [{"path": "model.pkl", "md5": "n", "size": 5}],
    }
    assert lock_changes(old, new) == ["params `train.C`", "outs `model.pkl`"]
    assert lock_changes(old, old) == []


def test_numbers() -> None:
    assert format_number(0.982456) == "0.9825"
    assert format_number(-0.0351, signed=True) == "-0.0351"
    assert format_number(3.0) == "3.0"
    assert format_number(1234567.0) == "1.235e+06"
    assert format_number(math.inf, signed=True) == "+Infinity"
    assert format_number(math.nan) == "NaN"


def test_hard_cut_closes_details_and_fits() -> None:
    text = "<!-- mlops-report -->\n<details><summary>x</summary>\n\n" + "| a | b |\n" * 10_000
    cut = _hard_cut(text, 5_000)
    assert len(cut) <= 5_000
    assert cut.count("<details") == cut.count("</details>")
    assert "Report cut here" in cut
