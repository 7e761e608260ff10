"""``mlops run -l / -g / -n``: events with their filters, the job graph, -j, matrices, reuse.

Each test builds a real git repository with workflows and runs the real CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run_mlops

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, env=GIT_ENV, capture_output=True, text=True, check=True
    ).stdout


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "remote", "add", "origin", "https://github.com/acme/widgets.git")
    write(tmp_path, "README.md", "hi\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    return tmp_path


def commit_all(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def listed(root: Path, *args: str) -> list[str]:
    result = run_mlops("run", *args, "-l", "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    return [row["job_id"] for row in json.loads(result.stdout)["jobs"]]


GRAPH = """\
    name: graph
    on: [push, pull_request]
    jobs:
      build:
        runs-on: ubuntu-latest
        steps: [{run: make}]
      lint:
        runs-on: ubuntu-latest
        steps: [{run: make lint}]
      test:
        needs: build
        runs-on: ubuntu-latest
        steps: [{run: make test}]
      deploy:
        needs: [test, lint]
        runs-on: ubuntu-latest
        steps: [{run: make deploy}]
"""


def test_list_shows_stages_from_needs(repo: Path) -> None:
    write(repo, ".github/workflows/graph.yml", GRAPH)
    result = run_mlops("run", "-l", "--json", "-C", str(repo))
    rows = {row["job_id"]: row for row in json.loads(result.stdout)["jobs"]}
    assert {k: v["stage"] for k, v in rows.items()} == {
        "build": 0,
        "lint": 0,
        "test": 1,
        "deploy": 2,
    }
    assert rows["deploy"]["workflow"] == "graph"
    assert rows["deploy"]["file"] == ".github/workflows/graph.yml"
    table = run_mlops("run", "-l", "-C", str(repo)).stdout.splitlines()
    assert table[0].split() == [
        "Stage",
        "Job",
        "ID",
        "Job",
        "name",
        "Workflow",
        "name",
        "Workflow",
        "file",
        "Events",
    ]
    assert any(line.split()[:2] == ["2", "deploy"] for line in table[1:])


def test_job_selection_keeps_transitive_needs(repo: Path) -> None:
    write(repo, ".github/workflows/graph.yml", GRAPH)
    assert listed(repo, "-j", "deploy") == ["build", "lint", "test", "deploy"]
    assert listed(repo, "-j", "test") == ["build", "test"]
    result = run_mlops("run", "-l", "-j", "nope", "-C", str(repo))
    assert result.returncode == 2
    assert "-j nope: no such job" in result.stderr and "deploy" in result.stderr


def test_graph_draws_stages_and_needs(repo: Path) -> None:
    write(repo, ".github/workflows/graph.yml", GRAPH)
    result = run_mlops("run", "-g", "-C", str(repo))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "│ build │" in lines[1] and "│ lint │" in lines[1]
    assert "deploy ← test, lint" in result.stdout
    order = [
        next(i for i, line in enumerate(lines) if f"│ {job} │" in line)
        for job in ("build", "test", "deploy")
    ]
    assert order == sorted(order)


def test_branch_filters_are_honoured(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/main-only.yml",
        """\
        on:
          push:
            branches: [main, 'release/**']
        jobs:
          only-main:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    write(
        repo,
        ".github/workflows/not-main.yml",
        """\
        on:
          push:
            branches-ignore: [main]
        jobs:
          not-main:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    commit_all(repo)
    assert listed(repo, "push") == ["only-main"]
    git(repo, "checkout", "-q", "-b", "release/1.2")
    assert listed(repo, "push") == ["only-main", "not-main"]
    git(repo, "checkout", "-q", "-b", "feature")
    assert listed(repo, "push") == ["not-main"]
    dry = run_mlops("run", "push", "-n", "-C", str(repo))
    assert (
        "Not triggered: .github/workflows/main-only.yml (branch 'feature' filtered out)"
        in dry.stdout
    )


def test_tag_filters(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/release.yml",
        """\
        on:
          push:
            tags: ['v*']
        jobs:
          release:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    commit_all(repo)
    assert listed(repo, "push") == []  # a branch push: only tag pushes trigger it
    git(repo, "tag", "v1.0.0")
    git(repo, "checkout", "-q", "--detach", "v1.0.0")
    assert listed(repo, "push") == ["release"]


def test_pull_request_paths_against_the_base_branch(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/docs.yml",
        """\
        on:
          pull_request:
            paths: ['docs/**']
        jobs:
          docs:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    write(
        repo,
        ".github/workflows/code.yml",
        """\
        on:
          pull_request:
            paths-ignore: ['docs/**', '*.md']
        jobs:
          code:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    commit_all(repo)
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "docs/guide.md", "guide\n")
    commit_all(repo)
    assert listed(repo, "pull_request") == ["docs"]
    write(repo, "src/app.py", "print()\n")  # uncommitted changes count too
    assert listed(repo, "pull_request") == ["code", "docs"]


def test_pull_request_types_and_event_file(repo: Path, tmp_path: Path) -> None:
    write(
        repo,
        ".github/workflows/labels.yml",
        """\
        on:
          pull_request:
            types: [labeled]
        jobs:
          triage:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    write(
        repo,
        ".github/workflows/default.yml",
        """\
        on: pull_request
        jobs:
          ci:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    assert listed(repo, "pull_request") == ["ci"]  # default action: synchronize
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "labeled", "label": {"name": "bug"}}))
    assert listed(repo, "pull_request", "-e", str(event)) == ["triage"]


def test_pull_request_base_branch_filter_from_event_file(repo: Path, tmp_path: Path) -> None:
    write(
        repo,
        ".github/workflows/dev.yml",
        """\
        on:
          pull_request:
            branches: [develop]
        jobs:
          dev:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    assert listed(repo, "pull_request") == []
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"ref": "develop"}}}))
    assert listed(repo, "pull_request", "-e", str(event)) == ["dev"]


def test_bad_event_file_is_one_line(repo: Path, tmp_path: Path) -> None:
    write(repo, ".github/workflows/graph.yml", GRAPH)
    event = tmp_path / "event.json"
    event.write_text("{not json")
    result = run_mlops("run", "push", "-n", "-e", str(event), "-C", str(repo))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"{event}:1:2: not a JSON event payload" in result.stderr


def test_matrix_legs_and_filters_in_dry_run(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/matrix.yml",
        """\
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [ubuntu-latest, windows-latest]
                python: ['3.11', '3.12']
                exclude:
                  - os: windows-latest
                    python: '3.11'
                include:
                  - os: ubuntu-latest
                    python: '3.13'
            steps: [{run: pytest}]
    """,
    )
    result = run_mlops("run", "push", "-n", "-C", str(repo))
    assert result.returncode == 0, result.stderr
    assert "matrix: 4 legs" in result.stdout
    assert "test (ubuntu-latest, 3.13)" in result.stdout
    assert "test (windows-latest, 3.11)" not in result.stdout
    filtered = run_mlops("run", "push", "-n", "--matrix", "python:3.12", "-C", str(repo))
    assert "matrix: 2 legs" in filtered.stdout
    bad = run_mlops("run", "push", "-n", "--matrix", "python", "-C", str(repo))
    assert bad.returncode == 2 and "--matrix expects NAME:VALUE" in bad.stderr


def test_matrix_from_a_job_output_is_deferred(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/dynamic.yml",
        """\
        on: push
        jobs:
          setup:
            runs-on: ubuntu-latest
            outputs:
              legs: ${{ steps.m.outputs.legs }}
            steps:
              - id: m
                run: echo 'legs=["a","b"]' >> "$GITHUB_OUTPUT"
          run:
            needs: setup
            runs-on: ubuntu-latest
            strategy:
              matrix:
                leg: ${{ fromJSON(needs.setup.outputs.legs) }}
            steps: [{run: echo}]
    """,
    )
    result = run_mlops("run", "push", "-n", "-C", str(repo))
    assert result.returncode == 0, result.stderr
    assert "matrix: resolved at run time" in result.stdout


def test_too_many_matrix_legs_is_an_error(repo: Path) -> None:
    values = ", ".join(str(i) for i in range(17))
    write(
        repo,
        ".github/workflows/big.yml",
        f"""\
        on: push
        jobs:
          big:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                a: [{values}]
                b: [{values}]
            steps: [{{run: echo}}]
    """,
    )
    result = run_mlops("run", "push", "-n", "-C", str(repo))
    assert result.returncode == 2
    assert ".github/workflows/big.yml:6:7: job 'big'" in result.stderr and "256" in result.stderr


def test_local_reusable_workflow_is_expanded_with_inputs(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/reusable.yml",
        """\
        on:
          workflow_call:
            inputs:
              target:
                type: string
                required: true
            outputs:
              url:
                value: ${{ jobs.deploy.outputs.url }}
        jobs:
          build:
            runs-on: ubuntu-latest
            steps: [{run: make}]
          deploy:
            needs: build
            runs-on: ubuntu-latest
            outputs:
              url: ${{ steps.d.outputs.url }}
            steps: [{id: d, run: echo}]
    """,
    )
    write(
        repo,
        ".github/workflows/caller.yml",
        """\
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            steps: [{run: make test}]
          ship:
            needs: test
            uses: ./.github/workflows/reusable.yml
            with:
              target: staging
          notify:
            needs: ship
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    result = run_mlops("run", "push", "-l", "--json", "-C", str(repo))
    assert result.returncode == 0, result.stderr
    stages = {row["job_id"]: row["stage"] for row in json.loads(result.stdout)["jobs"]}
    assert stages == {"test": 0, "ship/build": 1, "ship/deploy": 2, "ship": 3, "notify": 4}
    dry = run_mlops("run", "push", "-n", "-C", str(repo))
    assert 'calls ./.github/workflows/reusable.yml with {"target": "staging"}' in dry.stdout


def test_reusable_workflow_input_errors(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/reusable.yml",
        """\
        on:
          workflow_call:
            inputs:
              target: {type: string, required: true}
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    write(
        repo,
        ".github/workflows/caller.yml",
        """\
        on: push
        jobs:
          ship:
            uses: ./.github/workflows/reusable.yml
            with:
              targte: x
    """,
    )
    result = run_mlops("run", "push", "-n", "-C", str(repo))
    assert result.returncode == 2
    assert ".github/workflows/caller.yml:3:3:" in result.stderr
    assert "'targte'" in result.stderr and "target" in result.stderr


def test_job_if_decided_before_running_is_shown_as_skipped(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/cond.yml",
        """\
        on: [push, pull_request]
        jobs:
          pr-only:
            if: github.event_name == 'pull_request'
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    push = run_mlops("run", "push", "-n", "-C", str(repo)).stdout
    assert "skipped (if: github.event_name == 'pull_request')" in push
    pull = run_mlops("run", "pull_request", "-n", "-C", str(repo)).stdout
    assert "skipped" not in pull


def test_dispatch_inputs_are_checked(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/manual.yml",
        """\
        on:
          workflow_dispatch:
            inputs:
              level:
                type: choice
                options: [low, high]
                required: true
              dry:
                type: boolean
                default: false
        jobs:
          go:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    missing = run_mlops("run", "workflow_dispatch", "-n", "-C", str(repo))
    assert missing.returncode == 2 and "--input level=VALUE" in missing.stderr
    bad = run_mlops("run", "-n", "--input", "level=medium", "-C", str(repo))
    assert bad.returncode == 2 and "choose one of: low, high" in bad.stderr
    bad_bool = run_mlops(
        "run", "-n", "--input", "level=low", "--input", "dry=maybe", "-C", str(repo)
    )
    assert bad_bool.returncode == 2 and "expected true or false" in bad_bool.stderr
    ok = run_mlops("run", "-n", "--input", "level=low", "-C", str(repo))
    assert ok.returncode == 0, ok.stderr
    assert "Event: workflow_dispatch" in ok.stdout


def test_dry_run_executes_nothing(repo: Path) -> None:
    marker = repo / "touched"
    write(
        repo,
        ".github/workflows/touch.yml",
        f"""\
        on: push
        jobs:
          touch:
            runs-on: ubuntu-latest
            steps: [{{run: touch {marker}}}]
    """,
    )
    result = run_mlops("run", "push", "-n", "-C", str(repo))
    assert result.returncode == 0, result.stderr
    assert f"Run touch {marker}" in result.stdout
    assert not marker.exists()


def test_two_thousand_jobs_list(repo: Path) -> None:
    jobs = "".join(
        f"  j{i}:\n    runs-on: ubuntu-latest\n"
        + (f"    needs: j{i - 1}\n" if i % 10 else "")
        + "    steps:\n      - run: echo\n"
        for i in range(2000)
    )
    write(repo, ".github/workflows/huge.yml", "on: push\njobs:\n" + jobs)
    result = run_mlops("run", "-l", "-C", str(repo), timeout=30)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2001


def test_deferred_matrix_resolves_from_needs_outputs(repo: Path) -> None:
    from mlops.runner.runplan import make_plan
    from mlops.workflow.plan import resolve_matrix

    write(
        repo,
        ".github/workflows/dynamic.yml",
        """\
        on: push
        jobs:
          setup:
            runs-on: ubuntu-latest
            outputs:
              legs: ${{ steps.m.outputs.legs }}
            steps: [{id: m, run: echo}]
          run:
            needs: setup
            runs-on: ubuntu-latest
            strategy:
              matrix:
                leg: ${{ fromJSON(needs.setup.outputs.legs) }}
                include:
                  - leg: c
            steps: [{run: echo}]
    """,
    )
    plan = make_plan(
        directory=str(repo), workflows=None, event_name="push", event_path=None, job=None
    )
    planned = plan.jobs["run"]
    assert planned.legs is None
    contexts = {"needs": {"setup": {"outputs": {"legs": '["a", "b"]'}, "result": "success"}}}
    assert resolve_matrix(planned, contexts) == [{"leg": "a"}, {"leg": "b"}, {"leg": "c"}]


def test_reusable_workflow_secrets_are_checked(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/reusable.yml",
        """\
        on:
          workflow_call:
            secrets:
              token: {required: true}
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    write(
        repo,
        ".github/workflows/caller.yml",
        """\
        on: push
        jobs:
          ship:
            uses: ./.github/workflows/reusable.yml
    """,
    )
    missing = run_mlops("run", "push", "-n", "-C", str(repo))
    assert missing.returncode == 2 and "required secret 'token'" in missing.stderr
    caller = repo / ".github/workflows/caller.yml"
    caller.write_text(caller.read_text() + "    secrets: inherit\n")
    assert run_mlops("run", "push", "-n", "-C", str(repo)).returncode == 0
