"""The Dockerfiles ``mlops new`` and ``mlops generate dockerfile train|serve`` write build; the
training image runs the pipeline to completion, the serving image answers HTTP requests.

Built against the local stand-in for the ``FROM`` image (tests/dockerimages.py); pip in the
build installs the project's pinned requirements from PyPI. The layer cache is kept under a
fixed tag, so a second run rebuilds only the project's files; the serving image's build stage
starts with the same instructions, so it takes the installed dependencies from that cache.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests import dockerimages
from tests.conftest import copy_project, run_mlops

pytestmark = [pytest.mark.docker, pytest.mark.slow]

TAG = "mlops-test/generated-train:cache"
# The installed dependencies both images start from, kept for the next build like TAG.
DEPENDENCIES_TAG = "mlops-test/generated-dependencies:cache"


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


def _layer_of(log: str, instruction: str) -> str:
    """The image the first build step starting with ``instruction`` made (legacy builder log)."""
    step = re.search(
        rf"^Step \d+/\d+ : {re.escape(instruction)}.*?^ ---> ([0-9a-f]{{12}})$",
        log,
        flags=re.MULTILINE | re.DOTALL,
    )
    assert step is not None, f"no step {instruction!r} in the build log:\n{log[-3000:]}"
    return step.group(1)


def _http(url: str, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serving_image_builds_and_answers_health_and_predict(
    project_copy: Path, base_image: str
) -> None:
    result = run_mlops("generate", "dockerfile", "serve", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    tag = f"mlops-test/generated-serve:{os.getpid()}"
    name = f"mlops-test-serve-{os.getpid()}"
    layers: list[str] = []
    try:
        # The dependency layer comes from what the training build (or an earlier serving
        # build) left, named, so no other build's chain of the same instructions is taken.
        with dockerimages._building(dockerimages.PROJECT_CI_LOCK):
            cache = [
                f"--cache-from={image}"
                for image in (DEPENDENCIES_TAG, TAG)
                if dockerimages.image_exists(image)
            ]
            build = ["docker", "build", *cache, "-f", "Dockerfile.serve", "-t", tag, "."]
            log = _ok(build, cwd=project_copy)
        layers = re.findall(r"---> ([0-9a-f]{12})$", log, flags=re.MULTILINE)
        _ok(["docker", "tag", _layer_of(log, "RUN python -m pip install"), DEPENDENCIES_TAG])
        assert "Running stage 'train'" in log, log[-3000:]  # trained in the build stage
        _ok(["docker", "run", "-d", "--name", name, "-p", "127.0.0.1::8080", tag])
        port = _ok(["docker", "port", name, "8080/tcp"]).split(":")[-1].strip()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:  # importing pandas and scikit-learn takes a while on a loaded machine
            try:
                health = _http(f"{url}/health")
                break
            except (OSError, json.JSONDecodeError):
                state = _ok(["docker", "inspect", "-f", "{{.State.Status}}", name]).strip()
                logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True)
                assert state == "running", f"the server exited: {logs.stdout}{logs.stderr}"
                assert time.monotonic() < deadline, f"no answer on {url}: {logs.stderr}"
                time.sleep(0.5)
        assert health == (200, {"status": "ok"})

        from sklearn.datasets import load_breast_cancer

        data = load_breast_cancer()
        rows = [data.data[0].tolist(), data.data[19].tolist()]  # a malignant and a benign case
        assert [int(data.target[0]), int(data.target[19])] == [0, 1]
        answer = _http(f"{url}/predict", json.dumps({"instances": rows}).encode())
        assert answer == (200, {"predictions": [0, 1]})
        record = dict(zip(data.feature_names, data.data[19].tolist(), strict=True))
        by_name = _http(f"{url}/predict", json.dumps({"instances": [record]}).encode())
        assert by_name == (200, {"predictions": [1]})
        status, error = _http(f"{url}/predict", b'{"instances": [[1, 2]]}')
        assert status == 400 and "expected 30" in error["error"], error

        # Non-root, and slim: the runtime stage has the model and serving libraries, not dvc.
        assert _ok(["docker", "exec", name, "id", "-u"]).strip() == "10001"
        no_dvc = subprocess.run(
            ["docker", "exec", name, "python", "-c", "import dvc"], capture_output=True, check=False
        )
        assert no_dvc.returncode != 0
        # Its HEALTHCHECK command passes (run now, rather than waiting out its interval).
        check = json.loads(_ok(["docker", "inspect", "-f", "{{json .Config.Healthcheck}}", tag]))
        assert check["Test"][0] == "CMD", check
        _ok(["docker", "exec", name, *check["Test"][1:]])
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
        subprocess.run(["docker", "rmi", tag], capture_output=True, check=False)
        # The build stage's layers are no parent of the serving image: removed one by one
        # (those under DEPENDENCIES_TAG or TAG are refused, and stay).
        for layer in reversed(layers):
            subprocess.run(["docker", "rmi", layer], capture_output=True, check=False)
