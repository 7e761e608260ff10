"""The generated monitor workflow with every job in a container (``mlops run --backend
docker``): the host variant's checks (tests/test_generated_monitor.py) — a batch with two
shifted features fails the run naming them after the drift report is posted, a batch drawn
from the training data passes — with the pipeline, the comparison and CML in the container
of the image test_journey.py uses (the project's locks preinstalled).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docker.conftest import left_behind
from tests.test_generated_monitor import _record, check_monitor_runs, monitored_project

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_monitor_in_containers_drifted_batch_fails_clean_batch_passes(
    trained_project: Path, project_ci_image: str, tmp_path: Path
) -> None:
    project = monitored_project(trained_project, tmp_path)
    backend = ("--backend", "docker", "-P", f"ubuntu-latest={project_ci_image}")
    drifted = check_monitor_runs(project, tmp_path / "cache", *backend)
    # The comparison ran in the job's container, with the container's Python.
    assert f"in the container {project_ci_image})" in drifted.stderr, drifted.stderr[-4000:]
    assert left_behind(_record(drifted.stderr).name) == []  # its container and network
