"""The generated project's journey (the README's first command): a new project, a baseline
model trained and committed on main, a branch that changes a hyperparameter, and
``mlops run pull_request`` — tests and training pass, the CML comment with the metric deltas
against main is printed and saved, and the project's tree is untouched.

The branch makes a better model, so this is also the generated CI's gate on a pull request
that improves the model (tests/test_generated_ci.py has the one that makes it worse): the
train job passes, its comment says the check passes, and the committed dvc.lock is current.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_project, dvc_repro
from tests.runner.conftest import GIT_ENV, Repo

pytestmark = pytest.mark.slow


def test_pull_request_journey_with_a_better_model(trained_project: Path, tmp_path: Path) -> None:
    # `mlops new --defaults`, `dvc repro`, commit "Baseline model" on main: the shared project
    root = copy_project(trained_project, tmp_path / "demo")
    project = Repo(root, tmp_path / "cache")
    assert project.git("log", "--format=%s", "-1").strip() == "Baseline model"
    project.git("checkout", "-q", "-b", "tune-c")
    params = root / "params.yaml"
    assert "C: 1.0" in params.read_text()
    params.write_text(params.read_text().replace("C: 1.0", "C: 2.0"))  # a better model
    dvc_repro(root)
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
    saved = comments[0].read_text()
    assert "CML watermark" in saved
    # the train job's gate (mlops report --fail-on regressed) passed, and said so
    assert "**Verdict: ✅ improved**" in saved
    assert "> ✅ This check passes (`mlops report --fail-on regressed`)" in saved
    assert "is stale" not in saved  # the branch committed its dvc.lock
    assert "Model regressed" not in result.stderr
    assert project.snapshot() == before
