"""Read and check an action's metadata file (``action.yml`` / ``action.yaml``): the one reader
``mlops run`` (local composite and node actions) and ``mlops lint`` share.

:func:`read_action` gives the action model and every finding, each with ``file:line:col``
and a severity:

- ``error``: what GitHub's runner refuses to load (its ``ActionManifestManager`` and
  ``action_yaml.json`` schema): not a mapping; ``name``/``description`` that are not strings;
  ``inputs``/``outputs`` that are not mappings of mappings, an output key other than
  ``description``/``value``; no ``runs`` mapping; a ``runs`` key no kind of action has; no
  ``using``, or one other than ``composite``, ``docker`` and ``node12|16|20|24``; a docker
  action without ``image``, a node action without ``main``, a composite action without a list
  of ``steps``; composite steps as the workflow loader checks steps, each ``run`` step with a
  ``shell``.
- ``warning``: what GitHub's runner tolerates but its metadata syntax calls required or does
  not know (the marketplace and actionlint flag them): no ``name`` or ``description``, an
  unknown top-level key, a composite output without ``value``, a ``runs`` key this kind of
  action ignores.

The runner refuses an action on its first error (:func:`load_action`); lint reports all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.errors import UsageError
from mlops.workflow.expressions.availability import TABLE, Availability
from mlops.workflow.model import ACTION_FILES, Diagnostic, Job, Pos, Step, scalar_text
from mlops.workflow.schema.jobs import JobChecks
from mlops.workflow.yamlnodes import (
    Mapping,
    Node,
    Scalar,
    Sequence,
    YamlError,
    parse_yaml,
    to_python,
)

RULE = "action-metadata"
NODE_VERSIONS = ("node12", "node16", "node20", "node24")
USING = ("composite", "docker", *NODE_VERSIONS)
# The metadata syntax's top-level keys; GitHub's runner ignores any other.
TOP_KEYS = ("name", "author", "description", "inputs", "outputs", "runs", "branding")
# The keys of each kind of ``runs`` (the schema's one-of: a key of another kind is ignored,
# a key of no kind refused).
RUNS_KEYS = {
    "docker": {
        "using",
        "image",
        "entrypoint",
        "args",
        "env",
        "pre-entrypoint",
        "pre-if",
        "post-entrypoint",
        "post-if",
    },
    "node": {"using", "main", "pre", "pre-if", "post", "post-if"},
    "composite": {"using", "steps"},
    "plugin": {"plugin"},
}
_ALL_RUNS_KEYS = set().union(*RUNS_KEYS.values())
_OUTPUT_KEYS = {"description", "value"}
# A composite action's steps (action_yaml.json's run-step and uses-step): fewer keys than a
# workflow step has (no timeout-minutes), and fewer contexts (no secrets, vars or needs).
_RUN_STEP_KEYS = {"name", "id", "if", "run", "env", "continue-on-error", "working-directory"}
_RUN_STEP_KEYS |= {"shell"}
_USES_STEP_KEYS = {"name", "id", "if", "uses", "continue-on-error", "with", "env"}
_STEP_CONTEXTS = {"github", "inputs", "strategy", "matrix", "steps", "job", "runner", "env"}
_WORKFLOW_STEP = "jobs.<job_id>.steps."
_COMPOSITE_TABLE = {
    **{
        "runs.steps." + key.removeprefix(_WORKFLOW_STEP): Availability(
            frozenset(_STEP_CONTEXTS), allowed.functions
        )
        for key, allowed in TABLE.items()
        if key.startswith(_WORKFLOW_STEP)
    },
    "inputs.<input_id>.default": Availability(
        frozenset({"github", "strategy", "matrix", "job", "runner"}), frozenset({"hashfiles"})
    ),
    "outputs.<output_id>.value": Availability(frozenset(_STEP_CONTEXTS)),
}
_INPUT_KEYS = {"description", "required", "default", "deprecationMessage"}


@dataclass
class ActionInput:
    name: str
    default: str | None = None
    required: bool = False


@dataclass
class Action:
    path: Path  # the action.yml
    name: str
    using: str  # composite | node12/16/20/24 | docker (lower case)
    description: str | None = None
    inputs: dict[str, ActionInput] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)  # name -> value expression (composite)
    steps: list[Step] = field(default_factory=list)
    runs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ActionFile:
    """What reading one action.yml gave: the action (``None`` when GitHub refuses it), every
    finding, and the parsed YAML (for lint's own checks of composite steps)."""

    action: Action | None
    diagnostics: list[Diagnostic]
    root: Mapping | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def find_action_file(directory: Path) -> Path | None:
    for name in ACTION_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


def load_action(directory: Path, shown: str) -> Action:
    """The action in ``directory`` (``shown`` is how the user named it), or a
    :class:`UsageError` ``file:line:col: message`` for the first problem GitHub refuses."""
    path = find_action_file(directory)
    if path is None:
        raise UsageError(f"{shown}: no action.yml or action.yaml")
    read = read_action(path, _shown_file(shown, path))
    if read.errors or read.action is None:
        first = read.errors[0]
        raise UsageError(first.message, location=first.location)
    return read.action


def _shown_file(shown: str, path: Path) -> str:
    """``.github/actions/x/action.yml`` for ``uses: ./.github/actions/x``: the path as the
    repository (and ``mlops lint`` run at its root) names it; else the file's own path."""
    if shown.startswith("./"):
        directory = shown[2:].strip("/")
        return f"{directory}/{path.name}" if directory else path.name
    return str(path)


def read_action(path: Path, shown: str, data: bytes | None = None) -> ActionFile:
    """Read and check ``path`` (named ``shown`` in findings); ``data`` when already read."""
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            reason = f"cannot read: {error.strerror or error}"
            return ActionFile(None, [Diagnostic(shown, 1, 1, reason, rule=RULE)])
    try:
        root = parse_yaml(data)
    except YamlError as error:
        return ActionFile(
            None, [Diagnostic(shown, error.line, error.column, error.message, rule="yaml")]
        )
    checks = _ActionChecks(path, shown)
    action = checks.action(root)
    found = checks.diagnostics + checks.steps_checker.diagnostics
    diagnostics = sorted(found, key=lambda d: (d.line, d.column))
    if any(d.severity == "error" for d in diagnostics):
        action = None
    return ActionFile(action, diagnostics, root if isinstance(root, Mapping) else None)


class _ActionChecks:
    """The checks of one action.yml; the steps of a composite action go through the
    workflow loader's step checks."""

    def __init__(self, path: Path, shown: str) -> None:
        self.path = path
        self.shown = shown
        self.steps_checker = _CompositeStepChecks(path, shown)
        self.diagnostics: list[Diagnostic] = []

    def error(self, where: Node | Pos, message: str, rule: str = RULE) -> None:
        self.diagnostics.append(Diagnostic(self.shown, where.line, where.column, message, rule))

    def warning(self, where: Node | Pos, message: str) -> None:
        self.diagnostics.append(
            Diagnostic(self.shown, where.line, where.column, message, RULE, severity="warning")
        )

    def action(self, root: Node | None) -> Action | None:
        if root is None:
            self.error(Pos(1, 1), "the action file is empty; an action needs 'runs'")
            return None
        if not isinstance(root, Mapping):
            self.error(root, f"an action.yml must be a mapping of keys, got {_kind(root)}")
            return None
        for key, _ in root:
            if key.value not in TOP_KEYS:
                self.warning(
                    key,
                    f"unknown key {key.value!r} (GitHub ignores it); expected one of: "
                    + ", ".join(TOP_KEYS),
                )
        name = self.text(root, "name")
        description = self.text(root, "description")
        for required, value in (("name", name), ("description", description)):
            if value is None and root.key_node(required) is None:
                self.warning(
                    root,
                    f"an action should have a {required!r} (GitHub's metadata syntax requires "
                    "it; the marketplace refuses an action without one)",
                )
        inputs = self.inputs(root.get("inputs"))
        runs_node = root.get("runs")
        if runs_node is None:
            anchor = root.key_node("runs") or root
            self.error(anchor, "an action needs a 'runs' mapping (how it runs)")
            using = ""
        else:
            using = self.runs(runs_node)
        outputs = self.outputs(root.get("outputs"), using)
        if not isinstance(runs_node, Mapping):
            return None
        action = Action(
            self.path,
            name or self.path.parent.name,
            using,
            description=description,
            inputs=inputs,
            outputs=outputs,
            runs=to_python(runs_node),
        )
        if using == "composite":
            action.steps = self.composite_steps(runs_node.get("steps"))
        return action

    def text(self, mapping: Mapping, key: str, what: str | None = None) -> str | None:
        node = mapping.get(key)
        if node is None:
            if (key_node := mapping.key_node(key)) is not None:
                self.error(key_node, f"{what or key} must be a string, got nothing")
            return None
        if isinstance(node, Scalar):
            return scalar_text(node.value)
        self.error(node, f"{what or key} must be a string, got {_kind(node)}")
        return None

    def inputs(self, node: Node | None) -> dict[str, ActionInput]:
        inputs: dict[str, ActionInput] = {}
        if node is None:
            return inputs
        if not isinstance(node, Mapping):
            self.error(node, f"inputs must be a mapping of input names, got {_kind(node)}")
            return inputs
        for key, spec in node:
            name = str(key.value)
            if not isinstance(spec, Mapping):
                self.error(
                    spec if isinstance(spec, (Mapping, Sequence)) else key,
                    f"input {name!r} must be a mapping (description, required, default), "
                    f"got {_kind(spec)}",
                )
                continue
            for meta, _ in spec:
                if meta.value not in _INPUT_KEYS:
                    self.warning(
                        meta,
                        f"unknown key {meta.value!r} in input {name!r} (GitHub ignores it); "
                        "expected one of: " + ", ".join(sorted(_INPUT_KEYS)),
                    )
            default_node = spec.get("default")
            default = None
            if isinstance(default_node, Scalar) and default_node.value is not None:
                default = scalar_text(default_node.value)
                self.steps_checker.expressions_in(default_node, "inputs.<input_id>.default")
            elif default_node is not None:
                self.error(default_node, f"input {name!r}: default must be a string")
            required = spec.get("required")
            inputs[name] = ActionInput(
                name, default, bool(isinstance(required, Scalar) and _truthy(required.value))
            )
        return inputs

    def outputs(self, node: Node | None, using: str) -> dict[str, Any]:
        outputs: dict[str, Any] = {}
        if node is None:
            return outputs
        if not isinstance(node, Mapping):
            self.error(node, f"outputs must be a mapping of output names, got {_kind(node)}")
            return outputs
        for key, spec in node:
            name = str(key.value)
            if not isinstance(spec, Mapping):
                self.error(
                    spec if isinstance(spec, (Mapping, Sequence)) else key,
                    f"output {name!r} must be a mapping (description, value), got {_kind(spec)}",
                )
                continue
            for meta, _ in spec:
                if meta.value not in _OUTPUT_KEYS:
                    self.error(
                        meta,
                        f"unknown key {meta.value!r} in output {name!r}; expected one of: "
                        "description, value",
                    )
            value = self.text(spec, "value", f"output {name!r}: value")
            value_node = spec.get("value")
            if value is not None and value_node is not None:
                self.steps_checker.expressions_in(value_node, "outputs.<output_id>.value")
            if value is None and using == "composite" and spec.key_node("value") is None:
                self.warning(
                    key, f"output {name!r} of a composite action has no 'value', so it is empty"
                )
            outputs[name] = value
        return outputs

    def runs(self, node: Node) -> str:
        """Check ``runs``; its ``using``, lower case ("" when missing or unknown)."""
        if not isinstance(node, Mapping):
            self.error(node, f"runs must be a mapping, got {_kind(node)}")
            return ""
        for key, _ in node:
            if key.value not in _ALL_RUNS_KEYS:
                self.error(
                    key,
                    f"unknown key {key.value!r} in runs; expected one of: "
                    + ", ".join(sorted(_ALL_RUNS_KEYS - {"plugin"})),
                )
        using_node = node.get("using")
        using = self.text(node, "using", "runs.using")
        choices = "'composite', 'docker', " + ", ".join(f"'{v}'" for v in NODE_VERSIONS)
        if using is None or using_node is None:  # text() is None without the node
            if using_node is None:
                self.error(node, f"runs needs 'using': one of {choices}")
            return ""
        using = using.lower()
        if using not in USING:
            self.error(using_node, f"runs.using {using!r} is not supported; use one of {choices}")
            return ""
        kind = "node" if using in NODE_VERSIONS else using
        needed = {"docker": "image", "node": "main", "composite": "steps"}[kind]
        value = node.get(needed)
        if value is None or (isinstance(value, Scalar) and value.value in (None, "")):
            what = {
                "docker": "a docker action needs 'runs.image' (a Dockerfile or docker://image)",
                "node": "a JavaScript action needs 'runs.main' (the entry file)",
                "composite": "a composite action needs 'runs.steps' (a list of steps)",
            }[kind]
            self.error(value or node, what)
        elif kind in ("docker", "node") and not isinstance(value, Scalar):
            self.error(value, f"runs.{needed} must be a string, got {_kind(value)}")
        for key, _ in node:
            if key.value in _ALL_RUNS_KEYS and key.value not in RUNS_KEYS[kind]:
                self.warning(
                    key, f"runs.{key.value} is not used by a {using} action (GitHub ignores it)"
                )
        return using

    def composite_steps(self, node: Node | None) -> list[Step]:
        if not isinstance(node, Sequence):
            if node is not None:
                self.error(node, f"runs.steps must be a list of steps, got {_kind(node)}")
            return []
        checker = self.steps_checker
        job = Job(id="composite", pos=Pos(node.line, node.column))
        checker.steps(node, job)
        for step in job.steps:
            item = node.items[step.index]
            if step.run is not None and isinstance(item, Mapping) and item.get("shell") is None:
                self.error(
                    item, "a run step of a composite action needs 'shell' (e.g. shell: bash)"
                )
        return job.steps


class _CompositeStepChecks(JobChecks):
    """The workflow loader's step checks, with a composite step's keys and contexts."""

    availability_table = _COMPOSITE_TABLE

    def expressions_in(self, node: Node, key: str, *, condition: bool = False) -> None:
        if key.startswith(_WORKFLOW_STEP):  # named as action.yml names it
            key = "runs.steps." + key.removeprefix(_WORKFLOW_STEP)
        super().expressions_in(node, key, condition=condition)

    def keys(self, node: Mapping, allowed: set[str], where: str) -> None:
        if where != "a step":
            super().keys(node, allowed, where)
            return
        uses = node.get("uses") is not None and node.get("run") is None
        kind, keys = ("uses", _USES_STEP_KEYS) if uses else ("run", _RUN_STEP_KEYS)
        for key, _ in node:
            if key.value not in keys:
                self.error(
                    key,
                    f"unknown key {key.value!r} in a {kind} step of a composite action; "
                    "expected one of: " + ", ".join(sorted(keys)),
                )


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _kind(node: Node | None) -> str:
    if node is None:
        return "nothing"
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    assert isinstance(node, Scalar)  # the third and last kind of node
    value = node.value
    if value is None:
        return "nothing (null)"
    return f"{scalar_text(value)!r}"
