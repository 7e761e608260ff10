"""Docker container actions (``uses: docker://IMAGE`` and ``runs.using: docker``) on the real
engine, under both backends, with the local stand-in base image (tests/dockerimages.py).

Each test checks, by the run's label, that no container or built image is left behind, and
that the user's tree is untouched.
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

BASE = "python:3.11.11-slim-bookworm"

ACTION_YML = """\
name: greet
inputs:
  who: {required: true}
  greeting: {default: Hello}
outputs:
  said: {description: what main said}
runs:
  using: docker
  image: image/Dockerfile
  pre-entrypoint: /entry.sh
  entrypoint: /entry.sh
  post-entrypoint: /entry.sh
  args: ["${{ inputs.greeting }}", "${{ inputs.who }}", ""]
  env:
    FROM_RUNS: runs-env-${{ inputs.who }}
    STEP_WINS: from-runs
"""

# One script for every stage: the stage is told by the state the earlier ones saved.
ENTRY_SH = """\
#!/bin/sh
if [ -z "$STATE_pre" ]; then
  echo "pre: who=$INPUT_WHO args=$#"
  echo "pre=done" >> "$GITHUB_STATE"
elif [ -z "$STATE_main" ]; then
  echo "main: $1, $2! args=$# runs=$FROM_RUNS step=$STEP_WINS home=$HOME"
  echo "said=$1 $2" >> "$GITHUB_OUTPUT"
  echo "main=done" >> "$GITHUB_STATE"
  echo "written by the action" > from-action.txt
else
  echo "post: state=$STATE_pre,$STATE_main"
fi
"""


@pytest.fixture
def repo(tmp_path: Path, base_image: str) -> Repo:
    return new_repo(tmp_path)


def _backend_args(backend: str) -> list[str]:
    return ["--backend", backend] if backend == "docker" else []


@pytest.mark.parametrize("backend", ["host", "docker"])
def test_docker_step_and_dockerfile_action_with_inputs_args_and_pre_post(
    repo: Repo, backend: str, request: pytest.FixtureRequest
) -> None:
    if backend == "docker":
        request.getfixturevalue("runner_image")  # the job's own container
    # An action of another repository (its pre runs, at the start of the job), built from a
    # Dockerfile in a subdirectory of it (the build context).
    repo.write("greet/action.yml", ACTION_YML)
    repo.write("greet/image/entry.sh", ENTRY_SH)
    repo.write(
        "greet/image/Dockerfile",
        f"FROM {BASE}\nCOPY entry.sh /entry.sh\nRUN chmod +x /entry.sh\n",
    )
    repo.workflow(
        f"""
        on: push
        env:
          JOB_ENV: from-workflow
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: d
                uses: docker://{BASE}
                env:
                  STEP_ENV: from-step
                with:
                  entrypoint: sh
                  args: -c "echo \\"args=$0 $JOB_ENV $STEP_ENV $INPUT_EXTRA in $(pwd)\\"; echo answer=42 >> $GITHUB_OUTPUT; echo FROM_ACTION=yes >> $GITHUB_ENV; test -f README.md; python3 -c 'import json, os; print(\\"event:\\", json.load(open(os.environ[\\"GITHUB_EVENT_PATH\\"]))[\\"ref\\"])'" zero
                  extra: more
              - run: echo "next step got ${{{{ steps.d.outputs.answer }}}} env=$FROM_ACTION"
              - id: greet
                uses: acme/greet@v1
                env:
                  STEP_WINS: from-step
                with:
                  who: world
              - run: echo "said=${{{{ steps.greet.outputs.said }}}}" && cat from-action.txt
        """
    )
    repo.commit()
    before = repo.snapshot()
    mapping = f"acme/greet@v1={repo.root / 'greet'}"
    run = repo.run("push", "--local-repository", mapping, *_backend_args(backend), timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stderr
    assert out.index("pre: who=world") < out.index("Run actions/checkout@v4")
    assert "args=zero from-workflow from-step more in /github/workspace" in out
    assert "event: refs/heads/main" in out
    assert "next step got 42 env=yes" in out
    assert "pre: who=world args=3" in out
    assert "main: Hello, world! args=3 runs=runs-env-world step=from-step home=/github/home" in out
    assert "said=Hello world" in out and "written by the action" in out
    assert "post: state=done,done" in out
    assert "Post Run acme/greet@v1" in out
    assert repo.snapshot() == before
    assert left_behind(run_label(repo)) == []


def test_failing_container_fails_the_run_and_a_timeout_kills_it(repo: Repo) -> None:
    repo.workflow(
        f"""
        on: push
        jobs:
          fails:
            runs-on: ubuntu-latest
            steps:
              - uses: docker://{BASE}
                with:
                  entrypoint: sh
                  args: -c "echo failing; exit 3"
              - if: always()
                timeout-minutes: 0.05
                uses: docker://{BASE}
                with:
                  entrypoint: sleep
                  args: "3600"
        """
    )
    repo.commit()
    # A container the timeout did not stop would outlast the run's own limit (no timed
    # assertion: under load the kill may take long, but never an hour).
    run = repo.run("push", "--json", timeout=600)
    assert run.returncode == 1, run.stderr
    steps = [e for e in run.events if e.get("event") == "step_finished"]
    assert steps[0]["result"] == "failure" and steps[0]["detail"] == "exit code 3", steps
    assert "timed out" in steps[1]["detail"], steps
    assert left_behind(run_label(repo)) == []


def test_missing_images_and_a_dockerfile_outside_the_action_fail_in_one_line(
    repo: Repo,
) -> None:
    repo.write(
        "named/action.yml",
        "name: n\nruns:\n  using: docker\n  image: docker://mlops-test/not-here:0\n",
    )
    repo.write("from/action.yml", "name: f\nruns:\n  using: docker\n  image: Dockerfile\n")
    repo.write("from/Dockerfile", "ARG TAG=0\nFROM mlops-test/not-here-either:${TAG}\n")
    repo.write("escape/action.yml", "name: e\nruns:\n  using: docker\n  image: ../../Dockerfile\n")
    repo.workflow(
        """
        on: push
        jobs:
          named:
            runs-on: ubuntu-latest
            steps: [{uses: actions/checkout@v4}, {uses: ./named}]
          from:
            runs-on: ubuntu-latest
            steps: [{uses: actions/checkout@v4}, {uses: ./from}]
          escape:
            runs-on: ubuntu-latest
            steps: [{uses: actions/checkout@v4}, {uses: ./escape}]
        """
    )
    repo.commit()
    run = repo.run("push", "--json", timeout=120)
    assert run.returncode == 1, run.stderr
    errors = {
        e["job"]: e["line"]
        for e in run.events
        if e.get("event") == "output" and e["line"].startswith("error:")
    }
    assert errors["named"] == (
        "error: ./named: image mlops-test/not-here:0 is not on this machine; build or pull it "
        "(docker pull), or run with --pull"
    )
    assert errors["from"] == (
        "error: ./from: Dockerfile FROM: image mlops-test/not-here-either:0 is not on this "
        "machine; build or pull it (docker pull), or run with --pull"
    )
    assert errors["escape"].startswith(
        "error: ./escape: runs.image '../../Dockerfile' resolves outside"
    )
    assert "Traceback" not in run.stderr

    # A docker:// step's image is checked before anything runs, as a job's image is.
    repo.workflow(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo never\n      - uses: docker://mlops-test/not-here:0\n"
    )
    repo.commit()
    missing = repo.run("push")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "mlops: error: a: docker://mlops-test/not-here:0: image mlops-test/not-here:0 is not on this "
        "machine; build or pull it (docker pull), or run with --pull"
    ]
    assert left_behind(run_label(repo)) == []


def test_docker_step_reaches_the_jobs_service_by_name(
    repo: Repo, runner_image: str, service_image: str
) -> None:
    repo.workflow(
        f"""
        on: push
        jobs:
          web:
            runs-on: ubuntu-latest
            services:
              web:
                image: {service_image}
            steps:
              - uses: docker://{BASE}
                with:
                  entrypoint: python3
                  args: -c "import urllib.request as u; print('service says', u.urlopen('http://web:8000/').read().decode().strip())"
        """
    )
    repo.commit()
    run = repo.run("push", "--backend", "docker", timeout=240)
    assert run.returncode == 0, run.stderr
    assert "service says hello from the service" in run.stderr
    assert left_behind(run_label(repo)) == []


def test_ctrl_c_kills_the_action_container(repo: Repo) -> None:
    repo.workflow(
        f"""
        on: push
        jobs:
          long:
            runs-on: ubuntu-latest
            steps:
              - uses: docker://{BASE}
                with:
                  entrypoint: sh
                  args: -c "echo started; sleep 120"
        """
    )
    repo.commit()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops", "run", "push", "--json", "-C", str(repo.root)],
        env={**os.environ, "MLOPS_CACHE_DIR": str(repo.cache)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if json.loads(line).get("line") == "started":
            break
    run_id = run_label(repo)
    assert left_behind(run_id), "the action's container should be running now"
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGINT
    assert left_behind(run_id) == []


@pytest.mark.parametrize("backend", ["host", "docker"])
def test_links_left_in_runner_temp_are_replaced_not_mounted_or_written_through(
    repo: Repo, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A step links the docker action's _github directories out of the job (issue 19): the
    event is not copied through the link, and the link is not what gets mounted as HOME."""
    if backend == "docker":
        request.getfixturevalue("runner_image")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.txt").write_text("CANARY-CONTENT\n")
    repo.workflow(
        f"""
        on: push
        jobs:
          plant:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  mkdir -p "$RUNNER_TEMP/_github/workflow"
                  ln -s {outside} "$RUNNER_TEMP/_github/home"
                  ln -s {outside / "canary.txt"} "$RUNNER_TEMP/_github/workflow/event.json"
              - uses: docker://{BASE}
                with:
                  entrypoint: sh
                  args: -c "echo from-container > $HOME/planted.txt; head -c 1 $GITHUB_EVENT_PATH"
              - run: |
                  test ! -L "$RUNNER_TEMP/_github/home"
                  echo "home kept: $(cat "$RUNNER_TEMP/_github/home/planted.txt")"
        """
    )
    repo.commit()
    run = repo.run("push", *_backend_args(backend), timeout=300)
    assert (outside / "canary.txt").read_text() == "CANARY-CONTENT\n"
    assert sorted(p.name for p in outside.iterdir()) == ["canary.txt"]
    assert run.returncode == 0, run.stderr
    assert "home kept: from-container" in run.stderr
    assert left_behind(run_label(repo)) == []
