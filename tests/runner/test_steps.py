"""Running steps on the host: results, conditions, shells, env files, commands, isolation."""

from __future__ import annotations

from pathlib import Path

from tests.runner.conftest import Repo


def test_success_prints_steps_table_and_record(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - name: Say hello
                run: echo "hello from $GITHUB_JOB"
    """)
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "[build] ▶ Say hello" in run.stderr
    assert "[build]   hello from build" in run.stderr
    assert "build  ✓ success" in run.stderr
    assert f"Run record: {run.record}" in run.stderr
    assert "hello from build" in (run.record / "logs" / "build.log").read_text()
    assert '"result": "success"' in (run.record / "run.json").read_text()


def test_failing_step_fails_the_job_and_skips_the_rest(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: exit 7
              - run: echo should-not-run
              - if: failure()
                run: echo cleanup-ran
              - if: always()
                run: echo always-ran
    """)
    run = repo.run("push")
    assert run.returncode == 1
    assert "exit code 7" in run.stderr
    assert "should-not-run" not in run.stderr.replace("Run echo should-not-run", "")
    assert "[build]   cleanup-ran" in run.stderr
    assert "[build]   always-ran" in run.stderr
    assert "build  ✗ failure" in run.stderr


def test_continue_on_error_outcome_and_conclusion(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: flaky
                run: exit 1
                continue-on-error: true
              - run: echo "outcome=${{ steps.flaky.outcome }} conclusion=${{ steps.flaky.conclusion }}"
    """)
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "outcome=failure conclusion=success" in run.stderr


def test_step_outputs_env_path_and_multiline_values(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: produce
                run: |
                  echo "single=one" >> "$GITHUB_OUTPUT"
                  { echo "multi<<EOF"; echo "line 1"; echo "line 2"; echo "EOF"; } >> "$GITHUB_OUTPUT"
                  echo "LATER=set-by-env-file" >> "$GITHUB_ENV"
                  mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool-on-path\\n' > "$RUNNER_TEMP/bin/mytool"
                  chmod +x "$RUNNER_TEMP/bin/mytool" && echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
              - env:
                  MULTI: ${{ steps.produce.outputs.multi }}
                run: |
                  echo "single=${{ steps.produce.outputs.single }}"
                  echo "multi=$(echo "$MULTI" | tr '\\n' '|')"
                  echo "later=$LATER env-context=${{ env.LATER }}"
                  mytool
    """)
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "single=one" in run.stderr
    assert "multi=line 1|line 2|" in run.stderr
    assert "later=set-by-env-file env-context=set-by-env-file" in run.stderr
    assert "tool-on-path" in run.stderr


def test_shells_follow_githubs_templates(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          shells:
            runs-on: ubuntu-latest
            steps:
              - name: default shell has no pipefail
                run: false | true
              - name: python
                shell: python
                run: import sys; print("python", sys.version_info[0])
              - name: sh
                shell: sh
                run: echo "sh ok"
              - name: custom
                shell: bash -c "cat {0} | wc -l | tr -d ' ' | sed 's/^/lines=/'"
                run: |
                  one
                  two
              - name: bash has pipefail
                shell: bash
                run: false | true
    """)
    run = repo.run("push")
    assert run.returncode == 1
    assert "✓ default shell has no pipefail" in run.stderr
    assert "python 3" in run.stderr
    assert "sh ok" in run.stderr
    assert "lines=2" in run.stderr
    assert "✗ bash has pipefail" in run.stderr


def test_defaults_run_working_directory_and_env_layers(repo: Repo) -> None:
    repo.write("sub/marker.txt", "x\n")
    repo.commit()
    repo.workflow("""\
        on: push
        env:
          LEVEL: workflow
          KEEP: from-workflow
        defaults:
          run:
            shell: bash
        jobs:
          build:
            runs-on: ubuntu-latest
            env:
              LEVEL: job
            defaults:
              run:
                working-directory: sub
            steps:
              - uses: actions/checkout@v4
              - env:
                  LEVEL: step
                run: echo "level=$LEVEL keep=$KEEP dir=$(basename "$PWD") $(ls)"
    """)
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "level=step keep=from-workflow dir=sub marker.txt" in run.stderr


def test_host_environment_does_not_leak(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          env:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "leak=${HOST_ONLY_SECRET:-absent} given=${GIVEN:-absent} ci=$CI"
                  echo "repo=$GITHUB_REPOSITORY event=$GITHUB_EVENT_NAME ws=${GITHUB_WORKSPACE:+set}"
                  echo "var=${{ vars.REGION }} input-free=${{ github.event_name }}"
    """)
    run = repo.run(
        "push", "--env", "GIVEN=yes", "--var", "REGION=eu", env={"HOST_ONLY_SECRET": "do-not-leak"}
    )
    assert run.returncode == 0, run.stderr
    assert "leak=absent given=yes ci=true" in run.stderr
    assert "repo=acme/widgets event=push ws=set" in run.stderr
    assert "var=eu input-free=push" in run.stderr


def test_workflow_commands(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          cmds:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "::group::Setup details"
                  echo "inside"
                  echo "::endgroup::"
                  echo "::error file=src/app.py,line=3,col=5,title=Bad::Missing value"
                  echo "::notice::just so you know"
                  echo "::debug::hidden unless debugging"
                  echo "::stop-commands::pause123"
                  echo "::error::not a command while paused"
                  echo "::pause123::"
                  echo "::set-output name=x::1"
    """)
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "▸ Setup details" in run.stderr
    assert "[cmds]     inside" in run.stderr  # indented inside the group
    assert "error: src/app.py:3:5: Bad: Missing value" in run.stderr
    assert "notice: just so you know" in run.stderr
    assert "hidden unless debugging" not in run.stderr
    assert "::error::not a command while paused" in run.stderr
    assert "The `set-output` command is deprecated" in run.stderr  # a warning, as on GitHub
    debugging = repo.run("push", "--var", "ACTIONS_STEP_DEBUG=true")
    assert "debug: hidden unless debugging" in debugging.stderr


def test_step_summary_is_printed_and_saved(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          report:
            runs-on: ubuntu-latest
            steps:
              - run: echo "### Accuracy 0.98" >> "$GITHUB_STEP_SUMMARY"
    """)
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "── Step summary: report ──" in run.stderr
    assert "### Accuracy 0.98" in (run.record / "summaries" / "report.md").read_text()


def test_json_events(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          one:
            runs-on: ubuntu-latest
            steps:
              - run: echo out-line
    """)
    run = repo.run("push", "--json")
    assert run.returncode == 0, run.stderr
    kinds = [e["event"] for e in run.events]
    assert kinds[:2] == ["job_started", "step_started"]
    assert {"event": "output", "job": "one", "line": "out-line"}.items() <= next(
        e for e in run.events if e["event"] == "output"
    ).items()
    finished = next(e for e in run.events if e["event"] == "job_finished")
    assert finished["result"] == "success"


def test_foreign_runners_are_skipped_and_containers_need_docker(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          mac:
            runs-on: macos-latest
            steps: [{run: echo mac}]
          boxed:
            runs-on: ubuntu-latest
            container: python:3.11-slim
            steps: [{run: echo boxed}]
    """)
    run = repo.run("push")
    assert run.returncode == 1
    assert "runs-on macos-latest: this host runs Linux jobs only" in run.stderr
    assert "use --backend docker" in run.stderr
    assert "mac    - skipped" in run.stderr


def test_invalid_flags_exit_2(repo: Repo) -> None:
    repo.workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo}]\n")
    assert repo.run("push", "--env", "NOEQUALS").returncode == 2
    assert repo.run("push", "--secret-file", "/nonexistent").returncode == 2
    bad = repo.run("push", "-P", "ubuntu-latest=node:20")
    assert bad.returncode == 2 and "--backend docker" in bad.stderr
    unknown = repo.run("push", "-s", "NOT_IN_ENV_ANYWHERE")
    assert unknown.returncode == 2 and "no such variable" in unknown.stderr


def test_a_docker_action_without_an_engine_fails_its_step_in_one_line(
    repo: Repo, tmp_path: Path
) -> None:
    repo.workflow("""\
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: docker://alpine:3
              - if: always()
                run: echo after
    """)
    repo.commit()
    socket = f"unix://{tmp_path}/no-engine.sock"
    run = repo.run("push", "--json", env={"DOCKER_HOST": socket})
    assert run.returncode == 1
    lines = [e["line"] for e in run.events if e.get("event") == "output"]
    assert lines == [
        f"error: docker://alpine:3: docker actions need a Docker engine; cannot reach the "
        f"Docker engine at {socket}: start it (`sudo systemctl start docker`, or "
        "`sudo dockerd &`) or point DOCKER_HOST at one",
        "after",
    ]
