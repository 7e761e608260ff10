"""Text views of a plan: the job list (``-l``), the graph (``-g``) and the dry run (``-n``)."""

from __future__ import annotations

import json
from typing import Any

from mlops.workflow.matrix import leg_display_name
from mlops.workflow.plan import Plan, PlannedJob


def _events(planned: PlannedJob) -> str:
    return ",".join(planned.workflow.on)


def job_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per job: what ``-l`` prints, and ``--json`` emits."""
    return [
        {
            "stage": planned.stage,
            "job_id": planned.key,
            "job_name": planned.name,
            "workflow": planned.workflow.display_name,
            "file": planned.workflow.display_path,
            "events": list(planned.workflow.on),
            "matrix_legs": None if planned.legs is None else len(planned.legs),
        }
        for stage in plan.stages
        for planned in stage
    ]


def job_table(plan: Plan) -> str:
    headers = ["Stage", "Job ID", "Job name", "Workflow name", "Workflow file", "Events"]
    rows = [
        [
            str(row["stage"]),
            row["job_id"],
            row["job_name"],
            row["workflow"],
            row["file"],
            ",".join(row["events"]),
        ]
        for row in job_rows(plan)
    ]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def graph(plan: Plan) -> str:
    """Stages top to bottom, each a row of boxed job ids, with what each job needs."""
    out: list[str] = []
    for index, stage in enumerate(plan.stages):
        if index:
            out.append("  ↓")
        labels = [p.key for p in stage]
        out.append(" ".join("╭" + "─" * (len(label) + 2) + "╮" for label in labels))
        out.append(" ".join(f"│ {label} │" for label in labels))
        out.append(" ".join("╰" + "─" * (len(label) + 2) + "╯" for label in labels))
        needs = [f"{p.key} ← {', '.join(p.needs)}" for p in stage if p.needs]
        out.extend(f"  {line}" for line in needs)
    return "\n".join(out)


def dry_run(plan: Plan) -> str:
    """What a run would do, job by job and step by step; nothing is executed."""
    out = [f"Event: {plan.event.name} (ref {plan.event.ref}, sha {plan.event.sha[:7]})"]
    if plan.event.changed_files:
        shown = ", ".join(plan.event.changed_files[:5])
        more = len(plan.event.changed_files) - 5
        out.append(f"Changed files: {shown}" + (f" and {more} more" if more > 0 else ""))
    for path, reason in plan.not_triggered.items():
        out.append(f"Not triggered: {path} ({reason})")
    for stage_index, stage in enumerate(plan.stages):
        out.append("")
        out.append(f"Stage {stage_index}:")
        for planned in stage:
            out.extend(_job_lines(planned))
    return "\n".join(out)


def _job_lines(planned: PlannedJob) -> list[str]:
    job = planned.job
    head = f"  {planned.key}: {planned.name}  [{planned.workflow.display_path}]"
    lines = [head]
    lines.extend(f"    warning: {warning}" for warning in planned.warnings)
    if planned.needs:
        lines.append(f"    needs: {', '.join(planned.needs)}")
    if planned.skipped_reason:
        lines.append(f"    skipped ({planned.skipped_reason})")
        return lines
    if job.if_:
        lines.append(f"    if: {job.if_}")
    if job.uses:
        inputs = json.dumps(planned.inputs, sort_keys=True) if planned.inputs else "{}"
        lines.append(f"    calls {job.uses} with {inputs}")
        return lines
    lines.append(f"    runs-on: {json.dumps(job.runs_on)}")
    if planned.legs is None:
        lines.append("    matrix: resolved at run time (built from an expression)")
    elif len(planned.legs) > 1 or planned.legs[0]:
        lines.append(f"    matrix: {len(planned.legs)} legs")
        # A name: with an expression is evaluated per leg when it runs; here the legs go by
        # the names the run records them under (the job id and the leg's values).
        shown = planned.key if "${{" in (job.name or "") else planned.name
        for leg in planned.legs[:20]:
            lines.append(f"      - {leg_display_name(shown, leg)}")
        if len(planned.legs) > 20:
            lines.append(f"      … and {len(planned.legs) - 20} more")
    for step in job.steps:
        condition = f"  (if: {step.if_})" if step.if_ else ""
        lines.append(f"    {step.index + 1}. {step.display_name}{condition}")
    return lines
