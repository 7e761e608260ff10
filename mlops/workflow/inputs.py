"""Workflow inputs as GitHub delivers them: ``workflow_dispatch`` and ``workflow_call``.

The ``inputs`` context holds every declared input, given or defaulted, typed by its
declaration: a ``boolean`` is a boolean and a ``number`` a number there, while the event
payload (``github.event.inputs``) carries them as strings, as GitHub's does
(docs: "Contexts", the inputs context; "Events that trigger workflows", workflow_dispatch).
Pure: no execution; the caller evaluates expressions in ``with:`` and defaults.
"""

from __future__ import annotations

import math
from typing import Any

from mlops.workflow.model import InputSpec, Workflow, scalar_text


class InputError(ValueError):
    """A value that does not fit the input's declared type."""


def typed(spec: InputSpec, value: Any) -> Any:
    """``value`` as the ``inputs`` context holds it for an input declared as ``spec``.

    No value and no default is false for a boolean, 0 for a number and '' otherwise
    (docs: on.workflow_call.inputs.<input_id>.default).
    """
    if value is None:
        return {"boolean": False, "number": 0}.get(spec.type, "")
    if spec.type == "boolean":
        if isinstance(value, bool):
            return value
        text = scalar_text(value).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise InputError(f"input {spec.name!r} is a boolean; got {scalar_text(value)!r}")
    if spec.type == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        try:
            number = float(scalar_text(value).strip())
        except ValueError:
            raise InputError(
                f"input {spec.name!r} is a number; got {scalar_text(value)!r}"
            ) from None
        return int(number) if math.isfinite(number) and number.is_integer() else number
    return scalar_text(value)


def missing_required(workflow: Workflow, given: dict[str, Any]) -> list[str]:
    """Required ``workflow_dispatch`` inputs that are neither given nor defaulted."""
    return [
        spec.name
        for spec in workflow.dispatch_inputs.values()
        if spec.required and spec.default is None and spec.name not in given
    ]


def dispatch_inputs(workflow: Workflow, given: dict[str, Any]) -> dict[str, Any]:
    """The ``inputs`` context of a workflow run by ``workflow_dispatch``: its declared inputs,
    given or defaulted, typed (a value that does not fit its type is kept as given)."""
    context: dict[str, Any] = {}
    for name, spec in workflow.dispatch_inputs.items():
        value = given.get(name, spec.default)
        try:
            context[name] = typed(spec, value)
        except InputError:
            context[name] = value
    return context


def started_inputs(workflow: Workflow, event_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The ``inputs`` context of a workflow its event started (not one another workflow
    called): a ``workflow_dispatch`` run's declared inputs, typed; else the event's inputs."""
    given = payload.get("inputs")
    given = dict(given) if isinstance(given, dict) else {}
    if event_name == "workflow_dispatch" and workflow.dispatch_inputs:
        return dispatch_inputs(workflow, given)
    return given


def dispatch_payload_inputs(workflows: list[Workflow], given: dict[str, Any]) -> dict[str, str]:
    """``github.event.inputs``: every input given or defaulted, each as a string."""
    payload: dict[str, str] = {}
    for workflow in workflows:
        for name, spec in workflow.dispatch_inputs.items():
            if spec.default is not None:
                payload[name] = scalar_text(spec.default)
    for name, value in given.items():
        payload[name] = "" if value is None else scalar_text(value)
    return payload


def call_inputs(called: Workflow, with_: dict[str, Any]) -> dict[str, Any]:
    """The ``inputs`` context of a called (reusable) workflow: ``with:`` values (already
    evaluated) over the declared defaults (already evaluated), typed."""
    context: dict[str, Any] = {}
    for name, spec in called.call_inputs.items():
        value = with_.get(name, spec.default)
        context[name] = typed(spec, value)
    return context
