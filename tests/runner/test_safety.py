"""A careless or hostile workflow on the user's machine: every process ended, every failure
reported in one line, no secret in any output or record."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.runner.conftest import Repo, newest_record
from tests.runner.test_lifecycle import _processes_with


def _detached(marker: str) -> str:
    """Shell lines that start three sleepers which leave the step's process group."""
    return (
        f"setsid bash -c 'exec -a {marker}-setsid sleep 300' > /dev/null 2>&1 &\n"
        f"( bash -c 'exec -a {marker}-double sleep 300' > /dev/null 2>&1 & ) \n"
        f"env -i /usr/bin/setsid /bin/bash -c 'exec -a {marker}-noenv /bin/sleep 300'"
        " > /dev/null 2>&1 &\n"
    )


def _indented(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def test_processes_that_leave_the_step_end_with_the_job(repo: Repo) -> None:
    marker = f"mlops-leave-{uuid.uuid4().hex[:8]}"
    repo.workflow(
        f"""\
        on: push
        jobs:
          spawn:
            runs-on: ubuntu-latest
            steps:
              - run: |
{_indented(_detached(marker), 18)}
              - run: |
                  sleep 0.3
                  if cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -q '^{marker}-setsid$'
                  then echo background-still-running; fi
        """
    )
    run = repo.run("push", timeout=60)
    assert run.returncode == 0, run.stderr
    assert "background-still-running" in run.stderr  # as on GitHub: alive until the job ends
    time.sleep(0.2)
    assert _processes_with(marker) == []


def test_step_timeout_ends_processes_that_left_the_group(repo: Repo) -> None:
    marker = f"mlops-tmo-{uuid.uuid4().hex[:8]}"
    repo.workflow(
        f"""\
        on: push
        jobs:
          slow:
            runs-on: ubuntu-latest
            steps:
              - timeout-minutes: 0.02
                run: |
{_indented(_detached(marker), 18)}
                  sleep 60
              - if: always()
                run: |
                  if cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -q '^{marker}-setsid$'
                  then echo leftover-alive; else echo leftover-gone; fi
        """
    )
    run = repo.run("push", timeout=60)
    assert run.returncode == 1
    assert "leftover-gone" in run.stderr, run.stderr
    assert _processes_with(marker) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_stop_signals_end_the_run_alike(repo: Repo, tmp_path: Path, signum: int) -> None:
    marker = f"mlops-sig-{uuid.uuid4().hex[:8]}"
    repo.workflow(
        f"""\
        on: push
        jobs:
          long:
            runs-on: ubuntu-latest
            steps:
              - uses: iterative/setup-cml@v2
              - run: |
                  echo "secret is $TOKEN" > report.md
                  cml comment create report.md
{_indented(_detached(marker), 18)}
                  bash -c 'exec -a {marker}-group sleep 300' &
                  sleep 300
                env:
                  TOKEN: ${{{{ secrets.TOKEN }}}}
        """
    )
    repo.commit()
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops", "run", "push", "-C", str(repo.root), "-s", "TOKEN=Tk-91xq"],
        env={**os.environ, "MLOPS_CACHE_DIR": str(repo.cache), "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(_processes_with(marker)) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    if len(_processes_with(marker)) < 4:
        process.kill()
        raise AssertionError(f"the step never started its processes: {process.communicate()}")
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr
    time.sleep(0.2)
    assert _processes_with(marker) == []
    assert list(temp.glob("mlops-run-*")) == []
    record = newest_record(repo.cache)
    assert record is not None
    saved = b"".join(p.read_bytes() for p in record.rglob("*") if p.is_file())
    assert b"secret is ***" in saved
    assert b"Tk-91xq" not in saved


def test_runtime_errors_fail_the_job_in_one_line(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          job-timeout:
            runs-on: ubuntu-latest
            timeout-minutes: ${{ vars.MINUTES }}
            steps: [{run: echo never}]
          step-timeout:
            runs-on: ubuntu-latest
            steps:
              - run: echo never
                timeout-minutes: ${{ secrets.MINUTES }}
          nul:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                value: ["a\\u0000b"]
            steps:
              - run: echo "${{ matrix.value }}"
                env:
                  VALUE: ${{ matrix.value }}
          fine:
            runs-on: ubuntu-latest
            steps: [{run: echo fine-ran}]
    """)
    run = repo.run("push", "--var", "MINUTES=abc", "-s", "MINUTES=Zq-secret-minutes")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "No job ran" not in run.stderr
    assert "[job-timeout]   error: timeout-minutes: 'abc' is not a number" in run.stderr
    assert "error: timeout-minutes: '***' is not a number" in run.stderr
    assert "Zq-secret-minutes" not in run.stderr
    assert "fine-ran" in run.stderr
    summary = json.loads((run.record / "run.json").read_text())
    results = {job["job"].split(" ")[0]: job["result"] for job in summary["jobs"]}
    assert results == {
        "job-timeout": "failure",
        "step-timeout": "failure",
        "nul": "failure",
        "fine": "success",
    }


def test_debug_shows_the_traceback(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          bad:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                value: ["a\\u0000b"]
            steps:
              - run: echo hi
                env:
                  VALUE: ${{ matrix.value }}
    """)
    quiet = repo.run("push")
    loud = repo.run("push", env={"MLOPS_DEBUG": "1"})
    assert quiet.returncode == loud.returncode == 1
    assert "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr


SECRET = 'Pa$$-"quoted"\\back-9'  # a `"` and a `\` make its JSON form differ


def _all_text(run) -> bytes:
    names = "\n".join(str(p) for p in run.record.rglob("*")).encode()
    return run.stdout.encode() + run.stderr.encode() + run.record_bytes() + names


def test_secret_through_needs_outputs_into_a_matrix_is_not_passed_on(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          produce:
            runs-on: ubuntu-latest
            outputs:
              legs: ${{ steps.p.outputs.legs }}
              plain: ${{ steps.p.outputs.plain }}
            steps:
              - id: p
                run: |
                  echo "legs=[\\"$TOKEN\\"]" >> "$GITHUB_OUTPUT"
                  echo "plain=harmless" >> "$GITHUB_OUTPUT"
                env:
                  TOKEN: ${{ secrets.TOKEN }}
          consume:
            needs: produce
            runs-on: ubuntu-latest
            strategy:
              matrix:
                leg: ${{ fromJSON(needs.produce.outputs.legs || '["none"]') }}
            steps:
              - run: echo "leg=${{ matrix.leg }} plain=${{ needs.produce.outputs.plain }}"
    """)
    for flags in ([], ["--json"]):
        run = repo.run("push", "-s", "TOKEN=Leg-Secret-77", *flags)
        assert run.returncode == 0, run.stderr
        text = _all_text(run)
        assert b"Leg-Secret-77" not in text
        assert b"Skip output 'legs' since it may contain secret" in text
        assert b"leg=none plain=harmless" in text


def test_secret_forms_and_annotation_properties_are_masked(repo: Repo) -> None:
    encoded = base64.b64encode(SECRET.encode()).decode()
    shifted = base64.b64encode(b"x" + SECRET.encode()).decode()
    repo.workflow("""\
        on: push
        jobs:
          leak:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo 'json: ${{ toJSON(secrets) }}'
                  echo "b64: $(printf '%s' "$TOKEN" | base64 -w0)"
                  echo "b64 shifted: $(printf 'x%s' "$TOKEN" | base64 -w0)"
                  echo "url: $(python3 -c 'import os,urllib.parse;print(urllib.parse.quote(os.environ["TOKEN"],safe=""))')"
                  echo "::error title=$TOKEN,file=$TOKEN.py::in the message $TOKEN"
                  echo "# summary $TOKEN" >> "$GITHUB_STEP_SUMMARY"
                env:
                  TOKEN: ${{ secrets.TOKEN }}
    """)
    for flags in ([], ["--json"]):
        run = repo.run("push", "-s", f"TOKEN={SECRET}", *flags)
        assert run.returncode == 0, run.stderr
        text = _all_text(run)
        for form in (
            SECRET,
            json.dumps(SECRET)[1:-1],
            encoded.rstrip("="),
            shifted[4:-4],
            "Pa%24%24-%22quoted%22%5Cback-9",
        ):
            assert form.encode() not in text, form
        assert b"json: {" in text and b"b64: ***" in text
