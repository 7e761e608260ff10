"""Shared helpers: run the real ``mlops`` CLI, and render projects from the bundled template.

The generated projects the tests start from (rendered, and trained) are built once per test
session, not once per pytest-xdist worker: ``build_once`` makes the first worker build them
under a file lock in the session's shared temporary directory and the others reuse them.
Tests never change them; each takes a private copy.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

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


IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary directory all of this session's xdist workers share."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """``build(directory)`` once per session across workers; the directory, read-only by use."""
    shared = session_dir(tmp_path_factory) / "shared"
    shared.mkdir(exist_ok=True)
    target = shared / name
    done = shared / f"{name}.done"
    with _locked(shared / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)  # a worker's failed attempt
            target.mkdir()
            build(target)
            done.touch()
    return target


def copy_project(source: Path, target: Path) -> Path:
    """A private copy of a shared project (git history and DVC cache included)."""
    shutil.copytree(source, target, symlinks=True)
    return target


def git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **IDENTITY}, capture_output=True, text=True
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def dvc_repro(root: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "dvc", "repro"],
        cwd=root,
        env={**os.environ, "DVC_NO_ANALYTICS": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"dvc repro:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


HOW_TO_RUN_DOCKER_TESTS = (
    "the docker tests need a Docker engine and debootstrap, as .ci/run sets up; "
    "or deselect them: -m 'not docker'"
)


def missing(what: str) -> NoReturn:
    """Something a test needs is not on this machine: skip saying what, except in CI (``CI``
    set), where everything is installed on purpose and a missing piece is a failure."""
    message = f"{what} ({HOW_TO_RUN_DOCKER_TESTS})"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@functools.cache
def docker_engine_missing() -> str:
    """Why no Docker engine can be used here ("" when one answers)."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed (apt-get install docker.io)"
    try:
        info = subprocess.run(
            ["docker", "info"], capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired:
        return "the Docker engine did not answer `docker info` within 30 s"
    if info.returncode == 0:
        return ""
    detail = info.stderr.strip().splitlines()[-1:] or [f"exit code {info.returncode}"]
    return f"no Docker engine is reachable (start one: dockerd &): {detail[0]}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("docker") and docker_engine_missing():
        missing(docker_engine_missing())


def _render_default(directory: Path) -> None:
    result = run_mlops("new", str(directory / "ml-project"), "--defaults")
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project made by ``mlops new --defaults``, shared read-only by tests."""
    return build_once(tmp_path_factory, "default", _render_default) / "ml-project"


@pytest.fixture(scope="session")
def trained_project(tmp_path_factory: pytest.TempPathFactory, default_project: Path) -> Path:
    """The default project with its baseline model (C=1.0) trained and committed on main.

    Two commits: ``mlops new``'s, then "Baseline model" (dvc.lock and the reports). Its
    ``dvc repro`` log is in ``repro.log`` beside it. Shared read-only: use ``copy_project``.
    """

    def train(directory: Path) -> None:
        root = copy_project(default_project, directory / "ml-project")
        (directory / "repro.log").write_text(dvc_repro(root))
        git(root, "add", "-A")
        git(root, "commit", "-qm", "Baseline model")

    return build_once(tmp_path_factory, "trained", train) / "ml-project"


@pytest.fixture
def project_copy(default_project: Path, tmp_path: Path) -> Path:
    """A private copy of the default project (git history included) a test may change."""
    target = tmp_path / "ml-project"
    shutil.copytree(default_project, target, symlinks=True)
    return target


# The longest modules (minutes each on 2 cores), longest first; then the other slow tests.
LONGEST_FIRST = (
    "tests/test_readme_journey.py",
    "tests/docker/test_deploy.py",
    "tests/test_generated_ci.py",
    "tests/docker/test_dockerfile.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first (generated-project pipelines, then the other docker tests).

    With pytest-xdist handing out one test at a time (``--maxschedchunk=1`` in pyproject),
    each worker starts a long test while the other does too, and the many short tests fill
    the gaps at the end, instead of one long test starting last and running alone.
    """

    def rank(item: pytest.Item) -> tuple[bool, int, bool, bool]:
        module = item.nodeid.split("::")[0]
        return (
            # last: it reuses what the first README journey made, so it never waits for it
            item.get_closest_marker("readme_variant") is not None,
            LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST),
            item.get_closest_marker("slow") is None,
            item.get_closest_marker("docker") is None,
        )

    items.sort(key=rank)
