"""Docker tests: every test here needs a running Docker engine and the local stand-in images.

Each module carries the ``docker`` marker (deselect locally with ``-m "not docker"``). Without an
engine they fail, saying what is missing: CI always runs them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests import dockerimages


@pytest.fixture(scope="session")
def engine() -> None:
    """Fail (never skip) when the Docker engine cannot be used."""
    if shutil.which("docker") is None:
        pytest.fail(
            "the docker CLI is missing: apt-get install docker.io (or deselect: -m 'not docker')"
        )
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        pytest.fail(
            "the Docker engine is not reachable (start it: dockerd > /tmp/dockerd.log 2>&1 &; "
            f"or deselect: -m 'not docker'): {info.stderr.strip().splitlines()[-1:]}"
        )


@pytest.fixture(scope="session")
def base_image(engine: None) -> str:
    try:
        return dockerimages.ensure_base_image()
    except dockerimages.MissingTool as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def runner_image(engine: None) -> str:
    try:
        return dockerimages.ensure_runner_image()
    except dockerimages.MissingTool as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def service_image(engine: None) -> str:
    try:
        return dockerimages.ensure_service_image()
    except dockerimages.MissingTool as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def project_ci_image(base_image: str, default_project: Path) -> str:
    """The docker journey's runner image: the default project's locks preinstalled."""
    try:
        return dockerimages.ensure_project_ci_image(default_project)
    except dockerimages.MissingTool as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def no_pip_image(base_image: str) -> str:
    try:
        return dockerimages.ensure_no_pip_image()
    except dockerimages.MissingTool as error:
        pytest.fail(str(error))
