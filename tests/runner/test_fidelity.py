"""Conformance cases that need the CLI (issue 10); the others are in ``cases/``.

Listing (-l) and the graph (-g) never require workflow_dispatch inputs: a release workflow
with a required `tag` must be listable without one.
"""

from __future__ import annotations

from tests.runner.conftest import Repo

RELEASE = """\
    name: release
    on:
      workflow_dispatch:
        inputs:
          tag: {type: string, required: true}
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - run: echo "tag=${{ inputs.tag }}"
      publish:
        needs: build
        runs-on: ubuntu-latest
        steps:
          - run: echo publish
"""


def test_list_and_graph_never_require_inputs_but_a_run_does(repo: Repo) -> None:
    repo.workflow(RELEASE)
    repo.commit()
    for args in (["-l"], ["workflow_dispatch", "-l"], ["workflow_dispatch", "-g"]):
        run = repo.run(*args)
        assert run.returncode == 0, (args, run.stderr)
        assert "build" in run.stdout and "publish" in run.stdout
    missing = repo.run("workflow_dispatch", "-n")
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "mlops: error: .github/workflows/w.yml: input 'tag' is required; pass --input tag=VALUE"
    )
    given = repo.run("workflow_dispatch", "--input", "tag=v1")
    assert given.returncode == 0, given.stderr
    assert "tag=v1" in given.stderr


def test_dry_run_decides_a_job_if_with_the_vars_the_run_gets(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          deploy:
            if: vars.DEPLOY == 'yes'
            runs-on: ubuntu-latest
            steps:
              - run: echo deploying
    """)
    repo.commit()
    (repo.root.parent / "vars.env").write_text("DEPLOY=yes\n")
    skipped = "    skipped (if: vars.DEPLOY == 'yes')"
    for args in (["--var", "DEPLOY=yes"], ["--var-file", str(repo.root.parent / "vars.env")]):
        planned = repo.run("push", "-n", *args)
        assert planned.returncode == 0, planned.stderr
        assert "    if: vars.DEPLOY == 'yes'" in planned.stdout.splitlines(), planned.stdout
        assert skipped not in planned.stdout.splitlines()
    without = repo.run("push", "-n")
    assert skipped in without.stdout.splitlines(), without.stdout
    bad = repo.run("push", "-n", "--var", "BAD NAME=x")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_tag_push_from_an_event_file_runs_for_the_commit_it_tags(repo: Repo) -> None:
    # GTO's stage tags (model#prod#1) are annotated tags, often on an older commit than HEAD.
    repo.workflow("""\
        on:
          push:
            tags: ["*#*"]
        jobs:
          show:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
                with:
                  ref: ${{ github.sha }}
                  fetch-depth: 0
              - run: echo "$GITHUB_REF_TYPE $GITHUB_REF_NAME ${{ github.sha }} $(git rev-parse HEAD)"
    """)
    repo.commit("deploy workflow")
    tagged = repo.git("rev-parse", "HEAD").strip()
    repo.git("tag", "-a", "model#prod#1", "-m", "Assigning stage prod")
    repo.write("README.md", "later\n")
    repo.commit("a later commit")
    event = repo.root.parent / "tag.json"
    event.write_text('{"ref": "refs/tags/model#prod#1"}')
    run = repo.run("push", "-e", str(event))
    assert run.returncode == 0, run.stderr
    assert f"tag model#prod#1 {tagged} {tagged}" in run.stderr  # not HEAD, not the tag object
    branch = repo.run("push")  # a push of main: the tags filter does not match
    assert branch.returncode == 0 and "tag model#prod#1" not in branch.stderr
