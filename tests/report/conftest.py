"""A real project with history for `mlops report`: main trained, branch `exp` with C=0.01.

Built once per session from the shared trained project (tests/conftest.py: one more
`dvc repro`) and copied for each test, so a test may change its copy freely.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import build_once, copy_project

IDENTITY = {
    "GIT_AUTHOR_NAME": "Report Test",
    "GIT_AUTHOR_EMAIL": "report@example.com",
    "GIT_COMMITTER_NAME": "Report Test",
    "GIT_COMMITTER_EMAIL": "report@example.com",
}
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without GitHub Actions' variables (tests set the ones they need)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update({"DVC_NO_ANALYTICS": "1", **IDENTITY, **(extra or {})})
    return env


def git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=root, env=clean_env(), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def dvc(root: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"dvc {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def report(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `mlops report ARGS` in ``root`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "mlops", "report", *args],
        cwd=root,
        env=clean_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def set_param(root: Path, old: str, new: str) -> None:
    params = root / "params.yaml"
    text = params.read_text()
    assert old in text
    params.write_text(text.replace(old, new))


def edit_json(path: Path, change) -> None:  # change(document) mutates in place
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2) + "\n")


def images_in(markdown: str, directory: Path) -> list[Path]:
    return [directory / ref for ref in IMAGE.findall(markdown)]


@dataclass(frozen=True)
class History:
    root: Path
    repro_log: str  # output of `dvc repro` on exp (train + evaluate ran)
    initial: str  # the commit `mlops new` made (no metrics yet)
    main: str
    exp: str


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory, trained_project: Path) -> History:
    """The trained default project (main) with branch exp trained at C=0.01, built once."""

    def branch(directory: Path) -> None:
        root = copy_project(trained_project, directory / "project")
        git(root, "checkout", "-q", "-b", "exp")
        set_param(root, "C: 1.0", "C: 0.01")
        (directory / "repro.log").write_text(dvc(root, "repro"))
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "Stronger regularisation")

    directory = build_once(tmp_path_factory, "report-history", branch)
    root = directory / "project"
    assert git(root, "log", "--format=%s", "main").splitlines()[:2] == [
        "Baseline model",
        "Initial commit from mlops new",
    ]
    return History(
        root,
        (directory / "repro.log").read_text(),
        git(root, "rev-parse", "main~1"),
        git(root, "rev-parse", "main"),
        git(root, "rev-parse", "exp"),
    )


@pytest.fixture
def project(history: History, tmp_path: Path) -> Path:
    """A private copy of the history's repository, on branch exp, clean."""
    return copy_project(history.root, tmp_path / "project")
