"""The built-in setup actions inside container jobs (``mlops run --backend docker``).

setup-python finds the container's interpreters, setup-dvc the container's dvc (or installs it
in the job), setup-cml puts a ``cml`` shim in the container that the runner answers on the
host. The images are the local stand-ins of tests/dockerimages.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.runner.conftest import Repo, new_repo

pytestmark = pytest.mark.docker


@pytest.fixture
def repo(tmp_path: Path, runner_image: str) -> Repo:
    return new_repo(tmp_path)


def _results(log: str) -> dict[str, str]:
    """The run's table of jobs: name -> result."""
    table = log.split("\nJob ")[-1].split("\n\n")[0].splitlines()[1:]
    return {line.split()[0]: line.split()[2] for line in table}


def test_setup_python_in_a_container_makes_a_job_environment_pip_installs_into(
    repo: Repo, no_pip_image: str
) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          python:
            runs-on: ubuntu-latest
            steps:
              - id: py
                uses: actions/setup-python@v5
                with:
                  python-version: "3.11"
              - env:
                  PY: ${{ steps.py.outputs.python-path }}
                  VERSION: ${{ steps.py.outputs.python-version }}
                run: |
                  echo "version $VERSION"
                  test "$(command -v python)" = "$PY"
                  "$PY" -c 'import sys; assert sys.prefix != sys.base_prefix, sys.prefix'
                  pip install --quiet --disable-pip-version-check iniconfig==2.0.0
                  python -c 'import iniconfig; print("installed in", iniconfig.__file__)'
                  echo "prefix $(python -c 'import sys; print(sys.prefix)')"
          missing:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.9"
          bootstrap:  # no pip in the image: setup-python gives the job one, as GitHub's does
            runs-on: ubuntu-latest
            container: mlops-test/python-without-pip:1
            steps:
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.x"
              - run: |
                  python -m pip install --quiet --disable-pip-version-check iniconfig==2.0.0
                  python -c 'import iniconfig; print("bootstrapped", iniconfig.__name__)'
        """
    )
    repo.commit()
    run = repo.run("push", "--backend", "docker", timeout=300)
    assert run.returncode == 1, run.stderr  # the missing version's job
    log = run.stderr
    assert "[python]   version 3.11.2" in log  # Debian bookworm's Python, in the stand-in
    prefix = log.split("[python]   prefix ")[1].splitlines()[0]
    installed = log.split("installed in ")[1].splitlines()[0]
    assert installed.startswith(prefix + "/lib/python3.11/site-packages/"), log
    assert _results(log) == {"python": "success", "missing": "failure", "bootstrap": "success"}
    assert "[bootstrap]   setup-python: pip installed with ensurepip" in log
    assert "[bootstrap]   bootstrapped iniconfig" in log
    errors = [
        line for line in log.splitlines() if line.startswith("[missing]") and "error:" in line
    ]
    assert errors == [
        "[missing]   error: Python 3.9 is not in the container catthehacker/ubuntu:act-latest "
        "(it has: 3.11.2); use an image that has it (-P LABEL=IMAGE, or container:)"
    ], log


def test_setup_cml_in_a_container_saves_the_comment_in_the_run_record(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          report:
            runs-on: ubuntu-latest
            steps:
              - uses: iterative/setup-cml@v2
              - env:
                  TOKEN: ${{ secrets.TOKEN }}
                run: |
                  printf '## Metrics\\n\\nacc 0.9 %s\\n\\n![plot](plot.png)\\n' "$TOKEN" > report.md
                  printf 'PNG' > plot.png
                  cml comment create --watermark-title="nightly report" report.md
                  cml comment create /etc/hostname || echo "outside: exit $?"
                  cml pr create . || echo "pr: exit $?"
        """
    )
    repo.commit()
    run = repo.run("push", "--backend", "docker", "-s", "TOKEN=hunter2", timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.record is not None
    comments = sorted((run.record / "comments").glob("*.md"))
    assert [p.name for p in comments] == ["1.md"], run.stderr
    body = comments[0].read_text()
    assert "acc 0.9 ***" in body and "hunter2" not in body  # masked like the host's
    assert "![plot](1-assets/plot.png)" in body  # the image copied from the container's job
    assert (run.record / "comments/1-assets/plot.png").read_bytes() == b"PNG"
    assert 'CML watermark nightly report")' in body
    assert "── CML comment" in run.stderr and "hunter2" not in run.stderr
    # A file outside the job's directories is this machine's: the container may not read it.
    assert "/etc/hostname is outside the job's directories" in run.stderr
    assert "outside: exit 1" in run.stderr
    assert "cml pr create: not available in a container job" in run.stderr
    assert "pr: exit 2" in run.stderr


def test_setup_dvc_in_a_container_uses_its_dvc_or_installs_the_version_asked(
    repo: Repo, project_ci_image: str, default_project: Path
) -> None:
    # The image has the project's locked dvc; the job asks for another release.
    lock = (default_project / "requirements.txt").read_text()
    locked = re.search(r"^dvc==(\S+)", lock, re.MULTILINE)
    assert locked is not None, "the project's lock has no dvc"
    locked_version = locked.group(1)
    other = "3.67.1" if locked_version == "3.67.0" else "3.67.0"
    repo.workflow(
        f"""
        on: push
        jobs:
          present:
            runs-on: ubuntu-latest
            steps:
              - uses: iterative/setup-dvc@v1
              - run: echo "dvc $(dvc --version) at $(command -v dvc)"
          pinned:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.11"
              - uses: iterative/setup-dvc@v1
                with:
                  version: "{other}"
              - run: |
                  echo "dvc $(dvc --version) at $(command -v dvc)"
                  # the job's own Python does not get the tool's packages
                  python -m pip show dvc | grep '^Version'
        """
    )
    repo.commit()
    run = repo.run(
        "push", "--backend", "docker", "-P", f"ubuntu-latest={project_ci_image}", timeout=600
    )
    assert run.returncode == 0, run.stderr
    log = run.stderr
    assert "[present]   dvc: using /usr/local/bin/dvc in the container" in log
    assert f"[present]   dvc {locked_version} at /usr/local/bin/dvc" in log  # the image's
    assert f"[pinned]   dvc: installing dvc=={other} in the container" in log
    pinned = log.split(f"[pinned]   dvc {other} at ")[1].splitlines()[0]
    assert pinned.endswith("/temp/dvc-bin/dvc"), log
    assert f"[pinned]   Version: {locked_version}" in log
