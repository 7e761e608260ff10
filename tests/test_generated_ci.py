"""The generated CI's gates, run with ``mlops run`` on generated projects (real git, dvc, pip).

- a pull request that makes the model worse fails `train` after the report comment is
  saved, naming what regressed (one that makes it better passes: tests/test_readme_journey.py,
  which runs the whole pull_request event on such a branch);
- a push to main whose dvc.lock is stale fails with one annotation;
- the s3 variant without credentials stops before installing anything, saying what to set;
- the lock check passes on a fresh project and fails when the lock is edited by hand
  (it re-locks with uv, so it needs PyPI, as the generated CI does).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IDENTITY, copy_project, run_mlops

pytestmark = pytest.mark.slow


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **IDENTITY}, capture_output=True, text=True
    )
    assert result.returncode == 0, f"git {args}: {result.stderr}"
    return result.stdout


def _set_c(root: Path, old: str, new: str) -> None:
    params = root / "params.yaml"
    text = params.read_text()
    assert f"C: {old}" in text
    params.write_text(text.replace(f"C: {old}", f"C: {new}"))


def _run(root: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops", "run", *args],
        cwd=root,
        env={**os.environ, **IDENTITY, "MLOPS_CACHE_DIR": str(cache)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _results(stderr: str) -> dict[str, str]:
    table = stderr.split("\nJob ")[-1].split("\n\n")[0].splitlines()[1:]
    return {line.split()[0]: line.split()[2] for line in table if line.split()}


def _comments(stderr: str) -> list[Path]:
    record = Path(stderr.split("Run record: ")[-1].strip().splitlines()[0])
    return sorted((record / "comments").glob("*.md"))


@pytest.fixture
def demo(trained_project: Path, tmp_path: Path) -> Path:
    """A private copy of `mlops new --defaults` with its baseline (C=1.0) committed on main."""
    target = copy_project(trained_project, tmp_path / "demo")
    (tmp_path / "demo-dvc-storage").mkdir()  # the default local remote, beside the project
    return target


def test_worse_model_fails_the_pull_request_after_the_comment(demo: Path, tmp_path: Path) -> None:
    _git(demo, "checkout", "-q", "-b", "weaker")
    _set_c(demo, "1.0", "0.01")  # much stronger regularisation: a worse model
    _git(demo, "commit", "-qam", "Try C=0.01")

    result = _run(demo, tmp_path / "cache", "pull_request", "-j", "train")
    assert result.returncode == 1, result.stderr[-4000:]
    assert _results(result.stderr)["train"] == "failure"
    # the reason, as an annotation of the last step
    assert "Model regressed" in result.stderr
    assert "report check failed (--fail-on regressed): " in result.stderr
    assert "metrics regressed: accuracy" in result.stderr
    # ...after the comment was made, which says the same
    comments = _comments(result.stderr)
    assert len(comments) == 1, result.stderr[-3000:]
    comment = comments[0].read_text()
    assert "**Verdict: ⚠️ regressed**" in comment
    assert "> ❌ **This check fails** (`mlops report --fail-on regressed`)" in comment
    # the branch did not commit the dvc.lock of its change: the report says so
    assert "`dvc.lock` on `weaker` is stale" in comment
    # the local remote is not kept on GitHub: a warning says how to set a real one
    assert "DVC remote is a local directory" in result.stderr
    assert "mlops update -d dvc_remote=s3://" in result.stderr


def test_push_with_stale_dvc_lock_fails_with_one_annotation(demo: Path, tmp_path: Path) -> None:
    # main as trained: its dvc.lock describes its outputs, the push job passes
    result = _run(demo, tmp_path / "cache", "push", "-j", "push-data")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Stale dvc.lock" not in result.stderr

    # a change merged without the dvc.lock its pipeline produces
    _set_c(demo, "1.0", "2.0")
    _git(demo, "commit", "-qam", "Try C=2.0, without dvc.lock")
    result = _run(demo, tmp_path / "cache", "push", "-j", "push-data")
    assert result.returncode == 1, result.stderr[-4000:]
    assert _results(result.stderr)["push-data"] == "failure"
    annotations = [line for line in result.stderr.splitlines() if "Stale dvc.lock" in line]
    assert len(annotations) == 1, result.stderr[-4000:]
    assert "commit dvc.lock" in annotations[0]
    assert "Push outputs to the DVC remote" not in result.stderr.split("Stale dvc.lock")[1]


def test_s3_remote_without_credentials_stops_first(tmp_path: Path) -> None:
    root = tmp_path / "s3demo"
    created = run_mlops("new", str(root), "--defaults", "-d", "dvc_remote=s3://bucket/dvc")
    assert created.returncode == 0, created.stderr
    _git(root, "checkout", "-q", "-b", "change")
    _set_c(root, "1.0", "2.0")
    _git(root, "commit", "-qam", "change")

    result = _run(root, tmp_path / "cache", "pull_request", "-j", "train")
    assert result.returncode == 1, result.stderr[-4000:]
    assert "Missing AWS credentials" in result.stderr
    assert "AWS_ROLE_ARN" in result.stderr and "AWS_ACCESS_KEY_ID" in result.stderr
    after = result.stderr.split("Missing AWS credentials", 1)[1]
    assert "Install dependencies" not in after and "dvc repro" not in after  # stopped early


def test_lock_check_fails_when_the_lock_is_edited_by_hand(demo: Path, tmp_path: Path) -> None:
    result = _run(demo, tmp_path / "cache", "workflow_dispatch", "-j", "lock")
    assert result.returncode == 0, result.stderr[-4000:]  # the template's locks match
    assert _results(result.stderr)["lock"] == "success"

    # a pull request that edits the lock by hand: the change triggers the check, which fails
    _git(demo, "checkout", "-q", "-b", "hand-edit")
    lock = demo / "requirements.txt"
    text = lock.read_text()
    assert "joblib==1.6.0 \\" in text
    lock.write_text(text.replace("joblib==1.6.0 \\", "joblib==1.5.0 \\"))  # same hashes
    _git(demo, "commit", "-qam", "Downgrade joblib by hand")
    result = _run(demo, tmp_path / "cache", "pull_request", "-j", "lock")
    assert result.returncode == 1, result.stderr[-4000:]
    assert _results(result.stderr)["lock"] == "failure"
    assert "Lock file out of date" in result.stderr
    assert "requirements.txt does not match requirements.in" in result.stderr
