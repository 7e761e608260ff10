"""Other people's repositories: ``mlops lint``, ``run -l`` and ``run -n`` over a corpus.

The corpus lives outside this repository (public repositories' files are not ours to
commit): ``../shared/corpus/`` next to the checkout, or ``$MLOPS_CORPUS``. Each repository
is a directory ``NAME/`` (a small snapshot: workflows, action.yml, dvc.yaml, ...) with its
expectations in ``NAME.expect.yml`` beside it::

    source: https://github.com/OWNER/REPO@SHA (licence)   # where the snapshot is from
    events: [push, pull_request]    # default: every event its workflows declare that runs plan
    refused:                        # events GitHub would refuse too: text of the one line
      workflow_dispatch: "input 'model' is required"
    lint:
      tools: false                  # also run the wrapped linters (slower)
      accepted:                     # error findings reviewed and accepted, "path:line rule"
        - ".github/workflows/ci.yml:12 unpinned-action"

A repository passes when every event lists (``-l``) and dry-runs (``-n``) with exit 0 (or
is refused as recorded), and lint's errors are exactly the accepted ones. The harness itself
is checked on a corpus of our own (tests/data/corpus/), so it works before one is supplied.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops.workflow.model import WorkflowError
from mlops.workflow.schema.loader import load_workflow
from tests.conftest import REPO_ROOT, run_mlops

CORPUS = Path(os.environ.get("MLOPS_CORPUS") or REPO_ROOT.parent / "shared" / "corpus")
OWN = REPO_ROOT / "tests" / "data" / "corpus"
PLANNABLE = {
    "push",
    "pull_request",
    "pull_request_target",
    "workflow_dispatch",
    "schedule",
    "merge_group",
    "workflow_run",
    "release",
    "repository_dispatch",
}
GIT = ["git", "-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid"]


def repositories(corpus: Path) -> list[Path]:
    if not corpus.is_dir():
        return []
    return sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))


def _copy(source: Path, tmp: Path) -> Path:
    root = tmp / source.name
    shutil.copytree(source, root, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    subprocess.run([*GIT, "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(
        [
            *GIT,
            "-C",
            str(root),
            "remote",
            "add",
            "origin",
            f"https://github.com/corpus/{root.name}",
        ],
        check=True,
    )
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-qm", "snapshot"], check=True)
    return root


def _events(root: Path) -> list[str]:
    found: set[str] = set()
    for path in sorted((root / ".github" / "workflows").glob("*.y*ml")):
        try:
            found |= set(load_workflow(path).on)
        except WorkflowError:  # run says what is wrong; plan the events it names anyway
            document = yaml.safe_load(path.read_text()) or {}
            on = document.get("on", document.get(True)) if isinstance(document, dict) else None
            found |= {on} if isinstance(on, str) else set(on or ())
    return sorted(found & PLANNABLE)


def check(source: Path, tmp: Path) -> list[str]:
    """What differs from the recorded expectations, one line each (empty: as expected)."""
    expect_file = source.parent / f"{source.name}.expect.yml"
    expect: dict[str, Any] = (
        yaml.safe_load(expect_file.read_text()) or {} if expect_file.is_file() else {}
    )
    root = _copy(source, tmp)
    problems: list[str] = []
    refused: dict[str, str] = expect.get("refused") or {}
    for event in expect.get("events") or _events(root):
        for flag in ("-l", "-n"):
            result = run_mlops("run", event, flag, "-C", str(root), timeout=120)
            if "Traceback" in result.stderr:
                problems.append(f"run {event} {flag}: a traceback")
            elif event in refused:
                if result.returncode != 2 or refused[event] not in result.stderr:
                    problems.append(
                        f"run {event} {flag}: expected refusal {refused[event]!r}, got exit "
                        f"{result.returncode}: {result.stderr.strip()[-300:]}"
                    )
            elif result.returncode != 0:
                problems.append(
                    f"run {event} {flag}: exit {result.returncode}: {result.stderr.strip()[-300:]}"
                )
    lint = expect.get("lint") or {}
    args = ["lint", "--format", "json", *([] if lint.get("tools") else ["--no-tools"])]
    result = run_mlops(*args, cwd=root, timeout=300)
    if result.returncode == 2 or "Traceback" in result.stderr:
        problems.append(f"lint: exit {result.returncode}: {result.stderr.strip()[-300:]}")
        return problems
    found = {
        f"{f['file']}:{f['line']} {f['rule']}"
        for f in json.loads(result.stdout)["findings"]
        if f["severity"] == "error"
    }
    accepted = set(lint.get("accepted") or ())
    problems += [f"lint: unexpected error {item}" for item in sorted(found - accepted)]
    problems += [
        f"lint: accepted error no longer found {item}" for item in sorted(accepted - found)
    ]
    return problems


SUPPLIED = repositories(CORPUS)


@pytest.mark.parametrize("source", SUPPLIED or [None], ids=lambda p: p.name if p else "none")
def test_supplied_corpus(source: Path | None, tmp_path: Path) -> None:
    if source is None:
        pytest.skip(f"no corpus at {CORPUS} (supply snapshots there, or set MLOPS_CORPUS)")
    assert check(source, tmp_path) == []


@pytest.mark.parametrize("source", repositories(OWN), ids=lambda p: p.name)
def test_own_corpus(source: Path, tmp_path: Path) -> None:
    """Our fixtures in the shapes public ML repositories have (each cites the docs)."""
    assert check(source, tmp_path) == []


def test_the_harness_reports_what_differs(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "bad" / ".github" / "workflows").mkdir(parents=True)
    (corpus / "bad" / ".github" / "workflows" / "w.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: a\n"
        "    steps: [{run: echo}]\n"
    )
    (corpus / "bad.expect.yml").write_text(
        "lint: {accepted: ['.github/workflows/w.yml:9 needs']}\n"
    )
    problems = check(corpus / "bad", tmp_path / "work")
    assert any(p.startswith("run push -l: exit 2") for p in problems), problems
    assert "lint: unexpected error .github/workflows/w.yml:5 needs" in problems
    assert "lint: accepted error no longer found .github/workflows/w.yml:9 needs" in problems
