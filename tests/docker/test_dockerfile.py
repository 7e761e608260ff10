"""The Dockerfile ``mlops new`` and ``mlops generate dockerfile train`` write builds, and its
image runs the pipeline to completion.

Built against the local stand-in for the ``FROM`` image (tests/dockerimages.py); pip in the
build installs the project's pinned requirements from PyPI. The layer cache is kept under a
fixed tag, so a second run rebuilds only the project's files.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests import dockerimages
from tests.conftest import copy_project, run_mlops

pytestmark = [pytest.mark.docker, pytest.mark.slow]

TAG = "mlops-test/generated-train:cache"


def _ok(args: list[str], cwd: Path | None = None, timeout: float = 900) -> str:
    # The legacy builder ignores `# syntax=`; BuildKit would pull its frontend image.
    env = {**os.environ, "DOCKER_BUILDKIT": "0", "DVC_NO_ANALYTICS": "1"}
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout + result.stderr


@pytest.mark.parametrize("made_by", ["new", "generate"])
def test_training_image_builds_and_reruns_the_pipeline_after_a_local_repro(
    trained_project: Path, tmp_path: Path, base_image: str, made_by: str
) -> None:
    # As the Dockerfile's header suggests, after the user has trained locally (`dvc repro`).
    project_copy = copy_project(trained_project, tmp_path / "ml-project")
    assert (project_copy / "models/model.joblib").is_file()
    if made_by == "generate":  # `mlops generate dockerfile train` in the existing project
        for name in ("Dockerfile", ".dockerignore"):
            (project_copy / name).unlink()
        result = run_mlops("generate", "dockerfile", "train", cwd=project_copy)
        assert result.returncode == 0, result.stderr
        assert (project_copy / "Dockerfile").is_file()

    # Its dependency layer is the project CI image's (tests/dockerimages.py): one pip install
    # of those packages at a time, so a cold layer cache installs them once, not side by side.
    with dockerimages._building(dockerimages.PROJECT_CI_LOCK):
        _ok(["docker", "build", "-t", TAG, "."], cwd=project_copy)
    name = f"mlops-test-train-{os.getpid()}"
    try:
        log = _ok(["docker", "run", "--name", name, TAG])
        assert "Running stage 'train'" in log or "didn't change" in log, log
        # The pipeline's result is in the container, where the header's `docker cp` finds it.
        _ok(["docker", "cp", f"{name}:/app/reports", str(project_copy / "reports-from-image")])
        assert (project_copy / "reports-from-image/metrics.json").is_file()
        status = _ok(["docker", "start", "-a", name])  # run again: nothing left to do
        assert "Data and pipelines are up to date" in status or "didn't change" in status, status
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
