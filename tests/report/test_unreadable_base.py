"""The gate fails closed, and the report quotes DVC's reason, when metrics cannot be loaded.

A tiny DVC project of our own: one stage writes ``metrics.json`` (a cached output, DVC's
default for ``metrics:``). When the base's ``dvc.lock`` records that output but its data is
not in the cache (a CI runner that could not pull it), DVC answers "No storage files
available"; that base has a baseline we cannot read, which is not the same as a base that
never produced metrics (DVC's "metrics show" gives the same error for both; the lock tells
them apart: https://dvc.org/doc/user-guide/project-structure/dvcyaml-files#dvclock-file).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.report.conftest import dvc, git, report

TRAIN = 'import json\njson.dump({"acc": float(open("p").read())}, open("metrics.json", "w"))\n'
DVC_YAML = """\
stages:
  train:
    cmd: python train.py
    deps: [p, train.py]
    metrics: [metrics.json]
"""


def _project(root: Path, *, run_at_base: bool) -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    dvc(root, "init", "-q")
    (root / "train.py").write_text(TRAIN)
    (root / "dvc.yaml").write_text(DVC_YAML)
    (root / "p").write_text("0.5\n")
    if run_at_base:
        dvc(root, "repro", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def test_base_whose_metrics_are_not_in_the_cache_fails_the_gate(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", run_at_base=True)
    (root / "p").write_text("0.6\n")
    dvc(root, "repro", "-q")
    shutil.rmtree(root / ".dvc" / "cache")  # the base's data: neither here nor on a remote

    result = report(root, "--base", "main", "--out", "r.md", "--fail-on", "regressed")
    assert result.returncode == 1, result.stderr
    reason = (
        "declares metrics but DVC could not load them: `metrics.json`: No storage files available"
    )
    assert reason in result.stderr.strip().splitlines()[-1]
    assert "--allow-missing-base" in result.stderr
    markdown = (root / "r.md").read_text()
    assert "**Verdict: ❗ base unreadable**" in markdown
    assert reason in markdown
    assert "This check fails" in markdown

    # opting in to a missing baseline: the same report, the gate passes
    result = report(
        root, "--base", "main", "--out", "r.md", "--fail-on", "regressed", "--allow-missing-base"
    )
    assert result.returncode == 0, result.stderr
    assert reason in (root / "r.md").read_text()


def test_base_that_never_produced_metrics_is_no_baseline(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", run_at_base=False)  # dvc.yaml committed, never run
    dvc(root, "repro", "-q")
    result = report(root, "--base", "main", "--fail-on", "regressed")
    assert result.returncode == 0, result.stderr
    assert "**Verdict: 🆕 no baseline**" in result.stdout


def test_declared_metrics_that_cannot_be_loaded_say_so(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", run_at_base=False)  # declared, never produced anywhere
    result = report(root, "--base", "main")
    assert result.returncode == 0, result.stderr
    assert "the pipeline declares no metrics" not in result.stdout
    assert "the pipeline declares metrics but DVC could not load them: `metrics.json`: " in (
        result.stdout
    )


def test_dvc_status_failure_quotes_dvcs_reason(tmp_path: Path) -> None:
    """An imported file whose source repository is gone: `dvc status` fails with "SCM
    error"; the report gives the reason DVC chains beneath it."""
    source = _project(tmp_path / "source", run_at_base=True)
    root = _project(tmp_path / "p", run_at_base=True)
    dvc(root, "import", "-q", str(source), "metrics.json", "-o", "imported.json")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "import")
    shutil.rmtree(source)
    result = report(root, "--base", "main")
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if "`dvc status` failed" in x)
    assert "SCM error: Failed to clone repo" in line
    assert f"No git repository was found at {source}" in line
