"""The generated project's journey (the README's first command): a new project, a baseline
model trained and committed on main, a branch that changes a hyperparameter, and
``mlops run pull_request`` — tests and training pass, the CML comment with the metric deltas
against main is printed and saved, and the project's tree is untouched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_mlops
from tests.runner.conftest import GIT_ENV, Repo

pytestmark = pytest.mark.slow


def test_pull_request_journey(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    assert run_mlops("new", str(root), "--defaults").returncode == 0
    project = Repo(root, tmp_path / "cache")
    baseline = subprocess.run(
        [sys.executable, "-m", "dvc", "repro", "-q"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert baseline.returncode == 0, baseline.stderr
    project.commit("Baseline model")
    project.git("checkout", "-q", "-b", "tune-c")
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("C: 1.0", "C: 2.0"))  # a better model
    tuned = subprocess.run(
        [sys.executable, "-m", "dvc", "repro", "-q"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tuned.returncode == 0, tuned.stderr
    project.commit("Try C=2.0")
    before = project.snapshot()

    result = subprocess.run(
        [sys.executable, "-m", "mlops", "run", "pull_request"],
        cwd=root,
        env={**os.environ, **GIT_ENV, "MLOPS_CACHE_DIR": str(project.cache)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "up to date with its mlops template" in result.stderr  # ci.yml's notice job
    table = result.stderr.split("\nJob ")[-1].split("\n\n")[0].splitlines()[1:]
    results = {line.split()[0]: line.split()[2] for line in table}
    assert results == {
        "lint": "success",
        "test": "success",
        "template-updates": "success",
        "train": "success",
        "fork-notice": "skipped",
        "push-data": "skipped",
    }
    assert "── CML comment" in result.stderr
    comment = result.stderr.split("── CML comment")[1]
    assert "train.logistic_regression.C" in comment  # the changed param is named
    assert "**Verdict: ✅ improved**" in comment  # so the train job's gate passes
    accuracy = next(line for line in comment.splitlines() if line.startswith("| `accuracy`"))
    cells = [cell.strip() for cell in accuracy.strip("|").split("|")]
    assert cells[1] != "—" and cells[2] != "—"  # a value at main and on the branch
    assert float(cells[3]) == pytest.approx(float(cells[2]) - float(cells[1]), abs=1e-3)
    record = Path(result.stderr.split("Run record: ")[-1].strip())
    comments = sorted((record / "comments").glob("*.md"))
    assert len(comments) == 1
    assert "CML watermark" in comments[0].read_text()
    assert project.snapshot() == before
