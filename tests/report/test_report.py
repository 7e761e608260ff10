"""`mlops report` on a real repository: real git, real dvc, real plots (no mocks)."""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.report.conftest import (
    History,
    dvc,
    edit_json,
    git,
    images_in,
    report,
    set_param,
)

pytestmark = pytest.mark.slow

GITHUB_LIMIT = 65_536


def _metrics(root: Path, rev: str) -> dict[str, float]:
    return json.loads(git(root, "show", f"{rev}:reports/metrics.json"))


def _row(markdown: str, name: str) -> list[str]:
    for line in markdown.splitlines():
        if line.startswith(f"| `{name}`"):
            return [cell.strip() for cell in line.strip().strip("|").split("|")]
    raise AssertionError(f"no table row for {name}:\n{markdown}")


def _ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_param_change_shows_metric_deltas_changed_param_and_plots(
    project: Path, history: History
) -> None:
    result = report(project, "--base", "main", "--out", "report.md")
    _ok(result)
    markdown = (project / "report.md").read_text()
    assert markdown.startswith("<!-- mlops-report:v1 base=main@")
    assert len(markdown) < GITHUB_LIMIT

    base, head = _metrics(project, "main"), _metrics(project, "exp")
    assert base != head
    for name in base:
        row = _row(markdown, name)
        assert row[1] == f"{base[name]:.4f}" and row[2] == f"{head[name]:.4f}", row
        delta = head[name] - base[name]
        if delta:
            assert row[3] == f"{delta:+.4f}", row
            assert row[4] == f"{delta / abs(base[name]) * 100:+.2f}%", row
    assert "↓" in _row(markdown, "log_loss")[0]  # lower is better for a loss
    assert "↑" in _row(markdown, "accuracy")[0]
    accuracy = _row(markdown, "accuracy")[5]
    assert ("regressed" if head["accuracy"] < base["accuracy"] else "improved") in accuracy
    assert re.search(r"\*\*Verdict: .* (regressed|improved)\*\* — \d+ of 7 metrics", markdown)

    # the changed param: first table names it with both values
    changed = markdown.split("### Params", 1)[1].split("<details>", 1)[0]
    assert _row(changed, "train.logistic_regression.C")[1:] == ["`1.0`", "`0.01`"]
    assert "train.seed" not in changed

    def leaves(node: object) -> int:
        return sum(map(leaves, node.values())) if isinstance(node, dict) else 1

    every_param = leaves(yaml.safe_load((project / "params.yaml").read_text()))
    assert f"<summary>All params ({every_param})</summary>" in markdown

    # every referenced image exists and is a PNG; the three data plots are drawn
    images = images_in(markdown, project)
    assert {p.name for p in images} >= {"roc.png", "precision-recall.png", "confusion.png"}
    for image in images:
        assert image.is_file(), image
        assert image.read_bytes()[:4] == b"\x89PNG"
        assert image.parent == project / "report-plots"
    assert "Reproduce locally: `dvc repro && mlops report --base main`" in markdown
    assert "report.md" in result.stderr  # one summary line for the human


def test_json_has_the_same_content(project: Path) -> None:
    result = report(project, "--base", "main", "--format", "json", "--out", "report.json")
    _ok(result)
    document = json.loads((project / "report.json").read_text())
    assert document["base"]["label"] == "main" and document["head"]["label"] == "exp"
    verdict = document["verdict"]
    assert sum(verdict["counts"].values()) == verdict["total"] == 7
    by_name = {m["name"]: m for m in document["metrics"]}
    assert by_name["log_loss"]["direction"] == "lower"
    assert by_name["accuracy"]["delta"] == pytest.approx(
        by_name["accuracy"]["head"] - by_name["accuracy"]["base"]
    )
    changed = [p["name"] for p in document["params"] if p["status"] == "changed"]
    assert changed == ["train.logistic_regression.C"]
    for plot in document["plots"]:
        for file in plot["files"].values():
            assert (project / file).is_file()
    assert [s["name"] for s in document["stages"]] == ["prepare", "train", "evaluate"]


def test_stdout_without_out_writes_no_files(project: Path) -> None:
    result = report(project, "--base", "main")
    _ok(result)
    assert result.stdout.startswith("<!-- mlops-report")
    assert "pass `--out FILE`" in result.stdout
    assert "![" not in result.stdout
    assert git(project, "status", "--porcelain") == ""


def test_step_summary_is_appended(project: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = report(
        project, "--base", "main", "--out", "report.md", env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    _ok(result)
    text = summary.read_text()
    assert text.startswith("earlier step\n<!-- mlops-report")
    assert "train.logistic_regression.C" in text
    assert "![" not in text  # local images cannot show in a job summary
    assert "report-plots/roc.png" in text


def test_default_base_is_the_pull_request_base(project: Path, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(project, "clone", "-q", "--bare", str(project), str(origin))
    git(project, "remote", "add", "origin", str(origin))
    git(project, "fetch", "-q", "origin")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "base": {"ref": "main"}}}))
    env = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_HEAD_REF": "exp",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/model",
        "GITHUB_RUN_ID": "42",
    }
    result = report(project, env=env)
    _ok(result)
    assert "base=origin/main@" in result.stdout.splitlines()[0]
    assert "[workflow run](https://github.com/acme/model/actions/runs/42)" in result.stdout
    assert "`git fetch origin main && dvc repro && mlops report --base origin/main`" in (
        result.stdout
    )


def test_default_base_without_event_is_the_default_branch(project: Path) -> None:
    result = report(project)
    _ok(result)
    assert "base=main@" in result.stdout.splitlines()[0]


def test_stage_status_from_lock_files(project: Path) -> None:
    result = report(project, "--base", "main")
    _ok(result)
    rows = result.stdout.split("<summary>Pipeline:", 1)[1]
    assert "2 of 3 stages changed since `main`" in rows
    assert _row(rows, "prepare")[1] == "unchanged"
    assert "params `train.logistic_regression.C`" in _row(rows, "train")[1]
    assert "deps `models/model.joblib`" in _row(rows, "evaluate")[1]
    assert "not reproduced" not in rows


def test_stage_status_from_repro_log_ran_and_restored(
    project: Path, history: History, tmp_path: Path
) -> None:
    log = tmp_path / "repro.log"
    log.write_text(history.repro_log)
    result = report(project, "--base", "main", "--repro-log", str(log))
    _ok(result)
    rows = result.stdout.split("<summary>Pipeline:", 1)[1]
    assert _row(rows, "prepare")[1] == "skipped (up to date)"
    assert _row(rows, "train")[1] == "ran"
    assert _row(rows, "evaluate")[1] == "ran"
    assert "pipeline: 2 stages ran, 1 skipped (up to date)" in result.stdout

    # back to main's C: DVC restores both stages from its run-cache instead of running them
    set_param(project, "C: 0.01", "C: 1.0")
    log.write_text(dvc(project, "repro"))
    result = report(project, "--base", "main", "--repro-log", str(log))
    _ok(result)
    rows = result.stdout.split("<summary>Pipeline:", 1)[1]
    assert _row(rows, "train")[1] == "restored from run-cache"
    assert _row(rows, "evaluate")[1] == "restored from run-cache"
    assert _row(rows, "train")[2] == "unchanged"  # same lock entry as main again
    assert "**Verdict: ➖ unchanged** — all 7 metrics unchanged" in result.stdout


def test_stale_pipeline_is_flagged(project: Path) -> None:
    set_param(project, "max_iter: 1000", "max_iter: 999")  # not reproduced
    result = report(project, "--base", "main")
    _ok(result)
    assert "⚠️ 1 not reproduced" in result.stdout
    train = _row(result.stdout.split("<summary>Pipeline:", 1)[1], "train")[1]
    assert "not reproduced" in train and "params.yaml" in train
    assert "with uncommitted changes" in result.stdout


def test_first_pull_request_has_no_base_metrics(project: Path, history: History) -> None:
    result = report(project, "--base", history.initial, "--out", "report.md")
    _ok(result)
    markdown = (project / "report.md").read_text()
    assert "**Verdict: 🆕 no baseline**" in markdown
    assert "7 metrics reported for the first time" in markdown
    assert _row(markdown, "accuracy")[1] == "—" and _row(markdown, "accuracy")[5] == "🆕 new"
    assert "no data at" in markdown  # plots: only this revision has data
    for image in images_in(markdown, project):
        assert image.is_file(), image
    stages = markdown.split("<summary>Pipeline:", 1)[1]
    assert "new (no `dvc.lock` entry" in _row(stages, "train")[1]


def test_no_metrics_at_all(project: Path, history: History) -> None:
    dvc_yaml = project / "dvc.yaml"
    text = dvc_yaml.read_text()
    dvc_yaml.write_text(re.sub(r"    metrics:\n      - reports/metrics.json:\n.*\n", "", text))
    assert "metrics:" not in dvc_yaml.read_text()
    result = report(project, "--base", history.initial, "--format", "md")
    _ok(result)
    assert "**Verdict: ℹ️ no metrics**" in result.stdout
    assert "No metrics to compare" in result.stdout
    result = report(project, "--base", history.initial, "--format", "json")
    _ok(result)
    document = json.loads(result.stdout)
    assert document["metrics"] == [] and document["verdict"]["result"] == "no-metrics"


def test_metric_added_and_removed(project: Path) -> None:
    def change(metrics: dict) -> None:
        del metrics["log_loss"]
        metrics["mcc"] = 0.91

    edit_json(project / "reports/metrics.json", change)
    result = report(project, "--base", "main")
    _ok(result)
    assert _row(result.stdout, "mcc")[1:] == ["—", "0.9100", "—", "—", "🆕 new"]
    assert _row(result.stdout, "log_loss")[2] == "—"
    assert _row(result.stdout, "log_loss")[5] == "❌ removed"
    assert "1 new, 1 removed" in result.stdout
    assert "of 7 metrics" in result.stdout or "of 8 metrics" in result.stdout


def test_non_numeric_metrics(project: Path) -> None:
    git(project, "checkout", "-q", "-b", "base2", "main")

    def at_base(metrics: dict) -> None:
        metrics.update({"model": "lr-v1", "calibrated": True, "weird": 0.5})

    edit_json(project / "reports/metrics.json", at_base)
    git(project, "commit", "-q", "-am", "metrics with text")
    git(project, "checkout", "-q", "exp")

    def at_head(metrics: dict) -> None:
        metrics.update(
            {
                "model": "lr-v2",
                "calibrated": True,
                "weird": math.nan,
                "per_class": {"benign": {"f1": 0.97}},
                "history": [0.5, 0.7],
            }
        )

    edit_json(project / "reports/metrics.json", at_head)
    result = report(project, "--base", "base2")
    _ok(result)
    out = result.stdout
    assert _row(out, "model")[1:3] == ["lr-v1", "lr-v2"] and _row(out, "model")[5] == "≠ changed"
    assert _row(out, "calibrated")[1:3] == ["true", "true"]
    assert _row(out, "calibrated")[5] == "unchanged"
    assert _row(out, "weird")[2] == "NaN" and _row(out, "weird")[5] == "≠ changed"
    assert _row(out, "per_class.benign.f1")[2] == "0.9700"  # nested metrics are flattened
    assert "`history`" not in out  # DVC reads no lists as metrics
    assert "↑" not in _row(out, "model")[0]  # no direction for text
    assert "2 changed" in out
    document = json.loads(report(project, "--base", "base2", "--format", "json").stdout)
    weird = next(m for m in document["metrics"] if m["name"] == "weird")
    assert weird["head"] == "NaN" and weird["status"] == "changed"


def test_infinity_and_nan_in_plot_data(project: Path) -> None:
    roc = project / "reports/plots/roc.json"
    points = json.loads(roc.read_text())
    points[1]["tpr"] = math.inf
    points[2]["fpr"] = math.nan
    points.append({"fpr": "Infinity", "tpr": -math.inf})
    roc.write_text(json.dumps(points))  # Python writes Infinity / NaN, as sklearn users do
    assert "Infinity" in roc.read_text() and "NaN" in roc.read_text()
    result = report(project, "--base", "main", "--out", "out/report.md")
    _ok(result)
    markdown = (project / "out/report.md").read_text()
    assert "**ROC curve**: 3 points left out (Infinity, NaN or not a number)" in markdown
    roc_png = project / "out/report-plots/roc.png"
    assert roc_png.read_bytes()[:4] == b"\x89PNG"
    for image in images_in(markdown, project / "out"):
        assert image.is_file(), image


def test_thresholds_and_directions_from_pyproject(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + "\n[tool.mlops.report]\nthreshold = 0.01\n\n[tool.mlops.report.metrics]\n"
        + 'roc_auc = { threshold = 0.001 }\n"reports/metrics.json:recall" = '
        + '{ direction = "lower" }\n"*_accuracy" = { threshold = 0.5 }\n'
    )
    result = report(project, "--base", "main", "--format", "json")
    _ok(result)
    by_name = {m["name"]: m for m in json.loads(result.stdout)["metrics"]}
    assert by_name["roc_auc"]["threshold"] == 0.001
    assert by_name["roc_auc"]["status"] == "within"  # -0.0003 < 0.001
    assert by_name["balanced_accuracy"]["threshold"] == 0.5
    assert by_name["balanced_accuracy"]["status"] == "within"
    assert by_name["recall"]["direction"] == "lower"
    assert by_name["recall"]["direction_source"] == "config"
    assert by_name["accuracy"]["threshold"] == 0.01
    assert by_name["accuracy"]["beyond_threshold"] is True
    markdown = report(project, "--base", "main").stdout
    assert "≈ within ±0.0010" in _row(markdown, "roc_auc")[5]
    assert "(beyond ±0.0100)" in _row(markdown, "accuracy")[5]


def test_invalid_config_is_one_line_naming_the_file(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.mlops.report.metrics]\nf1 = { direction = "up" }\n'
    )
    line = _one_line_error(report(project, "--base", "main"))
    assert "pyproject.toml" in line and "direction" in line and "'up'" in line


def test_report_stays_under_the_comment_limit(project: Path) -> None:
    value = "x" * 110
    lines = ["wide:"] + [f"  parameter_with_a_long_name_{i:04d}: {value}{i}" for i in range(300)]
    (project / "params.yaml").write_text((project / "params.yaml").read_text() + "\n".join(lines))
    result = report(project, "--base", "main", "--out", "report.md")
    _ok(result)
    markdown = (project / "report.md").read_text()
    assert len(markdown) <= GITHUB_LIMIT - 400  # room for CML's watermark
    assert "✂️" in markdown and "65,536-character comment limit" in markdown
    assert markdown.startswith("<!-- mlops-report")
    assert "Reproduce locally" in markdown  # the footer survives
    assert markdown.count("<details") == markdown.count("</details>")
    assert _row(markdown, "accuracy")  # the metrics survive


def test_unknown_base_is_exit_2_naming_it(project: Path) -> None:
    line = _one_line_error(report(project, "--base", "no-such-branch"))
    assert "'no-such-branch'" in line


def test_shallow_clone_fetches_the_base(project: Path, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(project, "clone", "-q", "--bare", str(project), str(origin))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", "--branch=exp", f"file://{origin}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    assert "origin/main" not in git(clone, "branch", "-r")
    result = report(clone, "--base", "origin/main")
    _ok(result)
    main = git(project, "rev-parse", "main")
    assert f"base=origin/main@{main[:7]}" in result.stdout.splitlines()[0]
    assert "train.logistic_regression.C" in result.stdout


def test_shallow_clone_without_reachable_base_says_how_to_fix(
    project: Path, tmp_path: Path
) -> None:
    origin = tmp_path / "origin.git"
    git(project, "clone", "-q", "--bare", str(project), str(origin))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", "--branch=exp", f"file://{origin}", str(clone))
    git(clone, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    line = _one_line_error(report(clone, "--base", "origin/main"))
    assert "'origin/main'" in line and "shallow clone" in line
    assert "fetch-depth: 0" in line and "git fetch origin main" in line


def test_outside_a_dvc_project_is_exit_2(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    line = _one_line_error(report(tmp_path, "--base", "HEAD"))
    assert "not inside a DVC project" in line


def test_help_documents_the_config() -> None:
    result = report(Path.cwd(), "--help")
    _ok(result)
    assert "[tool.mlops.report]" in result.stdout
    assert "--base REV" in result.stdout and "--format [md|json]" in result.stdout
