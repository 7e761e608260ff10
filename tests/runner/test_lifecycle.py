"""Jobs, matrices, timeouts, cancellation, secrets, and the user's tree staying untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.runner.conftest import Repo, newest_record


def _processes_with(marker: str) -> list[str]:
    """Command lines of live processes that contain ``marker`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except (OSError, IndexError):
            continue
        command = raw.replace(b"\0", b" ").decode(errors="replace")
        if marker in command and state != "Z":  # a zombie has already exited
            found.append(command)
    return found


def test_needs_outputs_and_skipped_dependents(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          produce:
            runs-on: ubuntu-latest
            outputs:
              model: ${{ steps.pick.outputs.model }}
            steps:
              - id: pick
                run: echo "model=forest" >> "$GITHUB_OUTPUT"
          consume:
            needs: produce
            runs-on: ubuntu-latest
            steps:
              - run: echo "got ${{ needs.produce.outputs.model }} (${{ needs.produce.result }})"
          broken:
            runs-on: ubuntu-latest
            steps: [{run: exit 1}]
          after-broken:
            needs: broken
            runs-on: ubuntu-latest
            steps: [{run: echo unreachable}]
          report:
            needs: [broken]
            if: always()
            runs-on: ubuntu-latest
            steps:
              - run: echo "broken was ${{ needs.broken.result }}"
    """)
    run = repo.run("push")
    assert run.returncode == 1
    assert "got forest (success)" in run.stderr
    assert "after-broken  - skipped" in run.stderr
    assert "broken was failure" in run.stderr


def test_matrix_legs_run_separately_with_fail_fast(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              max-parallel: 1
              matrix:
                n: [1, 2, 3]
            steps:
              - run: |
                  echo "leg ${{ matrix.n }} of ${{ strategy.job-total }}"
                  test "${{ matrix.n }}" != 2
    """)
    run = repo.run("push")
    assert run.returncode == 1
    assert "test (1)  ✓ success" in run.stderr
    assert "test (2)  ✗ failure" in run.stderr
    assert "test (3)  ⊘ cancelled" in run.stderr and "fail-fast" in run.stderr
    repo.workflow(
        repo.root.joinpath(".github/workflows/w.yml")
        .read_text()
        .replace("max-parallel: 1", "max-parallel: 1\n      fail-fast: false")
    )
    run = repo.run("push")
    assert "test (3)  ✓ success" in run.stderr


def test_ready_jobs_run_concurrently_unless_capped(repo: Repo) -> None:
    jobs = "".join(
        f"  j{i}:\n    runs-on: ubuntu-latest\n    steps: [{{run: sleep 0.5}}]\n" for i in range(4)
    )
    repo.workflow("on: push\njobs:\n" + jobs)

    def overlap(events: list[dict]) -> bool:
        starts = [e["time"] for e in events if e["event"] == "job_started"]
        ends = [e["time"] for e in events if e["event"] == "job_finished"]
        return max(starts) < min(ends)

    assert overlap(repo.run("push", "--json").events)
    assert not overlap(repo.run("push", "--json", "--concurrent-jobs", "1").events)


def test_step_timeout_kills_the_whole_process_group(repo: Repo) -> None:
    marker = f"mlops-timeout-{uuid.uuid4().hex[:8]}"
    repo.workflow(f"""\
        on: push
        jobs:
          slow:
            runs-on: ubuntu-latest
            steps:
              - timeout-minutes: 0.02
                run: |
                  bash -c 'exec -a {marker} sleep 60' &
                  sleep 60
              - if: always()
                run: echo after-timeout
    """)
    run = repo.run("push", timeout=60)
    assert run.returncode == 1
    assert "timed out after" in run.stderr
    assert "after-timeout" in run.stderr
    assert _processes_with(marker) == []


def test_job_timeout_fails_the_job(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          slow:
            runs-on: ubuntu-latest
            timeout-minutes: 0.02
            steps:
              - run: sleep 30
              - run: echo never
    """)
    run = repo.run("push", timeout=60)
    assert run.returncode == 1
    assert "slow  ✗ failure" in run.stderr


def test_ctrl_c_cancels_leaves_no_process_and_no_change(repo: Repo) -> None:
    marker = f"mlops-sigint-{uuid.uuid4().hex[:8]}"
    repo.workflow(f"""\
        on: push
        jobs:
          long:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: |
                  echo started-long-step
                  rm README.md && echo scribble > new-file
                  bash -c 'exec -a {marker} sleep 120' &
                  sleep 120
    """)
    repo.commit()
    before = repo.snapshot()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops", "run", "push", "-C", str(repo.root)],
        env={**os.environ, "MLOPS_CACHE_DIR": str(repo.cache)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(marker), "the step never started"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Interrupted" in stderr
    time.sleep(0.2)
    assert _processes_with(marker) == []
    assert repo.snapshot() == before


def test_users_tree_is_byte_identical_after_success_and_failure(repo: Repo) -> None:
    repo.write("data.txt", "committed\n")
    repo.commit()
    repo.write("data.txt", "uncommitted edit\n")
    repo.write("untracked.txt", "new\n")
    repo.workflow("""\
        on: push
        jobs:
          mutate:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: |
                  cat data.txt untracked.txt
                  git status --short
                  echo changed > data.txt && rm untracked.txt && touch created
                  git commit -qam "inside the copy" -c user.name=x -c user.email=y || true
                  git config user.name someone
              - run: exit ${{ github.event_name == 'push' && 1 || 0 }}
    """)
    before = repo.snapshot()
    run = repo.run("push")
    assert run.returncode == 1
    assert "uncommitted edit" in run.stderr and "[mutate]   new" in run.stderr
    assert " M data.txt" in run.stderr  # the copy shows the uncommitted change as such
    assert repo.snapshot() == before


def test_secrets_are_masked_everywhere(repo: Repo, tmp_path: Path) -> None:
    secret_file = tmp_path / "secrets.env"
    secret_file.write_text('MULTI="first-line-s3cr3t\nsecond-line-s3cr3t"\n')
    repo.workflow("""\
        on: push
        jobs:
          leaky:
            runs-on: ubuntu-latest
            outputs:
              echoed: ${{ steps.s.outputs.value }}
            steps:
              - id: s
                env:
                  TOKEN: ${{ secrets.TOKEN }}
                  FROM_ENV: ${{ secrets.FROM_ENV }}
                  MULTI: ${{ secrets.MULTI }}
                run: |
                  echo "token=$TOKEN from-env=$FROM_ENV"
                  echo "$MULTI"
                  echo "value=$TOKEN" >> "$GITHUB_OUTPUT"
                  echo "summary $TOKEN" >> "$GITHUB_STEP_SUMMARY"
                  echo "::add-mask::runtime-value-42"
                  echo "masked later: runtime-value-42"
                  echo "::error::token in annotation $TOKEN"
    """)
    run = repo.run(
        "push",
        "-s",
        "TOKEN=tok-Abc123xyz",
        "-s",
        "FROM_ENV",
        "--secret-file",
        str(secret_file),
        env={"FROM_ENV": "env-Secret-987"},
    )
    assert run.returncode == 0, run.stderr
    json_run = repo.run(
        "push",
        "--json",
        "-s",
        "TOKEN=tok-Abc123xyz",
        "-s",
        "FROM_ENV",
        "--secret-file",
        str(secret_file),
        env={"FROM_ENV": "env-Secret-987"},
    )
    for value in (
        "tok-Abc123xyz",
        "env-Secret-987",
        "first-line-s3cr3t",
        "second-line-s3cr3t",
        "runtime-value-42",
    ):
        for text in (run.stdout, run.stderr, json_run.stdout, json_run.stderr):
            assert value not in text
        for record in (run.record, json_run.record):
            assert value.encode() not in b"".join(
                p.read_bytes() for p in record.rglob("*") if p.is_file()
            )
    assert "token=*** from-env=***" in run.stderr


def test_local_reusable_workflow_runs_with_inputs_and_outputs(repo: Repo) -> None:
    repo.workflow(
        """\
        on:
          workflow_call:
            inputs:
              who: {type: string, required: true}
            outputs:
              greeting:
                value: ${{ jobs.greet.outputs.text }}
        jobs:
          greet:
            runs-on: ubuntu-latest
            outputs:
              text: ${{ steps.g.outputs.text }}
            steps:
              - id: g
                run: echo "text=hello ${{ inputs.who }}" >> "$GITHUB_OUTPUT"
    """,
        name="reusable.yml",
    )
    repo.workflow(
        """\
        on: push
        jobs:
          call:
            uses: ./.github/workflows/reusable.yml
            with:
              who: world
          show:
            needs: call
            runs-on: ubuntu-latest
            steps:
              - run: echo "said ${{ needs.call.outputs.greeting }}"
    """,
        name="caller.yml",
    )
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "said hello world" in run.stderr


def test_no_triggered_workflow_says_so(repo: Repo) -> None:
    repo.workflow(
        "on:\n  push:\n    branches: [release]\njobs:\n  a:\n    runs-on: x\n"
        "    steps: [{run: echo}]\n"
    )
    run = repo.run("push")
    assert run.returncode == 0
    assert "No job ran" in run.stderr and "branch 'main' filtered out" in run.stderr
    assert newest_record(repo.cache) is not None


def test_old_run_records_are_pruned(repo: Repo) -> None:
    repo.workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo}]\n")
    for _ in range(4):
        assert repo.run("push", env={"MLOPS_KEEP_RUNS": "2"}).returncode == 0
    assert len(list((repo.cache / "runs").iterdir())) == 2


def test_the_results_table_lines_up_whatever_the_job_names(repo: Repo) -> None:
    repo.workflow(
        "on: push\njobs:\n  t:\n    runs-on: x\n    steps: [{run: 'true'}]\n"
        "  a-much-longer-job-name:\n    runs-on: x\n    steps: [{run: 'true'}]\n"
    )
    for names in (["t"], ["t", "a-much-longer-job-name"]):
        job_args = ["-j", names[0]] if len(names) == 1 else []
        run = repo.run("push", *job_args)
        assert run.returncode == 0, run.stderr
        lines = run.stderr.splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith("Job "))
        rows = lines[header : header + 1 + len(names)]
        columns = {row.index("✓") if "✓" in row else row.index("Result") for row in rows}
        assert len(columns) == 1, "\n".join(rows)


def test_a_skip_instruction_in_the_commit_message_skips_push_and_pull_request(
    repo: Repo,
) -> None:
    repo.workflow(
        "on: [push, pull_request, pull_request_target, workflow_dispatch]\njobs:\n  a:\n"
        "    runs-on: x\n    steps:\n"
        '      - run: echo "message=${{ github.event.head_commit.message }}"\n'
    )
    repo.commit("Fix the docs\n\nLonger explanation.")
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    # the push payload's head_commit carries the full message, as GitHub's does
    assert "message=Fix the docs" in run.stderr and "Longer explanation." in run.stderr

    for message in ("docs: typo [skip ci]", "wip [ci skip]", "Tidy\n\nskip-checks: true"):
        repo.write("notes.txt", message)
        repo.commit(message)
        for event in ("push", "pull_request"):
            run = repo.run(event)
            assert run.returncode == 0, run.stderr
            assert "No job ran" in run.stderr, (message, event, run.stderr)
            assert "the commit message says" in run.stderr
        for event in ("pull_request_target", "workflow_dispatch"):  # not skipped by GitHub
            run = repo.run(event)
            assert run.returncode == 0 and "No job ran" not in run.stderr, (event, run.stderr)


def test_results_are_listed_in_the_workflows_order_not_the_finishing_order(repo: Repo) -> None:
    repo.workflow(
        "on: push\njobs:\n  slow:\n    runs-on: x\n    strategy:\n      matrix:\n"
        "        n: [3, 2, 1]\n    steps: [{run: 'sleep 0.${{ matrix.n }}'}]\n"
        "  quick:\n    runs-on: x\n    steps: [{run: 'true'}]\n"
    )
    run = repo.run("push", "--json")
    assert run.returncode == 0, run.stderr
    record = json.loads((run.record / "run.json").read_text())
    assert [j["job"] for j in record["jobs"]] == ["slow (3)", "slow (2)", "slow (1)", "quick"]


def test_the_actor_is_a_login_whatever_git_calls_the_user(repo: Repo) -> None:
    repo.workflow(
        "on: push\njobs:\n  a:\n    runs-on: x\n"
        "    steps: [{run: 'echo \"actor=${{ github.actor }} env=$GITHUB_ACTOR\"'}]\n"
    )
    repo.git("config", "user.name", "Jane Q. Doe")
    assert "actor=Jane-Q-Doe env=Jane-Q-Doe" in repo.run("push").stderr
    repo.git("config", "github.user", "jqdoe")
    assert "actor=jqdoe env=jqdoe" in repo.run("push").stderr
    bad = repo.run("push", "-a", "Jane Doe")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "mlops: error: -a 'Jane Doe': not a GitHub login (letters, digits and single hyphens)"
    ]
