"""Read an action's metadata file (action.yml): inputs, outputs and how it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.errors import Location, UsageError
from mlops.workflow.model import Step, scalar_text
from mlops.workflow.yamlnodes import Mapping, Sequence, YamlError, parse_yaml, to_python


@dataclass
class ActionInput:
    name: str
    default: str | None = None
    required: bool = False


@dataclass
class Action:
    path: Path  # the action.yml
    name: str
    using: str  # composite | node12/16/20/24 | docker
    inputs: dict[str, ActionInput] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)  # name -> value expression (composite)
    steps: list[Step] = field(default_factory=list)
    runs: dict[str, Any] = field(default_factory=dict)


def find_action_file(directory: Path) -> Path | None:
    for name in ("action.yml", "action.yaml"):
        if (directory / name).is_file():
            return directory / name
    return None


def load_action(directory: Path, shown: str) -> Action:
    path = find_action_file(directory)
    if path is None:
        raise UsageError(f"{shown}: no action.yml or action.yaml")
    try:
        root = parse_yaml(path.read_bytes())
    except YamlError as error:
        raise UsageError(
            error.message, location=Location(str(path), error.line, error.column)
        ) from None
    if not isinstance(root, Mapping) or not isinstance(root.get("runs"), Mapping):
        raise UsageError(f"{path}: an action needs a 'runs' mapping")
    data = to_python(root)
    runs = data["runs"]
    using = str(runs.get("using", ""))
    action = Action(path, str(data.get("name") or directory.name), using, runs=runs)
    for name, spec in (data.get("inputs") or {}).items():
        spec = spec or {}
        default = spec.get("default")
        action.inputs[name] = ActionInput(
            name, None if default is None else scalar_text(default), bool(spec.get("required"))
        )
    for name, spec in (data.get("outputs") or {}).items():
        action.outputs[name] = (spec or {}).get("value")
    if using == "composite":
        steps_node = root.get("runs").get("steps")  # type: ignore[union-attr]
        if not isinstance(steps_node, Sequence):
            raise UsageError(f"{path}: a composite action needs 'runs.steps'")
        action.steps = _composite_steps(path, steps_node)
    return action


def _composite_steps(path: Path, steps_node: Sequence) -> list[Step]:
    """Composite steps, checked with the workflow loader's step rules."""
    from mlops.workflow.model import Job, Pos
    from mlops.workflow.schema.jobs import JobChecks

    checker = JobChecks(path, str(path))
    job = Job(id="composite", pos=Pos(steps_node.line, steps_node.column))
    checker.steps(steps_node, job)
    errors = [d for d in checker.diagnostics if d.severity == "error"]
    if errors:
        first = errors[0]
        raise UsageError(first.message, location=Location(first.path, first.line, first.column))
    for step in job.steps:
        if step.run is not None and not step.shell:
            raise UsageError(
                "a composite action's run step needs 'shell'",
                location=Location(str(path), step.pos.line, step.pos.column),
            )
    return job.steps
