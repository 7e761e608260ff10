"""The generated monitor workflow, run with ``mlops run`` (host backend) on a trained project:
a batch of production inputs with two shifted features fails the run, naming them, after
the drift report is posted; a batch drawn from the training data passes; the daily run
before any inputs arrived passes with a notice. tests/docker/test_monitor.py runs the same
checks (``check_monitor_runs``) with the docker backend.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import IDENTITY, copy_project

pytestmark = pytest.mark.slow

SHIFTED = ["mean radius", "worst texture"]


def _run(root: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops", "run", *args, "-W", ".github/workflows/monitor.yml"],
        cwd=root,
        env={**os.environ, **IDENTITY, "MLOPS_CACHE_DIR": str(cache)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _record(stderr: str) -> Path:
    return Path(stderr.split("Run record: ")[-1].strip().splitlines()[0])


def monitored_project(trained_project: Path, tmp_path: Path) -> Path:
    """A private copy of the trained project whose monitor fails from 2 drifted features."""
    root = copy_project(trained_project, tmp_path / "ml-project")
    (tmp_path / "ml-project-dvc-storage").mkdir()  # the default local remote
    params = root / "params.yaml"
    text = params.read_text()
    assert "drift_share: 0.5\n" in text
    # Two drifted features of 30 are 6.7%: fail from 5% on.
    params.write_text(text.replace("drift_share: 0.5\n", "drift_share: 0.05\n"))
    return root


def _batch(root: Path, seed: int) -> pd.DataFrame:
    """Production inputs drawn from the training data (as the serving app would log them)."""
    reference = pd.read_csv(root / "data/prepared/train.csv")
    return reference.drop(columns=["target"]).sample(200, random_state=seed)


def test_drifted_batch_fails_naming_the_features_clean_batch_passes(
    trained_project: Path, tmp_path: Path
) -> None:
    check_monitor_runs(monitored_project(trained_project, tmp_path), tmp_path / "cache")


def check_monitor_runs(
    project: Path, cache: Path, *backend: str
) -> subprocess.CompletedProcess[str]:
    """The daily run with no inputs passes, a drifted batch fails naming the features, a
    clean batch passes; ``backend``: ``mlops run`` flags. Returns the drifted batch's run."""
    # The daily run before any production inputs arrived: a notice, not a failure.
    result = _run(project, cache, "schedule", *backend)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "No production inputs: Nothing to compare: data/production does not exist" in (
        result.stderr
    )

    drifted = _batch(project, seed=1)
    drifted["mean radius"] *= 1.5
    drifted["worst texture"] += 10
    (project / "data/production").mkdir()
    drifted.to_csv(project / "data/production/batch.csv", index=False)

    drifted_run = result = _run(project, cache, "workflow_dispatch", *backend)
    assert result.returncode == 1, result.stderr[-4000:]
    errors = [line for line in result.stderr.splitlines() if "error: Data drift:" in line]
    assert len(errors) == 1, result.stderr[-4000:]
    assert errors[0].endswith(f"drifted: {', '.join(SHIFTED)} (see the drift report)")
    assert "2 of 30 features drifted (6.7%, threshold 5.0%)" in result.stderr
    # The report was posted (to the issue the run opens on GitHub) before the run failed.
    comments = sorted((_record(result.stderr) / "comments").glob("*.md"))
    assert len(comments) == 1, result.stderr[-3000:]
    comment = comments[0].read_text()
    assert "**Drift detected**: 2 of 30 features drifted" in comment
    for feature in SHIFTED:
        assert f"| {feature} | numerical | Kolmogorov-Smirnov |" in comment
        row = next(line for line in comment.splitlines() if line.startswith(f"| {feature} |"))
        assert row.endswith("| **yes** |"), row
    plots = sorted(comments[0].parent.glob("1-assets/*.png"))
    assert [p.name for p in plots] == ["drift-00-mean_radius.png", "drift-01-worst_texture.png"]
    assert "| mean texture | numerical | Kolmogorov-Smirnov |" in comment  # every feature
    summary = "".join(p.read_text() for p in (_record(result.stderr) / "summaries").glob("*"))
    assert "**Drift detected**" in summary

    # A batch from the training data, given as the manual run's input: no drift, no comment.
    _batch(project, seed=2).to_csv(project / "clean.csv", index=False)
    result = _run(project, cache, "workflow_dispatch", "--input", "batch=clean.csv", *backend)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "0 of 30 features drifted" in result.stderr
    assert "Data drift" not in result.stderr.replace("## Data drift report", "")
    assert not list((_record(result.stderr) / "comments").glob("*.md"))
    return drifted_run
