"""Read a workflow file into the model, checking it the way GitHub does.

Every problem becomes a :class:`Diagnostic` with its file, line and column; ``load_workflow``
raises the first as a :class:`WorkflowError`, ``check_workflow`` returns them all (for lint).
Checked: YAML (syntax, tabs, duplicate keys, encoding), keys and value types at every level,
events, job and step ids, ``needs`` (unknown jobs, cycles), steps (exactly one of ``uses`` /
``run``), matrices, every ``${{ }}`` expression (syntax, functions, arity) and which
contexts each key may use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlops.workflow import filters
from mlops.workflow.model import Diagnostic, InputSpec, Pos, Workflow, WorkflowError
from mlops.workflow.schema.base import (  # noqa: F401  (re-exported: the loader's public API)
    _EVENT_KEYS,
    _FILTER_KEYS,
    _INPUT_TYPES,
    _PERMISSION_SCOPES,
    _TOP_KEYS,
    EVENTS,
    MAX_FILE_BYTES,
    _pos,
    _type_name,
)
from mlops.workflow.schema.jobs import JobChecks
from mlops.workflow.yamlnodes import Mapping, Node, Scalar, Sequence, YamlError, parse_yaml
from mlops.workflow.yamlnodes import to_python as py


def load_workflow(path: Path, *, display_path: str | None = None) -> Workflow:
    """Load and check a workflow; raise :class:`WorkflowError` for its first problem."""
    workflow, diagnostics = check_workflow(path, display_path=display_path)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise WorkflowError(errors[0])
    assert workflow is not None
    return workflow


def check_workflow(
    path: Path, *, display_path: str | None = None, data: bytes | None = None
) -> tuple[Workflow | None, list[Diagnostic]]:
    """The workflow (``None`` when unusable) and every problem found in it."""
    shown = display_path or str(path)
    if data is None:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return None, [Diagnostic(shown, 1, 1, "file is larger than 2 MiB")]
            data = path.read_bytes()
        except OSError as error:
            return None, [Diagnostic(shown, 1, 1, f"cannot read: {error.strerror or error}")]
    try:
        root = parse_yaml(data)
    except YamlError as error:
        return None, [Diagnostic(shown, error.line, error.column, error.message, rule="yaml")]
    checker = _Checker(path, shown)
    workflow = checker.workflow(root)
    return workflow, checker.diagnostics


class _Checker(JobChecks):
    """Workflow-level checks: top-level keys, events and their inputs, permissions."""

    def workflow(self, root: Node | None) -> Workflow | None:
        if root is None:
            self.error(Pos(1, 1), "the workflow file is empty")
            return None
        if not isinstance(root, Mapping):
            self.error(root, f"a workflow must be a mapping of keys, got {_type_name(root)}")
            return None
        self.keys(root, _TOP_KEYS, "the workflow")
        for required in ("on", "jobs"):
            if root.get(required) is None and root.key_node(required) is None:
                self.error(Pos(1, 1), f"the workflow has no {required!r} section")
        name = self.string(root.get("name"), "name", allow_number=True)
        run_name_node = root.get("run-name")
        run_name = self.string(run_name_node, "run-name")
        if run_name_node is not None:
            self.expressions_in(run_name_node, "run-name")
        env = self.string_map(root.get("env"), "env", "env")
        concurrency = self.concurrency(root.get("concurrency"), "concurrency")
        defaults = self.defaults(root.get("defaults"), "defaults", None)
        permissions = self.permissions(root.get("permissions"))
        workflow = Workflow(
            path=self.path,
            display_path=self.shown,
            name=name,
            on={},
            on_pos=_pos(root.key_node("on") or root),
            jobs={},
            run_name=run_name,
            env=env,
            defaults=defaults,
            permissions=permissions,
            concurrency=concurrency,
        )
        on_node = root.get("on")
        if on_node is not None or root.key_node("on") is not None:
            self.events(on_node, root.key_node("on") or root, workflow)
        jobs_node = root.get("jobs")
        if jobs_node is not None or root.key_node("jobs") is not None:
            jobs = self.expect_mapping(jobs_node, "jobs", root.key_node("jobs") or root)
            if jobs is not None:
                if not jobs.items:
                    self.error(jobs, "jobs must define at least one job")
                for job_key, job_node in jobs:
                    job = self.job(job_key, job_node)
                    if job is not None:
                        workflow.jobs[job.id] = job
                self.needs(workflow)
        return workflow

    def events(self, node: Node | None, anchor: Node, workflow: Workflow) -> None:
        if node is None:
            self.error(anchor, "'on' must name at least one event")
            return
        entries: list[tuple[Scalar, Node | None]]
        if isinstance(node, Scalar):
            entries = [(node, None)]
        elif isinstance(node, Sequence):
            entries = []
            for item in node:
                if isinstance(item, Scalar) and isinstance(item.value, str):
                    entries.append((item, None))
                else:
                    self.error(item, f"an event name must be a string, got {_type_name(item)}")
        elif isinstance(node, Mapping):
            entries = list(node.items)
        else:  # pragma: no cover - parse_yaml yields only these node types
            return
        for event_node, config in entries:
            event = event_node.value
            if not isinstance(event, str) or event not in EVENTS:
                self.error(
                    event_node,
                    f"unknown event {event!r}; see the list of events "
                    "that trigger workflows in GitHub's documentation",
                    rule="events",
                )
                continue
            workflow.on[event] = self.event_config(event, config)
            if event in ("workflow_dispatch", "workflow_call") and isinstance(config, Mapping):
                self.event_io(event, config, workflow)

    def event_config(self, event: str, config: Node | None) -> dict[str, Any]:
        if config is None or (isinstance(config, Scalar) and config.value is None):
            return {}
        if event == "schedule":
            if not isinstance(config, Sequence) or not config.items:
                self.error(config, "schedule must be a sequence of '- cron: ...' entries")
                return {}
            crons = []
            for item in config:
                entry = self.expect_mapping(item, "a schedule entry", item)
                cron = entry.get("cron") if entry else None
                if entry is not None:
                    self.keys(entry, {"cron", "timezone"}, "a schedule entry")
                    text = self.string(cron, "cron") if cron is not None else None
                    if cron is None:
                        self.error(entry, "a schedule entry needs 'cron'")
                    elif text is not None and len(text.split()) != 5:
                        self.error(cron, f"cron {text!r} must have 5 fields")
                    crons.append(text)
            return {"cron": crons}
        mapping = self.expect_mapping(config, f"on.{event}", config)
        if mapping is None:
            return {}
        allowed = _EVENT_KEYS.get(event, {"types"})
        self.keys(mapping, allowed, f"on.{event}")
        result: dict[str, Any] = {}
        for key, value in mapping:
            if key.value in ("inputs", "outputs", "secrets"):
                continue
            if isinstance(value, Scalar) and isinstance(value.value, str):
                value_list = [value.value]
            elif isinstance(value, Sequence):
                value_list = []
                for item in value:
                    text = self.string(item, f"on.{event}.{key.value}[]", allow_number=True)
                    if text is not None:
                        value_list.append(text)
            else:
                self.error(
                    value,
                    f"on.{event}.{key.value} must be a string or a sequence of "
                    f"strings, got {_type_name(value)}",
                )
                continue
            result[str(key.value)] = value_list
            if key.value in _FILTER_KEYS:
                try:
                    filters.compile_patterns(value_list)
                except filters.FilterPatternError as error:
                    self.error(value, f"on.{event}.{key.value}: {error}", rule="events")
        for include, ignore in (
            ("branches", "branches-ignore"),
            ("tags", "tags-ignore"),
            ("paths", "paths-ignore"),
        ):
            if include in result and ignore in result:
                self.error(
                    mapping.key_node(ignore) or mapping,
                    f"on.{event} cannot use both {include!r} and {ignore!r}",
                )
        return result

    def event_io(self, event: str, config: Mapping, workflow: Workflow) -> None:
        inputs = config.get("inputs")
        target = workflow.dispatch_inputs if event == "workflow_dispatch" else workflow.call_inputs
        if inputs is not None:
            mapping = self.expect_mapping(inputs, f"on.{event}.inputs", inputs)
            for name, spec_node in mapping or ():
                spec = self.expect_mapping(spec_node, f"input {name.value!r}", name)
                if spec is None:
                    continue
                self.keys(
                    spec,
                    {"description", "required", "default", "type", "options", "deprecationMessage"},
                    f"input {name.value!r}",
                )
                kind = self.string(spec.get("type"), "type") or "string"
                if event == "workflow_call" and spec.get("type") is None:
                    self.error(spec, f"input {name.value!r} of workflow_call needs a 'type'")
                if kind not in _INPUT_TYPES[event]:
                    allowed = ", ".join(sorted(_INPUT_TYPES[event]))
                    self.error(
                        spec.get("type") or spec, f"input type {kind!r} is not one of: {allowed}"
                    )
                options = py(spec.get("options")) or []
                if kind == "choice" and not options:
                    self.error(spec, f"choice input {name.value!r} needs 'options'")
                default_node = spec.get("default")
                if default_node is not None and event == "workflow_call":
                    self.expressions_in(default_node, "on.workflow_call.inputs.<inputs_id>.default")
                target[str(name.value)] = InputSpec(
                    name=str(name.value),
                    type=kind,
                    required=bool(py(spec.get("required")) or False),
                    default=py(default_node),
                    description=py(spec.get("description")),
                    options=[str(o) for o in options] if isinstance(options, list) else [],
                )
        if event == "workflow_call":
            outputs = config.get("outputs")
            for name, spec_node in (
                self.expect_mapping(outputs, "on.workflow_call.outputs", config) or ()
                if outputs
                else ()
            ):
                spec = self.expect_mapping(spec_node, f"output {name.value!r}", name)
                if spec is None:
                    continue
                self.keys(spec, {"description", "value"}, f"output {name.value!r}")
                value = spec.get("value")
                if value is None:
                    self.error(spec, f"output {name.value!r} needs a 'value'")
                else:
                    self.expressions_in(value, "on.workflow_call.outputs.<output_id>.value")
                workflow.call_outputs[str(name.value)] = py(value)
            secrets = config.get("secrets")
            if secrets is not None:
                workflow.call_secrets = py(secrets) or {}

    # -- jobs --------------------------------------------------------------------------------
