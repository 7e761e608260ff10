"""From ``mlops run`` options to a checked plan and its text: list, graph or dry run.

Picks the event (reading ``-e FILE``), checks dispatch inputs (given with ``--input`` or in
the payload; required ones only when jobs are to run or be planned), loads and checks every
workflow, and plans. Executes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NotRequired, TypedDict, Unpack

from mlops.errors import UsageError
from mlops.workflow.events import load_event_file, make_event
from mlops.workflow.inputs import dispatch_payload_inputs, missing_required
from mlops.workflow.model import Workflow
from mlops.workflow.plan import Plan, build_plan, load_workflows, workflow_files
from mlops.workflow.repository import Repository


def default_event(workflows: list[Workflow]) -> str:
    """act's rule: the one event all workflows use, else push."""
    events = {event for workflow in workflows for event in workflow.on}
    return next(iter(events)) if len(events) == 1 else "push"


def check_inputs(workflows: list[Workflow], inputs: dict[str, str]) -> None:
    declared = {name: spec for w in workflows for name, spec in w.dispatch_inputs.items()}
    for name, value in inputs.items():
        spec = declared.get(name)
        if spec is None:
            known = ", ".join(sorted(declared)) or "none"
            raise UsageError(
                f"--input {name}: no workflow_dispatch input of that name (inputs: {known})"
            )
        if spec.type == "boolean" and value not in ("true", "false"):
            raise UsageError(f"--input {name}={value}: expected true or false")
        if spec.type == "number":
            try:
                float(value)
            except ValueError:
                raise UsageError(f"--input {name}={value}: expected a number") from None
        if spec.type == "choice" and value not in spec.options:
            raise UsageError(f"--input {name}={value}: choose one of: {', '.join(spec.options)}")


class PlanOptions(TypedDict):
    """The arguments of :func:`make_plan` that come from ``mlops run``'s command line."""

    directory: str
    workflows: str | None
    event_name: str | None
    event_path: str | None
    job: str | None
    matrix_filters: NotRequired[list[tuple[str, str]] | None]
    inputs: NotRequired[dict[str, str] | None]
    variables: NotRequired[dict[str, str] | None]
    actor: NotRequired[str | None]


def make_plan(
    *,
    directory: str,
    workflows: str | None,
    event_name: str | None,
    event_path: str | None,
    job: str | None,
    matrix_filters: list[tuple[str, str]] | None = None,
    inputs: dict[str, str] | None = None,
    check_triggers: bool = True,
    require_inputs: bool = True,
    variables: dict[str, str] | None = None,
    actor: str | None = None,
) -> Plan:
    repo = Repository.at(Path(directory))
    loaded = load_workflows(repo.root, workflow_files(repo.root, workflows))
    name = event_name or default_event(loaded)
    if not any(name in workflow.on for workflow in loaded):  # the schema only then (start-up)
        from mlops.workflow.schema.base import EVENTS

        if name not in EVENTS:
            known = ", ".join(sorted(EVENTS))
            raise UsageError(f"unknown event {name!r}; the events are: {known}")
    payload = load_event_file(event_path) if event_path else None
    given_inputs = dict(inputs or {})
    if name == "workflow_dispatch":
        check_inputs(loaded, given_inputs)
        # Inputs in the -e payload count as given; --input wins over them.
        payload_inputs = (payload or {}).get("inputs")
        if isinstance(payload_inputs, dict):
            given_inputs = {**payload_inputs, **given_inputs}
        for workflow in loaded if require_inputs and check_triggers else ():
            missing = missing_required(workflow, given_inputs)
            if missing:
                raise UsageError(
                    f"{workflow.display_path}: input {missing[0]!r} is required; "
                    f"pass --input {missing[0]}=VALUE"
                )
        given_inputs = dispatch_payload_inputs(loaded, given_inputs)
    event = make_event(name, repo, payload=payload, inputs=given_inputs, actor=actor)
    return build_plan(
        repo.root,
        loaded,
        event,
        job=job,
        matrix_filters=matrix_filters or [],
        check_triggers=check_triggers,
        variables=variables,
    )


def plan_run(*, mode: str, as_json: bool, **options: Unpack[PlanOptions]) -> str:
    """The text ``mlops run`` prints for ``mode`` (list, graph, dry-run)."""
    from mlops.runner import describe

    listing = mode in ("list", "graph") and options.get("event_name") is None
    plan = make_plan(
        check_triggers=not listing,
        require_inputs=mode not in ("list", "graph"),  # listing and graphs never need inputs
        **options,
    )
    if as_json:
        return json.dumps(
            {
                "event": plan.event.name,
                "jobs": describe.job_rows(plan),
                "not_triggered": plan.not_triggered,
            },
            indent=2,
        )
    if mode == "list":
        return describe.job_table(plan)
    if mode == "graph":
        return describe.graph(plan)
    return describe.dry_run(plan)
