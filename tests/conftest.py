"""Shared helpers: run the real ``mlops`` CLI, and render projects from the bundled template."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_mlops(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mlops ARGS`` as a user would, with stdin not a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "mlops", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (outside .git) with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project made by ``mlops new --defaults``, shared read-only by tests."""
    root = tmp_path_factory.mktemp("default") / "ml-project"
    result = run_mlops("new", str(root), "--defaults")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def project_copy(default_project: Path, tmp_path: Path) -> Path:
    """A private copy of the default project (git history included) a test may change."""
    target = tmp_path / "ml-project"
    shutil.copytree(default_project, target, symlinks=True)
    return target
