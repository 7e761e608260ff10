"""Without a Docker engine the docker tests are skipped, saying what is missing and how to run
them — except in CI (``CI`` set), where the same line fails them: a newcomer's ``pytest`` passes
on a laptop with no engine, and CI can never go green by skipping them.

The engine is made unreachable by pointing the docker CLI at a socket that does not exist.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# one docker test of each kind: a module under tests/docker and a docker runner case
DOCKER_TESTS = ("tests/docker/test_backend.py", "tests/runner/test_cases.py")


def _pytest_without_engine(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CI"))}
    env["DOCKER_HOST"] = f"unix://{tmp_path}/no-engine.sock"
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *DOCKER_TESTS,
            "-m",
            "docker",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rsf",
            "-x",
            "--basetemp",
            str(tmp_path / "t"),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("ci", [False, True], ids=["laptop", "ci"])
def test_docker_tests_skip_without_an_engine_but_fail_in_ci(tmp_path: Path, ci: bool) -> None:
    result = _pytest_without_engine(tmp_path, ci)
    out = result.stdout
    assert "no Docker engine is reachable" in out, out[-3000:]
    assert "-m 'not docker'" in out  # how to leave them out
    assert "Traceback" not in out
    if ci:
        assert result.returncode == 1, out[-3000:]
        assert "FAILED" in out or "ERROR" in out
    else:
        assert result.returncode == 0, out[-3000:]
        assert "SKIPPED" in out and " passed" not in out and "failed" not in out
