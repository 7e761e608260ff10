"""Build the report: resolve the base, read DVC once, compare, render plots, write output."""

from __future__ import annotations

import json
import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from mlops.errors import UsageError
from mlops.report.base import Revision, head_revision, is_dirty, resolve_base
from mlops.report.compare import MISSING, compare_metrics, compare_params, verdict
from mlops.report.config import load_config
from mlops.report.gate import evaluate, has_thresholds
from mlops.report.model import Report
from mlops.report.registry import stage_versions


def plots_dir_for(out: Path) -> Path:
    """PNG files go beside the report: report.md -> report-plots/."""
    return out.parent / f"{out.stem}-plots"


def run_url(environ: dict[str, str]) -> str | None:
    server, repository, run_id = (
        environ.get("GITHUB_SERVER_URL"),
        environ.get("GITHUB_REPOSITORY"),
        environ.get("GITHUB_RUN_ID"),
    )
    if server and repository and run_id:
        return f"{server}/{repository}/actions/runs/{run_id}"
    return None


def build_report(
    *,
    start: Path,
    base_spec: str | None,
    out: Path | None,
    plots: bool = True,
    repro_log: Path | None = None,
    environ: dict[str, str] | None = None,
    fail_on: tuple[str, ...] = (),
    allow_missing_base: bool = False,
) -> Report:
    env = dict(os.environ if environ is None else environ)
    log_text = None
    if repro_log is not None:
        try:
            log_text = repro_log.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise UsageError(f"--repro-log {repro_log}: {error.strerror or error}") from None

    from mlops.report.collect import collect, open_repo

    repo = open_repo(start)
    try:
        root = Path(repo.root_dir)
        base = resolve_base(root, base_spec, env)
        head = head_revision(root, env)
        config = load_config(root)
        if "threshold" in fail_on and not has_thresholds(config):
            raise UsageError(
                "--fail-on threshold: no metric has a threshold above 0 in "
                f"{root / 'pyproject.toml'} (set `threshold` in [tool.mlops.report] or per metric)"
            )
        if base.label == head.label:  # e.g. on main, compared with main: tell them apart
            base = replace(base, label=f"{base.label}@{base.short}")
            head = replace(head, label=f"{head.label} (workspace)")
        labels = {"base": base.label, "head": head.label}
        data = collect(
            repo,
            base.sha or "",
            labels,
            want_plots=plots,
            repro_log=log_text,
            head_sha=head.sha,
        )
        dirty = is_dirty(root)
        registry = stage_versions(root, data.warnings)
        if registry:
            from mlops.report.collect import metrics_at

            at = metrics_at(repo, sorted({entry.sha for entry in registry}), data.warnings)
            for entry in registry:
                entry.metrics = compare_metrics(at.get(entry.sha, {}), data.metrics_head, config)
    finally:
        repo.close()

    metric_rows = compare_metrics(data.metrics_base, data.metrics_head, config)
    base_has_metrics = any(values for values in data.metrics_base.values())
    result = verdict(metric_rows, base_has_metrics)
    head_has_metrics = any(values for values in data.metrics_head.values())
    if data.head_unreadable:
        result.word = "unreadable"
    elif metric_rows and not head_has_metrics:
        result.word = "no-metrics"
    elif data.base_unreadable and not base_has_metrics:
        result.word = "base-unreadable"
    warnings = list(data.warnings)
    if data.base_unreadable and result.word != "base-unreadable":
        warnings.append(
            f"`{base.label}` declares metrics but DVC could not load them: "
            + "; ".join(data.base_unreadable)
        )
    report = Report(
        base=base,
        head=head,
        dirty=dirty,
        metrics=metric_rows,
        verdict=result,
        params=compare_params(data.params_base, data.params_head),
        stages=data.stages,
        has_log=log_text is not None,
        warnings=warnings,
        notes=data.notes,
        run_url=run_url(env),
        config_source=config.source,
        lock_stale=data.lock_stale,
        base_unreadable=data.base_unreadable,
        head_unloaded=data.head_unloaded,
        registry=registry,
    )
    if fail_on:
        report.gate = evaluate(
            fail_on,
            metric_rows,
            result,
            base_unreadable=[] if allow_missing_base else data.base_unreadable,
        )
    if not plots:
        report.plots_note = "Plots not rendered (`--no-plots`)."
    elif out is None:
        count = len(data.plots) + len(data.images)
        report.plots_note = (
            f"{count} plot{'s' if count != 1 else ''} not rendered: pass `--out FILE` to "
            "draw them as PNG files beside the report."
            if count
            else "No plots tracked (declare `plots:` in dvc.yaml to see them here)."
        )
    elif data.plots or data.images:
        from mlops.report.plots import render_all

        directory = plots_dir_for(out)
        report.plots = render_all(data.plots, data.images, directory, labels)
        report.plots_dir = directory
        report.plots_dir_rel = os.path.relpath(directory, out.parent).replace(os.sep, "/")
    return report


def _jsonable(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def to_json(report: Report) -> str:
    """The same content as the markdown, structured; non-finite numbers become strings."""
    from mlops.report.markdown import marker

    def revision(rev: Revision) -> dict[str, Any]:
        return {"spec": rev.spec, "sha": rev.sha, "label": rev.label, "source": rev.source}

    document = {
        "version": 1,
        "mlops": report.version,
        "marker": marker(report),
        "base": revision(report.base),
        "head": {**revision(report.head), "dirty": report.dirty},
        "verdict": {
            "result": report.verdict.word,
            "counts": report.verdict.counts,
            "total": report.verdict.total,
        },
        "gate": None
        if report.gate is None
        else {
            "fail_on": list(report.gate.modes),
            "failed": report.gate.failed,
            "reason": report.gate.reason,
        },
        "lock_stale": report.lock_stale,
        "base_unreadable": report.base_unreadable,
        "head_unloaded": report.head_unloaded,
        "registry": [
            {
                "artifact": entry.artifact,
                "stage": entry.stage,
                "version": entry.version,
                "sha": entry.sha,
                "tag": entry.tag,
                "metrics": [
                    {
                        "path": row.path,
                        "name": row.name,
                        "in_stage": row.base,
                        "candidate": row.new,
                        "delta": row.delta,
                        "status": row.status,
                    }
                    for row in entry.metrics
                ],
            }
            for entry in report.registry
        ],
        "metrics": [
            {
                "path": row.path,
                "name": row.name,
                "base": row.base,
                "head": row.new,
                "delta": row.delta,
                "relative_delta": row.relative,
                "direction": row.direction,
                "direction_source": row.direction_source,
                "threshold": row.threshold,
                "status": row.status,
                "beyond_threshold": row.beyond_threshold,
            }
            for row in report.metrics
        ],
        "params": [
            {
                "path": row.path,
                "name": row.name,
                "base": row.base,
                "head": row.new,
                "status": row.status,
            }
            for row in report.params
        ],
        "plots": [
            {
                "id": plot.id,
                "title": plot.title,
                "kind": plot.kind,
                "changed": plot.changed,
                "revisions": plot.revs,
                "files": {
                    key: f"{report.plots_dir_rel}/{name}" for key, name in plot.files.items()
                },
                "notes": plot.notes,
            }
            for plot in report.plots
        ],
        "plots_note": report.plots_note,
        "stages": [
            {
                "name": row.name,
                "since_base": row.since_base,
                "changes": row.changes,
                "run": row.run,
                "stale": row.stale,
            }
            for row in report.stages
        ],
        "warnings": report.warnings,
        "notes": report.notes,
        "run_url": report.run_url,
        "config": report.config_source,
    }
    return json.dumps(_jsonable(document), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
