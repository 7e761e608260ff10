"""A fresh project works at once and offline: ``dvc repro`` trains, ``pytest`` passes.

These run the generated project's own commands with the real dvc, scikit-learn and
pytest of this environment (the dev extra pins the versions the template pins).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_project

pytestmark = pytest.mark.slow

OFFLINE_ENV = {
    # Nothing in a fresh project may need the network; make any attempt fail fast.
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "DVC_NO_ANALYTICS": "1",
}


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **OFFLINE_ENV}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_dvc_repro_trains_then_does_nothing(project_copy: Path) -> None:
    first = _run(project_copy, "dvc", "repro")
    for stage in ("prepare", "train", "evaluate"):
        assert f"Running stage '{stage}'" in first.stdout

    metrics = json.loads((project_copy / "reports/metrics.json").read_text())
    assert set(metrics) >= {"accuracy", "f1", "roc_auc", "log_loss"}
    assert 0.8 < metrics["accuracy"] <= 1.0
    for name in ("roc.json", "precision_recall.json", "confusion.json"):
        points = json.loads((project_copy / "reports/plots" / name).read_text())
        assert len(points) > 2, name
    for name in ("confusion_matrix.png", "roc_curve.png", "precision_recall_curve.png"):
        assert (project_copy / "reports/figures" / name).read_bytes()[:4] == b"\x89PNG"
    assert (project_copy / "models/model.joblib").stat().st_size > 0
    lock = (project_copy / "dvc.lock").read_bytes()

    second = _run(project_copy, "dvc", "repro")
    assert "Running stage" not in second.stdout
    assert "Data and pipelines are up to date" in second.stdout
    assert (project_copy / "dvc.lock").read_bytes() == lock

    shown = json.loads(_run(project_copy, "dvc", "metrics", "show", "--json").stdout)
    assert shown  # dvc reads the metrics file declared in dvc.yaml

    # Pipeline outputs are ignored by git; only the lock file and reports are new.
    status = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=project_copy,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert {line[3:].rstrip("/") for line in status.splitlines()} == {"dvc.lock", "reports"}


def test_param_change_reruns_only_train_and_evaluate(trained_project: Path, tmp_path: Path) -> None:
    project = copy_project(trained_project, tmp_path / "ml-project")  # `dvc repro` ran there
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("C: 1.0", "C: 0.05"))
    rerun = _run(project, "dvc", "repro")
    assert "Running stage 'prepare'" not in rerun.stdout
    assert "Running stage 'train'" in rerun.stdout
    assert "Running stage 'evaluate'" in rerun.stdout


def test_generated_tests_pass_with_the_coverage_threshold(project_copy: Path) -> None:
    # as the generated CI runs them: coverage must reach fail_under in pyproject.toml
    result = _run(project_copy, "pytest", "-q", "-p", "no:cacheprovider", "--cov")
    assert " passed" in result.stdout
    assert "failed" not in result.stdout
    assert "Required test coverage of 80" in result.stdout and " reached" in result.stdout


def test_generated_stage_code_type_checks(project_copy: Path) -> None:
    result = _run(project_copy, "mypy", "--no-incremental")  # files and settings: pyproject
    assert "Success: no issues found" in result.stdout


def test_generated_code_is_ruff_clean(project_copy: Path) -> None:
    _run(project_copy, "ruff", "check", "--no-cache", ".")
    _run(project_copy, "ruff", "format", "--check", "--no-cache", ".")
