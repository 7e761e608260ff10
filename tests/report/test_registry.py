"""`mlops report` names what is in each stage of the model registry (GTO's git tags) now,
and the metrics the pull request's candidate would replace — read with GTO's Python API
from real tags made by the `gto` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.report.conftest import History, clean_env, git, report

GTO = str(Path(sys.executable).parent / "gto")


def gto(root: Path, *args: str) -> None:
    result = subprocess.run(
        [GTO, *args], cwd=root, env=clean_env(), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"gto {' '.join(args)}: {result.stderr}"


def test_the_report_names_each_stage_and_the_metrics_the_candidate_would_replace(
    project: Path, history: History
) -> None:
    main_metrics = json.loads(git(project, "show", "main:reports/metrics.json"))
    gto(project, "register", "model", "main", "--version", "v1.0.0")  # on main, not exp
    gto(project, "assign", "model", "--version", "v1.0.0", "--stage", "prod")
    gto(project, "assign", "model", "--version", "v1.0.0", "--stage", "staging")

    result = report(project, "--base", "main")
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("### Model registry")[1].split("\n### ")[0]
    for stage, tag in (("prod", "model#prod#1"), ("staging", "model#staging#2")):
        assert (
            f"**{stage}**: `model` `v1.0.0` (commit `{history.main[:7]}`, tag `{tag}`); "
            "the candidate would replace it:" in section
        )
    # exp's C=0.01 model is worse than the one in prod: the table says so, with prod's value.
    accuracy = next(line for line in section.splitlines() if line.startswith("| `accuracy`"))
    assert f"| {main_metrics['accuracy']:.4f} |" in accuracy and "regressed" in accuracy

    document = json.loads(report(project, "--base", "main", "--format", "json").stdout)
    prod = next(entry for entry in document["registry"] if entry["stage"] == "prod")
    assert (prod["artifact"], prod["version"], prod["sha"]) == ("model", "v1.0.0", history.main)
    row = next(row for row in prod["metrics"] if row["name"] == "accuracy")
    assert row["in_stage"] == main_metrics["accuracy"] and row["status"] == "regressed"


def test_without_registry_tags_there_is_no_registry_section(project: Path) -> None:
    git(project, "tag", "v1.0.0")  # a release tag is not GTO's
    result = report(project, "--base", "main", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["registry"] == []
    assert "Model registry" not in report(project, "--base", "main").stdout
