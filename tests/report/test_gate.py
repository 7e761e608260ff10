"""`mlops report --fail-on` as a CI gate, and the stale-dvc.lock warning, on real repositories.

Branch ``exp`` trains with C=0.01 where ``main`` has C=1.0: a worse model. The gate must
write the report first (file or stdout, as usual), then exit 1 with one line saying why.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mlops.report.compare import MISSING, Verdict, compare_metric, verdict
from mlops.report.config import ReportConfig
from mlops.report.gate import evaluate, has_thresholds
from tests.report.conftest import History, dvc, git, report, set_param


def _failed(result: subprocess.CompletedProcess[str]) -> str:
    """The one line saying why the gate failed (after the usual summary line)."""
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("mlops: error: report check failed"), result.stderr
    return lines[-1]


def _add_config(project: Path, text: str) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n" + text)


@pytest.mark.slow
def test_regressed_model_writes_the_report_then_exits_1(project: Path) -> None:
    result = report(project, "--base", "main", "--out", "report.md", "--fail-on", "regressed")
    line = _failed(result)
    markdown = (project / "report.md").read_text()
    assert "**Verdict: ⚠️ regressed**" in markdown
    assert "> ❌ **This check fails** (`mlops report --fail-on regressed`)" in markdown
    assert "metrics regressed: " in line and "accuracy" in line
    assert (project / "report-plots" / "roc.png").is_file()  # plots drawn before failing
    assert "report.md" in result.stderr  # the usual summary line is still there

    # to stdout, and as JSON: the same gate, the report still printed in full
    result = report(project, "--base", "main", "--format", "json", "--fail-on", "regressed")
    _failed(result)
    document = json.loads(result.stdout)
    assert document["gate"]["failed"] is True
    assert document["gate"]["fail_on"] == ["regressed"]
    assert document["verdict"]["result"] == "regressed"


@pytest.mark.slow
def test_improved_model_passes(project: Path, history: History) -> None:
    git(project, "checkout", "-q", "main")  # C=1.0, compared with exp's C=0.01: better
    result = report(project, "--base", "exp", "--fail-on", "regressed")
    assert result.returncode == 0, result.stderr
    assert "**Verdict: ✅ improved**" in result.stdout
    assert "> ✅ This check passes (`mlops report --fail-on regressed`)" in result.stdout
    assert "error" not in result.stderr


@pytest.mark.slow
def test_threshold_gate_counts_only_metrics_with_a_threshold(project: Path) -> None:
    # no threshold anywhere: the gate could never fail, which is a configuration mistake
    result = report(project, "--base", "main", "--fail-on", "threshold")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "pyproject.toml" in result.stderr
    assert not result.stdout

    # a wide threshold on accuracy only: its drop is within it, the other metrics are free
    _add_config(project, "[tool.mlops.report.metrics]\naccuracy = { threshold = 0.5 }\n")
    result = report(project, "--base", "main", "--fail-on", "threshold")
    assert result.returncode == 0, result.stderr
    assert "**Verdict: ⚠️ regressed**" in result.stdout  # log_loss, f1... still regress
    assert "This check passes (`mlops report --fail-on threshold`)" in result.stdout

    # a tight one: accuracy dropped by more than it
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("threshold = 0.5", "threshold = 0.001"))
    line = _failed(report(project, "--base", "main", "--fail-on", "threshold"))
    assert "1 metric regressed beyond the threshold: accuracy -" in line
    assert "(threshold 0.0010)" in line


@pytest.mark.slow
def test_stale_dvc_lock_is_reported(project: Path) -> None:
    result = report(project, "--base", "main", "--format", "json")
    assert json.loads(result.stdout)["lock_stale"] == []  # committed lock matches

    # what CI sees when the branch changed params but did not commit the new dvc.lock
    set_param(project, "C: 0.01", "C: 0.5")
    git(project, "commit", "-q", "-am", "Change C, forget dvc repro")
    dvc(project, "repro")
    result = report(project, "--base", "main")
    assert result.returncode == 0, result.stderr
    assert "> ⚠️ `dvc.lock` on `exp` is stale: reproducing the pipeline changed" in result.stdout
    assert "`train`, `evaluate`" in result.stdout
    document = json.loads(report(project, "--base", "main", "--format", "json").stdout)
    assert document["lock_stale"] == ["train", "evaluate"]


def _rows(pairs: dict[str, tuple[float, float]], config: ReportConfig) -> list:
    return [compare_metric("m.json", name, old, new, config) for name, (old, new) in pairs.items()]


def test_gate_decisions() -> None:
    config = ReportConfig(metrics={"acc": {"threshold": 0.05}})
    rows = _rows({"acc": (0.9, 0.88), "f1": (0.9, 0.7)}, config)
    result = verdict(rows, True)
    assert evaluate(("regressed",), rows, result).failed
    assert evaluate(("regressed",), rows, result).reason == "1 of 2 metrics regressed: f1 -0.2000"
    assert not evaluate(("threshold",), rows, result).failed  # acc within 0.05, f1 free
    rows = _rows({"acc": (0.9, 0.8)}, config)
    assert evaluate(("threshold",), rows, verdict(rows, True)).failed

    # nothing at the base: nothing to compare, never a failure; lost metrics fail
    first = [compare_metric("m.json", "acc", MISSING, 0.9, config)]
    assert not evaluate(("regressed",), first, verdict(first, False)).failed
    lost = [compare_metric("m.json", "acc", 0.9, MISSING, config)]
    assert evaluate(("regressed",), lost, verdict(lost, True)).failed
    assert evaluate(("regressed",), [], Verdict("unreadable")).failed
    assert not evaluate((), rows, verdict(rows, True)).failed

    assert not has_thresholds(ReportConfig())
    assert has_thresholds(ReportConfig(threshold=0.01))
    assert has_thresholds(config)
