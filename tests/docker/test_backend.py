"""``mlops run --backend docker`` against the real engine, with the local stand-in images.

The default ``ubuntu-latest`` image and the service image come from tests/dockerimages.py.
Each test checks, by the run's label, that nothing the run created is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docker.conftest import left_behind, run_label
from tests.runner.conftest import Repo, new_repo

pytestmark = pytest.mark.docker


@pytest.fixture
def repo(tmp_path: Path, runner_image: str, service_image: str, base_image: str) -> Repo:
    return new_repo(tmp_path)


def test_outputs_env_services_by_name_and_by_mapped_port(repo: Repo, tmp_path: Path) -> None:
    marker = tmp_path / "only-on-the-host"
    marker.write_text("host")
    repo.workflow(
        f"""
        on: push
        env:
          HOST_MARKER: {marker}
        jobs:
          produce:
            runs-on: ubuntu-latest
            outputs:
              greeting: ${{{{ steps.s.outputs.greeting }}}}
            steps:
              - id: s
                run: |
                  test ! -e "$HOST_MARKER"
                  echo "greeting=hello from debian $(cat /etc/debian_version)" >> "$GITHUB_OUTPUT"
          consume:
            needs: produce
            runs-on: ubuntu-latest
            container:
              image: python:3.11.11-slim-bookworm
              env:
                FROM_CONTAINER: container-env
              credentials:
                username: someone
                password: ${{{{ secrets.NOPE }}}}
            services:
              web:
                image: mlops-test/http-service:1
              skipped:
                image: ${{{{ false && 'never' || '' }}}}
            steps:
              - run: echo "got=${{{{ needs.produce.outputs.greeting }}}} env=$FROM_CONTAINER"
              - run: python3 -c "import urllib.request as u; print('by name:', u.urlopen('http://web:8000/').read().decode())"
              - shell: python
                run: |
                  import os
                  print("python shell in", os.environ["GITHUB_WORKSPACE"], os.path.exists(os.environ["HOST_MARKER"]))
          host:
            runs-on: self-hosted
            services:
              web:
                image: mlops-test/http-service:1
                ports: ["8000"]
            steps:
              - run: test -f "$HOST_MARKER"
              - shell: python
                run: |
                  import urllib.request as u
                  port = "${{{{ job.services.web.ports['8000'] }}}}"
                  print("by port:", u.urlopen(f"http://127.0.0.1:{{port}}/").read().decode())
        """
    )
    repo.commit()
    before = repo.snapshot()
    run = repo.run("push", "--backend", "docker", "-P", "self-hosted=-self-hosted", timeout=300)
    assert run.returncode == 0, run.stderr
    assert "got=hello from debian 12" in run.stderr
    assert "env=container-env" in run.stderr
    assert "by name: hello from the service" in run.stderr
    assert "by port: hello from the service" in run.stderr
    assert "False" in run.stderr.split("python shell in", 1)[1].splitlines()[0]
    assert "The service 'skipped' will not be started" in run.stderr
    assert "credentials are ignored locally" in run.stderr
    assert repo.snapshot() == before
    assert left_behind(run_label(repo)) == []


def test_a_failing_step_in_a_container_fails_the_run_and_cleans_up(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          fails:
            runs-on: ubuntu-latest
            services:
              web:
                image: mlops-test/http-service:1
            steps:
              - run: echo "writing" > in-workspace.txt && exit 3
              - if: always()
                timeout-minutes: 0.05
                run: sleep 60
        """
    )
    repo.commit()
    before = repo.snapshot()
    run = repo.run("push", "--backend", "docker", "--json", timeout=240)
    assert run.returncode == 1, run.stderr
    steps = [e for e in run.events if e.get("event") == "step_finished"]
    assert "exit code 3" in json.dumps(steps)
    sleeper = next(e for e in steps if "sleep 60" in e["step"])
    # The step timeout (3 s) killed `sleep 60` inside the container.
    assert "timed out" in sleeper["detail"] and sleeper["seconds"] < 30, sleeper
    assert repo.snapshot() == before
    assert left_behind(run_label(repo)) == []


def test_missing_image_exits_2_naming_it(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            container: mlops-test/does-not-exist:0
            steps:
              - run: echo never
        """
    )
    repo.commit()
    run = repo.run("push", "--backend", "docker")
    assert run.returncode == 2
    assert "mlops-test/does-not-exist:0 is not on this machine" in run.stderr
    assert "--pull" in run.stderr
    assert "Traceback" not in run.stderr


def test_unreachable_engine_exits_2_with_one_line(repo: Repo, tmp_path: Path) -> None:
    repo.workflow(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"
    )
    repo.commit()
    run = repo.run("push", "--backend", "docker", env={"DOCKER_HOST": f"unix://{tmp_path}/no.sock"})
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "cannot reach the Docker engine" in lines[0] and "dockerd" in lines[0]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP, signal.SIGTERM])
def test_a_signal_cancels_and_removes_everything_labelled(repo: Repo, signum: int) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          long:
            runs-on: ubuntu-latest
            services:
              web:
                image: mlops-test/http-service:1
            steps:
              - run: echo started && sleep 120
        """
    )
    repo.commit()
    before = repo.snapshot()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops", "run", "push", "--backend", "docker", "-C", str(repo.root)],
        env={**os.environ, "MLOPS_CACHE_DIR": str(repo.cache)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.rstrip().endswith("   started"):
            break
    run_id = run_label(repo)
    assert left_behind(run_id), "the job's containers should be running now"
    process.send_signal(signum)
    rest, _ = process.communicate(timeout=120)
    assert process.returncode != 0, rest
    assert left_behind(run_id) == []
    assert repo.snapshot() == before


def test_platform_images_come_from_pyproject_then_from_P(repo: Repo) -> None:
    repo.workflow(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"
    )
    repo.write(
        "pyproject.toml",
        '[tool.mlops.run.platforms]\n"ubuntu-latest" = "mlops-test/from-config:0"\n',
    )
    repo.commit()
    run = repo.run("push", "--backend", "docker")
    assert run.returncode == 2
    assert "image mlops-test/from-config:0 is not on this machine" in run.stderr
    flagged = repo.run("push", "--backend", "docker", "-P", "ubuntu-latest=mlops-test/from-flag:0")
    assert flagged.returncode == 2
    assert "image mlops-test/from-flag:0 is not on this machine" in flagged.stderr
