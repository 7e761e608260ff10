"""The generated project's pull-request journey with every job in a container:
``mlops run pull_request --backend docker`` runs ci.yml and train.yml as on the host
(tests/test_readme_journey.py), setup-python, the pipeline and setup-cml included, and the
CML comment lands in the run record.

The runner image is the project's own locks preinstalled (tests/dockerimages.py,
``ensure_project_ci_image``), so the test measures the runner, not PyPI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner.conftest import Repo

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_pull_request_journey_in_containers(
    project_copy: Path, project_ci_image: str, tmp_path: Path
) -> None:
    project = Repo(project_copy, tmp_path / "cache")
    project.git("checkout", "-q", "-b", "tune-c")
    params = project_copy / "params.yaml"
    params.write_text(params.read_text().replace("C: 1.0", "C: 2.0"))
    project.commit("Try C=2.0")
    before = project.snapshot()

    run = project.run(
        "pull_request",
        "--backend",
        "docker",
        "-P",
        f"ubuntu-latest={project_ci_image}",
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    log = run.stderr
    table = log.split("\nJob ")[-1].split("\n\n")[0].splitlines()[1:]
    results = {line.split()[0]: line.split()[2] for line in table}
    assert results == {
        "lint": "success",
        "test": "success",
        "template-updates": "success",
        "train": "success",
        "fork-notice": "skipped",
        "push-data": "skipped",
    }
    # The container's Python, not this machine's.
    assert (
        f"setup-python: Python 3.11.2 (/usr/bin/python3, in the container {project_ci_image})"
        in log
    )
    assert "Running stage 'train'" in log  # the pipeline ran in the train job's container
    assert run.record is not None
    comments = sorted((run.record / "comments").glob("*.md"))
    assert [p.name for p in comments] == ["1.md"], log[-4000:]
    body = comments[0].read_text()
    assert "accuracy" in body and 'CML watermark mlops model report")' in body
    # Compared with main in the container's copy of the history (checkout fetch-depth: 0).
    assert "train.logistic_regression.C | 1.0" in " ".join(body.split()), body
    assert "── CML comment" in log
    assert project.snapshot() == before
