"""Docker tests: every test here needs a running Docker engine and the local stand-in images.

Each module carries the ``docker`` marker (deselect with ``-m "not docker"``). Without an engine
or debootstrap they are skipped saying what is missing, and fail the same way in CI (``CI`` set),
which always runs them (tests/conftest.py: ``missing``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests import dockerimages
from tests.conftest import docker_engine_missing, missing
from tests.runner.conftest import Repo, newest_record

LABEL = "dev.mlops.run"


def left_behind(run_id: str) -> list[str]:
    """Containers, networks, volumes and images still carrying the run's label."""
    found = []
    for kind in ("container", "network", "volume", "image"):
        listing = {"container": ["ps", "-a"], "image": ["images"]}.get(kind, [kind, "ls"])
        out = subprocess.run(
            ["docker", *listing, "-q", "--filter", f"label={LABEL}={run_id}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        found += [f"{kind} {item}" for item in out]
    return found


def run_label(repo: Repo) -> str:
    """The name of the repository's newest run record (the run's label value)."""
    record = newest_record(repo.cache)
    assert record is not None
    return record.name


@pytest.fixture(scope="session")
def engine() -> None:
    """The Docker engine answers (else skipped, or failed in CI, saying what is missing)."""
    if docker_engine_missing():
        missing(docker_engine_missing())


@pytest.fixture(scope="session")
def base_image(engine: None) -> str:
    try:
        return dockerimages.ensure_base_image()
    except dockerimages.MissingTool as error:
        missing(str(error))


@pytest.fixture(scope="session")
def runner_image(engine: None) -> str:
    try:
        return dockerimages.ensure_runner_image()
    except dockerimages.MissingTool as error:
        missing(str(error))


@pytest.fixture(scope="session")
def service_image(engine: None) -> str:
    try:
        return dockerimages.ensure_service_image()
    except dockerimages.MissingTool as error:
        missing(str(error))


@pytest.fixture(scope="session")
def project_ci_image(base_image: str, default_project: Path) -> str:
    """The docker journey's runner image: the default project's locks preinstalled."""
    try:
        return dockerimages.ensure_project_ci_image(default_project)
    except dockerimages.MissingTool as error:
        missing(str(error))


@pytest.fixture(scope="session")
def no_pip_image(base_image: str) -> str:
    try:
        return dockerimages.ensure_no_pip_image()
    except dockerimages.MissingTool as error:
        missing(str(error))
