"""The inputs of a local action (composite or node): given ``with`` values, then defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops.runner.steps.base import StepFailure

if TYPE_CHECKING:
    from mlops.workflow.schema.actionfile import Action


def action_inputs(action: Action, given: dict[str, str], uses: str) -> dict[str, str]:
    """The ``with`` values, then the action's defaults; a missing required input fails."""
    values: dict[str, str] = {}
    for name, spec in action.inputs.items():
        if name in given:
            values[name] = given[name]
        elif spec.default is not None:
            values[name] = spec.default
        elif spec.required:
            raise StepFailure(f"{uses}: input {name!r} is required")
        else:
            values[name] = ""
    for name, value in given.items():
        values.setdefault(name, value)
    return values
