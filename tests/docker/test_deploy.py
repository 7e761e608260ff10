"""The model lifecycle of a generated project, end to end with real git, GTO, DVC and Docker:
scaffold, `dvc repro`, `gto register`, `gto assign`, then the deploy workflow of the stage tag
run by `mlops run` — the serving image built with the version's model, started and
smoke-tested, its container removed; the image's /metrics parses as Prometheus exposition and
its counters move with requests. A serving app that cannot answer fails the run at the smoke
test, in one annotation; the tag of an older version still deploys that version.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import dockerimages
from tests.conftest import IDENTITY, copy_project
from tests.test_generated_ci import _results, _run
from tests.test_generated_serving import DIRECT, _metrics

pytestmark = [pytest.mark.docker, pytest.mark.slow]

GTO = str(Path(sys.executable).parent / "gto")


def _ok(args: list[str], cwd: Path) -> str:
    result = subprocess.run(
        args, cwd=cwd, env={**os.environ, **IDENTITY}, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _deploy(root: Path, tag: str, *backend: str) -> subprocess.CompletedProcess[str]:
    event = root.parent / f"{tag.replace('#', '-')}.json"
    event.write_text(json.dumps({"ref": f"refs/tags/{tag}"}))
    with dockerimages._building(dockerimages.PROJECT_CI_LOCK):  # one dependency install
        return _run(root, root.parent / "cache", "push", "-e", str(event), *backend)


def _containers_of(image: str) -> list[str]:
    out = _ok(["docker", "ps", "-a", "-q", "--filter", f"ancestor={image}"], Path.cwd())
    return out.split()


def _register(root: Path) -> Path:
    """Register the project's model v1.0.0 and assign it to prod (tag model#prod#1)."""
    _ok([GTO, "register", "model", "--version", "v1.0.0"], root)
    _ok([GTO, "assign", "model", "--version", "v1.0.0", "--stage", "prod"], root)
    return root


def _build_stages() -> set[str]:
    """The untagged images of Dockerfile.serve's build stage (the classic builder keeps one
    per build; their layers are shared, each holds a few hundred kB of its own)."""
    out = _ok(
        [
            "docker",
            "images",
            "--quiet",
            "--no-trunc",
            "--filter",
            "dangling=true",
            "--filter",
            "label=org.opencontainers.image.title=ml-project",
        ],
        Path.cwd(),
    )
    return set(out.split())


def _remove_images(name: str, stages_before: set[str]) -> None:
    """The image's tags, and the build stages made since ``stages_before`` was taken."""
    for tag in ("v1.0.0", "v1.0.1", "prod"):
        subprocess.run(["docker", "rmi", f"{name}:{tag}"], capture_output=True, check=False)
    for stage in sorted(_build_stages() - stages_before):
        subprocess.run(["docker", "rmi", stage], capture_output=True, check=False)


@pytest.fixture(scope="module")
def registered(
    trained_project: Path, tmp_path_factory: pytest.TempPathFactory, base_image: str
) -> Path:
    """The default project, trained and committed, its model v1.0.0 registered and in prod.

    Shared by the module's tests that do not change it (one deploy, one image).
    """
    parent = tmp_path_factory.mktemp("deploy")
    return _register(copy_project(trained_project, parent / f"deploy-{os.getpid()}"))


@pytest.fixture(scope="module")
def deployed(registered: Path) -> Iterator[tuple[subprocess.CompletedProcess[str], str]]:
    """`mlops run` of the stage tag's push with the docker backend, and the image it built
    (removed after the module's tests)."""
    image = f"ghcr.io/local/{registered.name}/model"
    stages = _build_stages()
    try:
        # The deploy job's steps call docker, so its runner label runs on this machine
        # (the docker backend's job containers get no Docker socket).
        yield (
            _deploy(
                registered,
                "model#prod#1",
                "--backend",
                "docker",
                "-P",
                "ubuntu-latest=-self-hosted",
            ),
            image,
        )
    finally:
        _remove_images(image, stages)


def test_a_stage_tag_builds_smoke_tests_and_cleans_up(
    registered: Path, deployed: tuple[subprocess.CompletedProcess[str], str]
) -> None:
    shown = json.loads(_ok([GTO, "show", "--json"], registered))
    assert shown["model"]["stage"] == {"prod": "v1.0.0"}, shown

    result, image = deployed
    assert result.returncode == 0, result.stderr[-6000:]
    assert _results(result.stderr) == {"parse": "success", "deploy": "success"}
    assert "model#prod#1: model v1.0.0 -> prod" in result.stderr
    assert (
        "Smoke test passed: GET /health, and POST /predict of reports/sample.json" in result.stderr
    )
    assert "Not published (local run)" in result.stderr
    # The image holds the registered version's model (no training in its build)...
    assert "Running stage 'train'" not in result.stderr.split("Build the serving image")[1]
    labels = json.loads(
        _ok(["docker", "inspect", "-f", "{{json .Config.Labels}}", f"{image}:prod"], registered)
    )
    assert labels["org.opencontainers.image.version"] == "v1.0.0"
    head = _ok(["git", "rev-parse", "HEAD"], registered).strip()
    assert labels["org.opencontainers.image.revision"] == head
    # ...and nothing is left running: the smoke-test container was removed.
    assert _containers_of(f"{image}:v1.0.0") == []


def test_the_served_image_exposes_metrics_that_move_with_requests(
    registered: Path, deployed: tuple[subprocess.CompletedProcess[str], str]
) -> None:
    result, image = deployed
    assert result.returncode == 0, result.stderr[-6000:]
    sample = json.loads((registered / "reports/sample.json").read_text())
    body = json.dumps({"instances": sample["instances"]}).encode()
    container = _ok(
        ["docker", "run", "--detach", "--publish", "127.0.0.1::8080", f"{image}:v1.0.0"],
        registered,
    ).strip()
    try:
        port = _ok(["docker", "port", container, "8080/tcp"], registered).split()[0]
        url = "http://127.0.0.1:" + port.rsplit(":", 1)[1]
        _wait_for_health(url, container)
        before = _metrics(url)
        request = urllib.request.Request(url + "/predict", data=body, method="POST")
        with DIRECT.open(request, timeout=30) as answer:
            assert json.load(answer) == {"predictions": sample["predictions"]}
        after = _metrics(url)
    finally:
        subprocess.run(["docker", "rm", "--force", container], capture_output=True, check=False)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved("model_requests_total", endpoint="/predict", status="200") == 1
    assert moved("model_request_duration_seconds_count", endpoint="/predict", status="200") == 1
    classes = Counter(str(p) for p in sample["predictions"])
    assert len(classes) == 2, classes  # the evaluation's sample has both classes
    for label, count in classes.items():
        assert moved("model_predictions_total", **{"class": label}) == count
    assert _containers_of(f"{image}:v1.0.0") == []


def _wait_for_health(url: str, container: str) -> None:
    """GET /health until the server answers (it loads the model first)."""
    for _ in range(120):
        try:
            with DIRECT.open(url + "/health", timeout=5) as answer:
                assert answer.status == 200
                return
        except (OSError, http.client.HTTPException):  # not listening yet: docker-proxy drops it
            state = _ok(["docker", "inspect", "-f", "{{.State.Status}}", container], Path.cwd())
            assert state.strip() == "running", _ok(["docker", "logs", container], Path.cwd())
            time.sleep(1)
    pytest.fail(f"{url}/health: no answer")


@pytest.fixture
def broken(trained_project: Path, tmp_path: Path, base_image: str) -> Iterator[Path]:
    """A private registered project (v1.0.0 in prod) this test breaks; its images removed."""
    root = _register(copy_project(trained_project, tmp_path / f"broken-{os.getpid()}"))
    stages = _build_stages()
    try:
        yield root
    finally:
        _remove_images(f"ghcr.io/local/{root.name}/model", stages)


def test_a_serving_app_that_cannot_answer_fails_at_the_smoke_test(broken: Path) -> None:
    registered, image = broken, f"ghcr.io/local/{broken.name}/model"
    serve = registered / "src/ml_project/serve.py"
    source = serve.read_text()
    anchor = "from __future__ import annotations\n"
    assert anchor in source
    serve.write_text(source.replace(anchor, anchor + 'raise RuntimeError("broken on purpose")\n'))
    _ok(["git", "commit", "-qam", "Break the server"], registered)
    _ok([GTO, "register", "model", "--version", "v1.0.1"], registered)
    _ok([GTO, "assign", "model", "--version", "v1.0.1", "--stage", "prod"], registered)

    result = _deploy(registered, "model#prod#2")  # the default, host backend
    assert result.returncode == 1, result.stderr[-6000:]
    assert _results(result.stderr) == {"parse": "success", "deploy": "failure"}
    failed = [line for line in result.stderr.splitlines() if "Smoke test failed" in line]
    assert len(failed) == 1, result.stderr[-6000:]
    assert "the server exited (exit code 1) before answering GET /health" in failed[0]
    assert "RuntimeError: broken on purpose" in result.stderr  # the container's log
    assert "Publish the image" not in result.stderr.split("Smoke test failed")[1]
    assert _containers_of(f"{image}:v1.0.1") == []

    # The older stage tag still deploys its own commit, not HEAD's broken server.
    again = _deploy(registered, "model#prod#1")
    assert again.returncode == 0, again.stderr[-6000:]
    assert "Smoke test passed" in again.stderr
    assert _containers_of(f"{image}:v1.0.0") == []
