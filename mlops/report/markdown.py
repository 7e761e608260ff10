"""The report as GitHub-flavoured markdown, kept under GitHub's comment size limit.

Layout: hidden marker, title, verdict, metrics table, changed params
(all params folded), plots, pipeline status (folded), reproduce-locally footer. When the
text would exceed the limit, the longest tables lose rows first (with a note saying so),
and as a last resort the text is cut at a line boundary.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mlops.report.compare import MISSING, MetricRow, ParamRow, display, format_number
from mlops.report.stages import RUN_LABELS

if TYPE_CHECKING:
    from mlops.report.model import Report

GITHUB_COMMENT_LIMIT = 65_536
# Room for what CML adds after us: its watermark (~150 characters) and, per image, the
# uploaded URL replacing the relative path (~120 characters).
WATERMARK_ALLOWANCE = 400
PER_IMAGE_ALLOWANCE = 160
MARKER_PREFIX = "<!-- mlops-report"
TABLES = ("all_params", "params", "metrics", "stages")
MAX_CELL = 120

STATUS_TEXT = {
    "improved": "✅ improved",
    "regressed": "🔻 regressed",
    "unchanged": "unchanged",
    "changed": "≠ changed",
    "added": "🆕 new",
    "removed": "❌ removed",
}


def budget(image_count: int) -> int:
    return GITHUB_COMMENT_LIMIT - WATERMARK_ALLOWANCE - PER_IMAGE_ALLOWANCE * image_count


def cell(value: Any, code: bool = False) -> str:
    """A table cell; ``code``: exact values in backticks (params)."""
    text = " ".join(display(value, exact=code).split())
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    text = text.replace("|", "\\|")
    if code and text and value is not MISSING:
        text = f"`{text.replace('`', 'ˋ')}`"
    return text


def _marker_value(text: str) -> str:
    return re.sub(r"\s+", "_", text).replace("--", "-").replace(">", "")


def marker(report: Report) -> str:
    base, head = report.base, report.head
    return (
        f"{MARKER_PREFIX}:v1 base={_marker_value(base.spec)}@{base.short} "
        f"head={_marker_value(head.label)}@{head.short or 'none'} "
        f"verdict={report.verdict.word} -->"
    )


def render(report: Report, limit: int | None = None) -> str:
    """The whole report; tables lose rows (with a note) until it fits in ``limit``.

    Tables give way in order: all params, changed params, metrics, stages; each keeps as
    many rows as fit (found by bisection), so the report uses the room it has.
    """
    limit = budget(report.image_count()) if limit is None else limit
    rows: dict[str, int | None] = dict.fromkeys(TABLES)
    text = _render(report, rows)
    for name in TABLES:
        if len(text) <= limit:
            return text
        low, high = 0, _table_size(report, name)
        rows[name] = 0
        text = _render(report, rows)
        if len(text) > limit:
            continue  # too long even without this table's rows: shrink the next one too
        while low < high:
            middle = (low + high + 1) // 2
            rows[name] = middle
            if len(_render(report, rows)) <= limit:
                low = middle
            else:
                high = middle - 1
        rows[name] = low
        text = _render(report, rows)
    if len(text) <= limit:
        return text
    return _hard_cut(text, limit)


def _hard_cut(text: str, limit: int) -> str:
    note = (
        "\n\n> ✂️ **Report cut here** to stay under GitHub's 65,536-character comment limit; "
        "run `mlops report` locally for the rest.\n"
    )
    keep = text[: max(0, limit - len(note) - 40)]
    keep = keep[: keep.rfind("\n")] if "\n" in keep else keep
    opened = keep.count("<details") - keep.count("</details>")
    return keep + "\n" + "\n</details>" * max(0, opened) + note


def _table_size(report: Report, name: str) -> int:
    return {
        "all_params": len(report.params),
        "params": sum(1 for p in report.params if p.changed),
        "metrics": len(report.metrics),
        "stages": len(report.stages),
    }[name]


def _truncated(items: list[Any], limit: int | None) -> tuple[list[Any], str]:
    if limit is None or len(items) <= limit:
        return items, ""
    hidden = len(items) - limit
    return items[:limit], (
        f"\n\n> ✂️ {hidden} more row{'s' if hidden != 1 else ''} not shown: the report is "
        "truncated to stay under GitHub's 65,536-character comment limit "
        "(`mlops report --format json` has everything)."
    )


def _render(report: Report, rows: dict[str, int | None]) -> str:
    parts = [marker(report), _title(report), _verdict_block(report)]
    parts.append(_metrics_section(report, rows["metrics"]))
    parts.append(_registry_section(report))
    parts.append(_params_section(report, rows["params"], rows["all_params"]))
    parts.append(_plots_section(report))
    parts.append(_stages_section(report, rows["stages"]))
    parts.append(_footer(report))
    return "\n\n".join(part for part in parts if part) + "\n"


def _title(report: Report) -> str:
    return f"## 🧪 Model report — `{report.head.label}` vs `{report.base.label}`"


def _count_phrase(report: Report) -> str:
    verdict = report.verdict
    counts, total = verdict.counts, verdict.total
    noun = "metric" if total == 1 else "metrics"
    if verdict.word == "unreadable":
        return f"DVC could not read the metrics of `{report.head.label}` (see below)"
    if verdict.word == "base-unreadable":
        return f"`{report.base.label}` declares metrics but DVC could not load them: " + "; ".join(
            report.base_unreadable
        )
    if verdict.word == "no-metrics":
        if report.head_unloaded:
            return "the pipeline declares metrics but DVC could not load them: " + "; ".join(
                report.head_unloaded
            )
        if counts.get("removed"):
            return f"this revision has no metrics; {counts['removed']} removed since the base"
        return "the pipeline declares no metrics (add `metrics:` to a stage in dvc.yaml)"
    if verdict.word == "no-baseline":
        return (
            f"`{report.base.label}` has no metrics to compare with; "
            f"{counts['added']} {'metric' if counts['added'] == 1 else 'metrics'} "
            "reported for the first time"
        )
    order = ["regressed", "improved", "changed", "added", "removed", "unchanged"]
    names = {"added": "new"}
    lead = verdict.word if verdict.word in ("regressed", "improved") else None
    phrases = []
    if lead:
        phrases.append(f"{counts[lead]} of {total} {noun} {lead}")
    for key in order:
        if key == lead or not counts.get(key):
            continue
        phrases.append(f"{counts[key]} {names.get(key, key)}")
    if not lead and counts.get("unchanged") == total:
        return f"all {total} {noun} unchanged" if total > 1 else "the metric is unchanged"
    return ", ".join(phrases)


def _pipeline_phrase(report: Report) -> str:
    stages = report.stages
    if not stages:
        return ""
    bits: list[str] = []
    if report.has_log and any(s.run for s in stages):
        for key in ("ran", "restored", "skipped"):
            count = sum(1 for s in stages if s.run == key)
            if count:
                word = "stage" if count == 1 else "stages"
                bits.append(
                    f"{count} {word} {RUN_LABELS[key]}"
                    if not bits
                    else f"{count} {RUN_LABELS[key]}"
                )
    if not bits:
        changed = sum(1 for s in stages if s.since_base in ("changed", "new"))
        bits.append(f"{changed} of {len(stages)} stages changed since `{report.base.label}`")
    stale = sum(1 for s in stages if s.stale)
    if stale:
        bits.append(f"⚠️ {stale} not reproduced")
    return "pipeline: " + ", ".join(bits)


def _verdict_block(report: Report) -> str:
    verdict = report.verdict
    word = verdict.word.replace("-", " ")
    line = f"**Verdict: {verdict.emoji} {word}** — {_count_phrase(report)}"
    pipeline = _pipeline_phrase(report)
    if pipeline:
        line += f" · {pipeline}"
    base, head = report.base, report.head
    head_text = f"`{head.label}@{head.short}`" if head.short else f"`{head.label}`"
    compared = (
        f"Compared `{base.spec}@{base.short}` (base) → {head_text}"
        f"{' with uncommitted changes' if report.dirty else ''} (workspace)"
    )
    if report.run_url:
        compared += f" · [workflow run]({report.run_url})"
    lines = [line, compared]
    gate = report.gate
    if gate is not None:
        flags = " ".join(f"--fail-on {mode}" for mode in gate.modes)
        if gate.failed:
            lines.append(f"> ❌ **This check fails** (`mlops report {flags}`): {gate.reason}")
        else:
            lines.append(f"> ✅ This check passes (`mlops report {flags}`): {gate.reason}")
    lines += [f"> ⚠️ {warning}" for warning in report.warnings]
    lines += [f"> ℹ️ {note}" for note in report.notes]
    return "  \n".join(lines[:2]) + ("\n\n" + "\n>\n".join(lines[2:]) if lines[2:] else "")


def _metric_name(row: MetricRow, with_path: bool) -> str:
    name = f"`{row.path}:{row.name}`" if with_path else f"`{row.name}`"
    if not row.numeric:
        return name
    return f"{name} {'↑' if row.direction == 'higher' else '↓'}"


def _delta(row: MetricRow) -> tuple[str, str]:
    if row.delta is None:
        return "—", "—"
    if row.delta == 0:
        return "0", "0%"
    absolute = format_number(row.delta, signed=True)
    relative = "—" if row.relative is None else f"{row.relative * 100:+.2f}%"
    return absolute, relative


def _status(row: MetricRow) -> str:
    if row.status == "within":
        return f"≈ within ±{format_number(row.threshold)}"
    text = STATUS_TEXT[row.status]
    if row.beyond_threshold:
        text = f"**{text}** (beyond ±{format_number(row.threshold)})"
    return text


def _metrics_section(report: Report, limit: int | None) -> str:
    lines = ["### Metrics"]
    if not report.metrics:
        lines.append(
            "No metrics to compare: no stage in dvc.yaml declares `metrics:`, or "
            "no metrics file exists in either revision."
        )
        return "\n\n".join(lines)
    with_path = len({row.path for row in report.metrics}) > 1
    shown, note = _truncated(_metric_order(report.metrics), limit)
    table = [
        f"| Metric | `{report.base.label}` | `{report.head.label}` | Δ | Δ % | |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in shown:
        absolute, relative = _delta(row)
        table.append(
            f"| {_metric_name(row, with_path)} | {cell(row.base)} | {cell(row.new)} "
            f"| {absolute} | {relative} | {_status(row)} |"
        )
    lines.append("\n".join(table) + note)
    legend = "↑ higher is better, ↓ lower is better"
    thresholds = sorted({row.threshold for row in report.metrics if row.threshold > 0})
    if thresholds:
        legend += "; changes smaller than a metric's threshold count as unchanged (≈)"
    legend += "; set direction and threshold per metric in `[tool.mlops.report]` (pyproject.toml)"
    lines.append(f"<sub>{legend}.</sub>")
    return "\n\n".join(lines)


def _registry_section(report: Report) -> str:
    """Per stage of the model registry (GTO tags): the version in it now, and its metrics
    beside the candidate's — what merging and promoting this change would replace."""
    if not report.registry:
        return ""
    lines = ["### Model registry"]
    for entry in report.registry:
        tag = f", tag `{entry.tag}`" if entry.tag else ""
        heading = (
            f"**{entry.stage}**: `{entry.artifact}` `{entry.version}` (commit `{entry.short}`{tag})"
        )
        numeric = [row for row in entry.metrics if row.numeric]
        if not numeric:
            lines.append(f"{heading}: no metrics at its commit to compare.")
            continue
        table = [
            f"| Metric | in {entry.stage} (`{entry.version}`) | candidate | Δ | |",
            "|---|---:|---:|---:|---|",
        ]
        with_path = len({row.path for row in numeric}) > 1
        for row in numeric:
            absolute, _ = _delta(row)
            table.append(
                f"| {_metric_name(row, with_path)} | {cell(row.base)} | {cell(row.new)} "
                f"| {absolute} | {_status(row)} |"
            )
        lines.append(f"{heading}; the candidate would replace it:\n\n" + "\n".join(table))
    return "\n\n".join(lines)


def _metric_order(rows: list[MetricRow]) -> list[MetricRow]:
    # Regressions first, then improvements, so a truncated table keeps what matters.
    rank = {"regressed": 0, "improved": 1, "changed": 2, "added": 3, "removed": 4}
    return sorted(rows, key=lambda row: rank.get(row.status, 5))


def _param_name(row: ParamRow, with_path: bool) -> str:
    return f"`{row.path}:{row.name}`" if with_path else f"`{row.name}`"


def _params_section(report: Report, limit: int | None, all_limit: int | None) -> str:
    lines = ["### Params"]
    if not report.params:
        lines.append("No params tracked (no params.yaml, and no stage declares `params:`).")
        return "\n\n".join(lines)
    with_path = len({row.path for row in report.params}) > 1
    changed = [row for row in report.params if row.changed]
    base, head = report.base.label, report.head.label
    if not changed:
        lines.append(f"No params changed ({len(report.params)} params, all equal).")
    else:
        shown, note = _truncated(changed, limit)
        table = [f"| Param | `{base}` | `{head}` |", "|---|---|---|"]
        for row in shown:
            table.append(
                f"| {_param_name(row, with_path)} | {cell(row.base, code=True)} "
                f"| {cell(row.new, code=True)} |"
            )
        lines.append("\n".join(table) + note)
    shown, note = _truncated(report.params, all_limit)
    table = [f"| Param | `{base}` | `{head}` | |", "|---|---|---|---|"]
    for row in shown:
        mark = {"changed": "changed", "added": "new", "removed": "removed"}.get(row.status, "")
        table.append(
            f"| {_param_name(row, with_path)} | {cell(row.base, code=True)} "
            f"| {cell(row.new, code=True)} | {mark} |"
        )
    lines.append(
        f"<details><summary>All params ({len(report.params)})</summary>\n\n"
        + "\n".join(table)
        + note
        + "\n\n</details>"
    )
    return "\n\n".join(lines)


def _image(alt: str, path: str) -> str:
    alt = alt.replace("[", "(").replace("]", ")")
    return f"![{alt}]({path})"


def _plots_section(report: Report) -> str:
    lines = ["### Plots"]
    if report.plots_note:
        lines.append(report.plots_note)
        return "\n\n".join(lines)
    data = [p for p in report.plots if p.kind != "image"]
    images = [p for p in report.plots if p.kind == "image"]
    if not data and not images:
        lines.append("No plots tracked (declare `plots:` in dvc.yaml to see them here).")
        return "\n\n".join(lines)
    prefix = report.plots_dir_rel.rstrip("/") + "/" if report.plots_dir_rel else ""
    curves = [p for p in data if p.kind != "confusion" and "plot" in p.files]
    for start in range(0, len(curves), 2):
        pair = curves[start : start + 2]
        header = " | ".join(_plot_title(p) for p in pair)
        images_row = " | ".join(_image(p.title, prefix + p.files["plot"]) for p in pair)
        lines.append(f"| {header} |\n|{'---|' * len(pair)}\n| {images_row} |")
    for plot in data:
        if plot.kind == "confusion" and "plot" in plot.files:
            lines.append(
                f"**{_plot_title(plot)}**\n\n{_image(plot.title, prefix + plot.files['plot'])}"
            )
    notes = [f"- **{p.title}**: {note}" for p in data for note in p.notes]
    notes += [
        f"- **{p.title}**: no data to draw" for p in data if "plot" not in p.files and not p.notes
    ]
    if notes:
        lines.append("\n".join(notes))
    if data:
        lines.append(
            f"<sub>Base `{report.base.label}` dashed grey (left in matrices), "
            f"`{report.head.label}` solid; drawn offline from the plot data DVC tracks.</sub>"
        )
    if images:
        changed = [p for p in images if p.changed]
        table = [f"| Image | `{report.base.label}` | `{report.head.label}` |", "|---|---|---|"]
        for plot in changed:
            base_cell = _image("base", prefix + plot.files["base"]) if "base" in plot.files else "—"
            head_cell = _image("this", prefix + plot.files["head"]) if "head" in plot.files else "—"
            table.append(f"| `{plot.id}` | {base_cell} | {head_cell} |")
        body = "\n".join(table) if changed else "No image changed."
        same = [p for p in images if not p.changed]
        if same:
            body += "\n\nUnchanged: " + ", ".join(f"`{p.id}`" for p in same) + "."
        lines.append(
            f"<details><summary>Images ({len(changed)} changed, {len(same)} unchanged)"
            f"</summary>\n\n{body}\n\n</details>"
        )
    return "\n\n".join(lines)


def _plot_title(plot: Any) -> str:
    return f"{plot.title}{'' if plot.changed else ' (unchanged)'}".replace("|", "\\|")


def _stage_since(row: Any, base_label: str) -> str:
    text = {
        "changed": "changed: " + "; ".join(row.changes),
        "unchanged": "unchanged",
        "new": f"new (no `dvc.lock` entry at `{base_label}`)",
        "removed": "removed",
        "unknown": "; ".join(row.changes) or "unknown",
    }[row.since_base]
    if row.stale:
        text += " · ⚠️ **not reproduced**: " + "; ".join(row.stale)
    return text.replace("|", "\\|")


def _stages_section(report: Report, limit: int | None) -> str:
    if not report.stages:
        return ""
    base = report.base.label
    shown, note = _truncated(report.stages, limit)
    if report.has_log:
        table = [f"| Stage | This run | Since `{base}` |", "|---|---|---|"]
        for row in shown:
            run = RUN_LABELS.get(row.run or "", "not in the log")
            table.append(f"| `{row.name}` | {run} | {_stage_since(row, base)} |")
    else:
        table = [f"| Stage | Since `{base}` (dvc.lock) |", "|---|---|"]
        for row in shown:
            table.append(f"| `{row.name}` | {_stage_since(row, base)} |")
    summary = _pipeline_phrase(report).removeprefix("pipeline: ")
    body = "\n".join(table) + note
    if not report.has_log:
        body += (
            "\n\n<sub>From dvc.lock at the base vs the workspace, and `dvc status`. Pass the "
            "output of `dvc repro` with `--repro-log` to show which stages ran or were "
            "restored from the run-cache.</sub>"
        )
    return f"<details><summary>Pipeline: {summary}</summary>\n\n{body}\n\n</details>"


def _footer(report: Report) -> str:
    base = report.base
    steps = []
    remote_branch = base.spec.split("/", 1) if base.spec != base.label else None
    if remote_branch and len(remote_branch) == 2:
        steps.append(f"git fetch {remote_branch[0]} {remote_branch[1]}")
    steps += ["dvc repro", f"mlops report --base {base.spec}"]
    return (
        f"---\n<sub>Reproduce locally: `{' && '.join(steps)}` · "
        f"generated by mlops {report.version}</sub>"
    )


IMAGE_PATTERN = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def without_images(markdown: str) -> str:
    """The report for places that cannot show local images (the job summary)."""
    return IMAGE_PATTERN.sub(lambda m: f"*[{m.group(1)}: `{m.group(2)}`]*", markdown)
