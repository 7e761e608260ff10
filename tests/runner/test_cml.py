"""The local `cml`: CML's commands as its README and example workflows use them, offline.

Each command is run the way a workflow runs it (``iterative/setup-cml`` then ``cml ...`` in a
step of ``mlops run``); what CML would send to GitHub is asserted in the run record.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.runner.conftest import Repo

SETUP = """\
        on: pull_request
        jobs:
          train:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: iterative/setup-cml@v2
"""


def _entries(record: Path) -> list[dict]:
    return json.loads((record / "run.json").read_text())["cml"]


def test_a_cml_readme_workflow_runs_and_its_comment_and_pull_request_are_recorded(
    repo: Repo,
) -> None:
    """Done-when of issue 10: `cml ci`, a report with an image, `cml comment create --publish
    report.md`, `cml pr create`, under `mlops run pull_request`."""
    repo.write(
        "train.py",
        """\
        import pathlib
        pathlib.Path("model.txt").write_text("weights 0.42\\n")
        pathlib.Path("metrics.txt").write_text("accuracy: 0.91\\n")
        pathlib.Path("plot.png").write_bytes(b"\\x89PNG fake plot")
        """,
    )
    repo.workflow(
        """\
        name: model-training
        on: [pull_request]
        permissions:
          contents: write
          pull-requests: write
        jobs:
          run:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v3
              - uses: iterative/setup-cml@v1
              - name: Train model
                env:
                  REPO_TOKEN: ${{ secrets.GITHUB_TOKEN }}
                run: |
                  cml ci
                  python3 train.py
                  cat metrics.txt >> report.md
                  echo '![](./plot.png "Confusion Matrix")' >> report.md
                  cml comment create --publish report.md
                  cml pr create --title "Retrained model" --body "New weights from CI" model.txt metrics.txt
                  echo "workspace branch: $(git branch --show-current)"
                  echo "last commit by: $(git log -1 --format='%an <%ae>|%s')"
        """
    )
    repo.commit("add training")
    repo.git("checkout", "-q", "-b", "tune")
    before = repo.snapshot()
    branches_before = repo.git("branch", "--list")

    run = repo.run("pull_request")

    assert run.returncode == 0, run.stderr
    # The comment: the report with the image copied beside it, CML's watermark on the PR.
    comments = sorted((run.record / "comments").glob("*.md"))
    assert len(comments) == 1
    body = comments[0].read_text()
    assert body.startswith("accuracy: 0.91\n")
    assert '![](1-assets/plot.png "Confusion Matrix")' in body
    assert (run.record / "comments" / "1-assets" / "plot.png").read_bytes() == b"\x89PNG fake plot"
    sha = repo.git("rev-parse", "HEAD").strip()
    assert f'![](https://cml.dev/watermark.png#{sha} "CML watermark")' in body
    # The pull request: committed on a new branch in the job's copy, recorded, not opened.
    entries = _entries(run.record)
    assert [e["command"] for e in entries] == ["ci", "comment create", "pr create"]
    comment, pull = entries[1], entries[2]
    assert comment["target"] == "pr/1"
    assert pull["title"] == "Retrained model"
    assert pull["body"] == "New weights from CI"
    assert pull["source"] == f"tune-cml-pr-{sha[:8]}"
    assert pull["target"] == "tune"
    assert pull["files"] == ["metrics.txt", "model.txt"]
    assert re.fullmatch(r"[0-9a-f]{40}", pull["commit"])
    patch = (run.record / "pulls" / "1.patch").read_text()
    assert 'From: "Olivaw[bot]" <olivaw@iterative.ai>' in patch
    assert "Subject: [PATCH] CML PR for " + sha[:8] + " [skip ci]" in patch
    assert "+weights 0.42" in patch and "+accuracy: 0.91" in patch
    assert "report.md" not in patch
    assert f"workspace branch: tune-cml-pr-{sha[:8]}" in run.stderr
    assert f"last commit by: Olivaw[bot] <olivaw@iterative.ai>|CML PR for {sha[:8]} [skip ci]" in (
        run.stderr
    )
    # Printed at the end of the run.
    assert "── CML comment" in run.stderr and "── CML pull request, not opened" in run.stderr
    assert "# Retrained model" in run.stderr
    # The user's repository and branches are untouched.
    assert repo.snapshot() == before
    assert repo.git("branch", "--list") == branches_before


def test_cml_ci_sets_the_identity_and_honours_fetch_depth_and_unshallow(repo: Repo) -> None:
    for n in range(3):
        repo.write("n.txt", f"{n}\n")
        repo.commit(f"c{n}")
    repo.workflow(
        SETUP
        + """\
              - run: |
                  echo "shallow before: $(git rev-parse --is-shallow-repository) $(git rev-list --count HEAD)"
                  cml ci --fetch-depth 2 --user-name "Ci Bot" --user-email bot@example.invalid
                  echo "depth 2: $(git rev-list --count HEAD) $(git config user.name) $(git config user.email)"
                  cml ci --unshallow
                  echo "unshallowed: $(git rev-parse --is-shallow-repository) $(git rev-list --count HEAD)"
                  echo "identity: $(git config user.name) <$(git config user.email)>"
        """
    )
    repo.commit("workflow")
    run = repo.run("pull_request")
    assert run.returncode == 0, run.stderr
    assert "shallow before: true 1" in run.stderr
    assert "depth 2: 2 Ci Bot bot@example.invalid" in run.stderr
    assert "unshallowed: false 5" in run.stderr
    # `cml ci` without --user-name sets CML's default identity again, as CML does.
    assert "identity: Olivaw[bot] <olivaw@iterative.ai>" in run.stderr
    assert "origin left as the local repository" in run.stderr
    ci = [e for e in _entries(run.record) if e["command"] == "ci"]
    assert [e["fetch"] for e in ci] == [
        "fetched all branches and tags to depth 2",
        "unshallowed (all branches and tags)",
    ]


def test_comment_targets_flags_and_legacy_send_comment(repo: Repo) -> None:
    repo.workflow(
        SETUP
        + """\
              - run: |
                  echo "# A" > a.md
                  cml comment create --target=commit/abc123 a.md
                  cml comment create --commit-sha abc123 --watermark-title "{workflow} #{run}" a.md
                  cml comment update --pr --watermark-title="my_report" a.md
                  echo "# A2" > a.md
                  cml comment update --target pr --watermark-title my_report a.md
                  cml comment create --watch --publish false --target issue/7 a.md
                  cml send-comment a.md
                  cml-send-comment --update --watermark-title my_report a.md
        """
    )
    repo.commit("workflow")
    run = repo.run("pull_request")
    assert run.returncode == 0, run.stderr
    entries = _entries(run.record)
    assert [(e["command"], e["action"], e["target"]) for e in entries] == [
        ("comment create", "created", "commit/abc123"),
        ("comment create", "created", "commit/abc123"),
        ("comment update", "created", "pr/1"),
        ("comment update", "updated", "pr/1"),
        ("comment create", "created", "issue/7"),
        ("comment create", "created", "pr/1"),
        ("comment update", "updated", "pr/1"),  # send-comment's hidden --update
    ]
    comments = {p.name: p.read_text() for p in (run.record / "comments").glob("*.md")}
    assert len(comments) == 5
    # {workflow} and {run} are replaced in the watermark title, as CML does (GITHUB_WORKFLOW
    # is the file's path when the workflow has no name).
    assert re.search(r'"CML watermark \.github/workflows/w\.yml #\d+"', comments["2.md"])
    # GitHub escapes "_" when it echoes a comment back, so CML's marker escapes it too.
    assert comments["3.md"].startswith("# A2\n") and "CML watermark my\\_report" in comments["3.md"]
    assert "--watch: saved once" in entries[4]["notes"][0]
    # Deprecated flags and commands warn as CML's GitHub driver does: an annotation.
    assert "Deprecation warning: use --target=pr instead of --pr" in run.stderr
    assert '"cml send-comment" is deprecated, please use "cml comment create"' in run.stderr


def test_checks_publish_and_commands_that_cannot_work_locally(repo: Repo) -> None:
    repo.workflow(
        SETUP
        + """\
              - run: |
                  printf 'PNG' > plot.png
                  echo "All good" > check.md
                  cml check create --title "Model check" --conclusion failure check.md
                  cml send-github-check check.md
                  cml publish plot.png --md --title ROC > link.md
                  echo "link: $(cat link.md)"
                  echo "plain: $(cml asset publish check.md)"
                  cml runner launch --cloud aws --labels cml-gpu 2> runner.err || echo "runner rc=$?"
                  echo "runner said: $(cat runner.err)"
                  cml tensorboard connect --logdir logs 2> tb.err || echo "tensorboard rc=$?"
                  echo "tb lines: $(wc -l < tb.err)"
                  cml comment create --bogus check.md 2> bogus.err || echo "bogus rc=$?"
                  echo "bogus said: $(cat bogus.err)"
                  echo '![x](plot.png)' > native.md
                  cml comment create --native native.md || echo "native rc=$?"
        """
    )
    repo.commit("workflow")
    run = repo.run("pull_request")
    assert run.returncode == 0, run.stderr
    checks = sorted((run.record / "checks").glob("*.md"))
    assert [c.read_text() for c in checks] == [
        "# Model check\n\nAll good\n",
        "# CML Report\n\nAll good\n",
    ]
    entries = [e for e in _entries(run.record) if e["command"] == "check create"]
    assert [(e["title"], e["conclusion"]) for e in entries] == [
        ("Model check", "failure"),
        ("CML Report", "success"),
    ]
    assert '"cml send-github-check" is deprecated' in run.stderr
    assets = run.record / "assets"
    assert (assets / "1-plot.png").read_bytes() == b"PNG"
    assert f'link: ![]({(assets / "1-plot.png").as_uri()} "ROC")' in run.stderr
    assert f"plain: {(assets / '2-check.md').as_uri()}" in run.stderr
    assert "runner rc=2" in run.stderr
    assert "runner said: cml: cml runner launch registers a self-hosted runner" in run.stderr
    assert "tensorboard rc=2" in run.stderr and "tb lines: 1" in run.stderr
    assert (
        "bogus rc=2" in run.stderr
        and "bogus said: cml comment create: unknown option --bogus" in (run.stderr)
    )
    # --native cannot upload to GitHub: CML fails there, so it fails here.
    assert "Github does not support publish!" in run.stderr and "native rc=1" in run.stderr
    assert "Traceback" not in run.stderr


def test_pr_create_with_nothing_changed_and_a_second_call_for_the_same_branch(repo: Repo) -> None:
    repo.workflow(
        SETUP
        + """\
              - run: |
                  cml pr create README.md && echo "unchanged rc=$?"
                  echo "new" > out.txt
                  cml pr create --md --squash out.txt
                  git checkout -q -
                  echo "again" >> out.txt
                  cml pr out.txt
        """
    )
    repo.commit("workflow")
    run = repo.run("pull_request")
    assert run.returncode == 0, run.stderr
    assert "No changed files matched by glob path. Nothing to do." in run.stderr
    assert "unchanged rc=0" in run.stderr
    pulls = [e for e in _entries(run.record) if e["command"] == "pr create"]
    assert len(pulls) == 1
    assert pulls[0]["merge"] == "squash" and pulls[0]["files"] == ["out.txt"]
    # A merge mode drops CML's "[skip ci]" from the commit message.
    assert "Subject: [PATCH] CML PR for " in (run.record / "pulls" / "1.patch").read_text()
    assert "[skip ci]" not in (run.record / "pulls" / "1.patch").read_text()
    assert f"[CML's Pull Request]({(run.record / 'pulls' / '1.md').as_uri()})" in run.stderr
    assert "Branch main-cml-pr-" in run.stderr and "already exists" in run.stderr


def test_setup_cml_puts_the_vega_tools_on_path_unless_vega_false(repo: Repo) -> None:
    """CML's setup action installs vega-cli and vega-lite (vl2svg, vl2png, vg2svg, vg2png)
    unless ``vega: false`` (iterative/setup-cml's action.yml, input ``vega``); workflows such
    as DVC's example projects pipe a Vega-Lite spec through them into a report."""
    spec = {
        "data": {"values": [{"step": 0, "loss": 1.0}, {"step": 1, "loss": 0.5}]},
        "mark": "line",
        "encoding": {
            "x": {"field": "step", "type": "quantitative"},
            "y": {"field": "loss", "type": "quantitative"},
        },
    }
    repo.write("plot.vl.json", json.dumps(spec))
    repo.workflow("""\
        on: push
        jobs:
          draw:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: iterative/setup-cml@v2
              - run: |
                  vl2svg plot.vl.json plot.svg
                  vl2png < plot.vl.json > plot.png
                  head -c 4 plot.svg; echo
                  od -An -c -N4 plot.png | tr -d ' \\n'; echo
                  echo '{"mark": 3}' | vl2svg || echo "bad spec: $?"
          none:
            runs-on: ubuntu-latest
            steps:
              - uses: iterative/setup-cml@v2
                with: {vega: false}
              - run: command -v vl2svg || echo "no vl2svg"
    """)
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "[draw]   <svg" in run.stderr
    assert "[draw]   211PNG" in run.stderr.replace("\\", "")
    assert "bad spec: 1" in run.stderr
    assert "[none]   no vl2svg" in run.stderr
