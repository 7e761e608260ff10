"""Read a workflow file into the model, checking it the way GitHub does.

Every problem becomes a :class:`Diagnostic` with its file, line and column; ``load_workflow``
raises the first as a :class:`WorkflowError`, ``check_workflow`` returns them all (for lint).
Checked: YAML (syntax, tabs, duplicate keys, encoding), keys and value types at every level,
events, job and step ids, ``needs`` (unknown jobs, cycles), steps (exactly one of ``uses`` /
``run``), matrices, every ``${{ }}`` expression (syntax, functions, arity) and which
contexts each key may use.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mlops.errors import Location, MlopsError
from mlops.workflow import expressions, filters
from mlops.workflow.availability import SPECIAL_FUNCTIONS, TABLE, Availability
from mlops.workflow.model import Diagnostic, InputSpec, Job, Pos, Step, Strategy, Workflow
from mlops.workflow.yamlnodes import Mapping, Node, Scalar, Sequence, YamlError, parse_yaml
from mlops.workflow.yamlnodes import to_python as py

MAX_FILE_BYTES = 2 * 1024 * 1024
_FILTER_KEYS = {"branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore"}

EVENTS = frozenset(
    [
        "branch_protection_rule",
        "check_run",
        "check_suite",
        "create",
        "delete",
        "deployment",
        "deployment_status",
        "discussion",
        "discussion_comment",
        "fork",
        "gollum",
        "issue_comment",
        "issues",
        "label",
        "merge_group",
        "milestone",
        "page_build",
        "project",
        "project_card",
        "project_column",
        "public",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
        "pull_request_target",
        "push",
        "registry_package",
        "release",
        "repository_dispatch",
        "schedule",
        "status",
        "watch",
        "workflow_call",
        "workflow_dispatch",
        "workflow_run",
        "image_version",
    ]
)
_EVENT_KEYS: dict[str, set[str]] = {
    "push": {"branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore"},
    "pull_request": {"branches", "branches-ignore", "paths", "paths-ignore", "types"},
    "pull_request_target": {"branches", "branches-ignore", "paths", "paths-ignore", "types"},
    "workflow_run": {"workflows", "types", "branches", "branches-ignore"},
    "workflow_dispatch": {"inputs"},
    "workflow_call": {"inputs", "outputs", "secrets"},
}
_TOP_KEYS = {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}
_JOB_KEYS = {
    "name",
    "permissions",
    "needs",
    "if",
    "runs-on",
    "environment",
    "concurrency",
    "outputs",
    "env",
    "defaults",
    "steps",
    "timeout-minutes",
    "strategy",
    "continue-on-error",
    "container",
    "services",
    "snapshot",
}
_CALL_JOB_KEYS = {
    "name",
    "uses",
    "with",
    "secrets",
    "needs",
    "if",
    "permissions",
    "strategy",
    "concurrency",
}
_STEP_KEYS = {
    "id",
    "if",
    "name",
    "uses",
    "run",
    "shell",
    "with",
    "env",
    "continue-on-error",
    "timeout-minutes",
    "working-directory",
}
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PERMISSION_SCOPES = {
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
}
_INPUT_TYPES = {
    "workflow_dispatch": {"string", "boolean", "number", "choice", "environment"},
    "workflow_call": {"string", "boolean", "number"},
}


class WorkflowError(MlopsError):
    """A workflow that GitHub would reject; ``str()`` is ``file:line:col: message``."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(
            diagnostic.message,
            location=Location(diagnostic.path, diagnostic.line, diagnostic.column),
        )
        self.diagnostic = diagnostic


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


def scalar_text(value: Any) -> str:
    """A YAML scalar's value as GitHub turns it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _pos(node: Node) -> Pos:
    return Pos(node.line, node.column)


def _type_name(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a sequence"
    value = node.value  # type: ignore[attr-defined]
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"{value!r}"


def _is_expression(node: Node) -> bool:
    return isinstance(node, Scalar) and isinstance(node.value, str) and "${{" in node.value


class _Checker:
    def __init__(self, path: Path, shown: str) -> None:
        self.path = path
        self.shown = shown
        self.diagnostics: list[Diagnostic] = []

    # -- reporting ---------------------------------------------------------------------------

    def error(self, node: Node | Pos, message: str, rule: str = "syntax") -> None:
        self.diagnostics.append(Diagnostic(self.shown, node.line, node.column, message, rule))

    def keys(self, node: Mapping, allowed: set[str], where: str) -> None:
        for key, _ in node:
            if key.value not in allowed:
                known = ", ".join(sorted(allowed))
                self.error(key, f"unknown key {key.value!r} in {where}; expected one of: {known}")

    def expect_mapping(self, node: Node | None, what: str, anchor: Node | Pos) -> Mapping | None:
        if node is None:
            self.error(anchor, f"{what} must be a mapping, got nothing")
            return None
        if not isinstance(node, Mapping):
            self.error(node, f"{what} must be a mapping, got {_type_name(node)}")
            return None
        return node

    def string(self, node: Node | None, what: str, *, allow_number: bool = True) -> str | None:
        """A scalar as GitHub reads it in a string position (``true`` -> 'true', 3.10 -> '3.1')."""
        if node is None:
            return None
        if isinstance(node, Scalar) and node.value is not None:
            return scalar_text(node.value)
        self.error(node, f"{what} must be a string, got {_type_name(node)}")
        return None

    def boolean_or_expression(self, node: Node | None, what: str, default: bool) -> bool | str:
        if node is None:
            return default
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            return node.value
        if _is_expression(node):
            return node.value  # type: ignore[attr-defined,return-value]
        self.error(node, f"{what} must be true, false or an expression, got {_type_name(node)}")
        return default

    def number_or_expression(self, node: Node | None, what: str) -> float | str | None:
        if node is None:
            return None
        if isinstance(node, Scalar):
            value = node.value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if value <= 0:
                    self.error(node, f"{what} must be a positive number, got {value!r}")
                return value
            if _is_expression(node):
                return value
        self.error(node, f"{what} must be a number, got {_type_name(node)}")
        return None

    def string_map(self, node: Node | None, what: str, key: str | None = None) -> dict[str, Any]:
        """A mapping of names to scalar values (env, with, outputs)."""
        if node is None:
            return {}
        mapping = self.expect_mapping(node, what, node)
        if mapping is None:
            return {}
        result: dict[str, Any] = {}
        for name, value in mapping:
            if not isinstance(value, Scalar):
                self.error(
                    value,
                    f"{what}.{name.value} must be a string, number or boolean, "
                    f"got {_type_name(value)}",
                )
                continue
            result[str(name.value)] = value.value
            if key is not None:
                self.expressions_in(value, key)
        return result

    # -- expressions -------------------------------------------------------------------------

    def expressions_in(self, node: Node, key: str, *, condition: bool = False) -> None:
        """Check every ${{ }} in a scalar (or, for ``if``, the bare condition)."""
        if isinstance(node, (Mapping, Sequence)):
            children = (v for _, v in node) if isinstance(node, Mapping) else iter(node)
            for child in children:
                self.expressions_in(child, key)
            return
        value = node.value  # type: ignore[attr-defined]
        if not isinstance(value, str):
            return
        availability = TABLE.get(key)
        try:
            if condition and "${{" not in value:
                found = [expressions.TemplateExpression(0, value)]
            else:
                found = expressions.find_expressions(value)
        except expressions.ExpressionError as error:
            self.expression_error(node, error, value)
            return
        for item in found:
            try:
                tree = expressions.parse(item.text)
            except expressions.ExpressionError as error:
                self.expression_error(node, error.shifted(item.offset), value)
                continue
            if availability is not None:
                self.availability(node, key, tree, availability, value, item.offset)

    def expression_error(self, node: Node, error: expressions.ExpressionError, text: str) -> None:
        column = node.column
        single_line = isinstance(node, Scalar) and node.style in (None, "'", '"')
        if single_line and "\n" not in text:
            quote = 1 if node.style in ("'", '"') else 0  # type: ignore[union-attr]
            column += quote + error.offset + (error.column or 1) - 1
        self.diagnostics.append(
            Diagnostic(self.shown, node.line, column, error.reason, rule="expression")
        )

    def availability(
        self,
        node: Node,
        key: str,
        tree: expressions.Node,
        allowed: Availability,
        text: str,
        offset: int,
    ) -> None:
        for context in sorted(expressions.referenced_contexts(tree)):
            if context not in allowed.contexts:
                permitted = ", ".join(sorted(allowed.contexts))
                self.error(
                    node,
                    f"context {context!r} is not available in {key}; available: {permitted}",
                    rule="context-availability",
                )
        for function in sorted(expressions.referenced_functions(tree)):
            if function.lower() in SPECIAL_FUNCTIONS and function.lower() not in allowed.functions:
                self.error(
                    node,
                    f"function {function}() is not available in {key}",
                    rule="context-availability",
                )

    # -- workflow ----------------------------------------------------------------------------

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

    def concurrency(self, node: Node | None, key: str) -> Any:
        if node is None:
            return None
        if isinstance(node, Mapping):
            self.keys(node, {"group", "cancel-in-progress"}, key)
            if node.get("group") is None:
                self.error(node, f"{key} needs a 'group'")
        elif not isinstance(node, Scalar):
            self.error(node, f"{key} must be a string or a mapping, got {_type_name(node)}")
        self.expressions_in(node, key)
        return py(node)

    def defaults(self, node: Node | None, where: str, key: str | None) -> dict[str, Any]:
        if node is None:
            return {}
        mapping = self.expect_mapping(node, where, node)
        if mapping is None:
            return {}
        self.keys(mapping, {"run"}, where)
        run = mapping.get("run")
        if run is not None:
            run_map = self.expect_mapping(run, f"{where}.run", run)
            if run_map is not None:
                self.keys(run_map, {"shell", "working-directory"}, f"{where}.run")
                for _, value in run_map:
                    self.string(value, f"{where}.run value")
                    if key:
                        self.expressions_in(value, key)
        return py(mapping) or {}

    def permissions(self, node: Node | None) -> Any:
        if node is None:
            return None
        if isinstance(node, Scalar):
            if node.value not in ("read-all", "write-all"):
                self.error(
                    node,
                    f"permissions must be read-all, write-all or a mapping of "
                    f"scopes, got {_type_name(node)}",
                )
        elif isinstance(node, Mapping):
            for scope, level in node:
                if scope.value not in _PERMISSION_SCOPES:
                    known = ", ".join(sorted(_PERMISSION_SCOPES))
                    self.error(
                        scope, f"unknown permission scope {scope.value!r}; expected one of: {known}"
                    )
                elif not (isinstance(level, Scalar) and level.value in ("read", "write", "none")):
                    self.error(
                        level,
                        f"permission {scope.value!r} must be read, write or none, "
                        f"got {_type_name(level)}",
                    )
        else:
            self.error(node, f"permissions must be a string or a mapping, got {_type_name(node)}")
        return py(node)

    # -- jobs --------------------------------------------------------------------------------

    def job(self, key: Scalar, node: Node) -> Job | None:
        job_id = str(key.value)
        if not _ID.fullmatch(job_id):
            self.error(
                key,
                f"invalid job id {job_id!r}: it must start with a letter or '_' "
                "and contain only letters, digits, '-' and '_'",
            )
        mapping = self.expect_mapping(node, f"job {job_id!r}", key)
        if mapping is None:
            return None
        job = Job(id=job_id, pos=_pos(key))
        reusable = mapping.get("uses") is not None
        self.keys(
            mapping,
            _CALL_JOB_KEYS if reusable else _JOB_KEYS,
            f"job {job_id!r}" + (" (which calls a reusable workflow)" if reusable else ""),
        )
        job.name = self.string(mapping.get("name"), "name", allow_number=True)
        if mapping.get("name") is not None:
            self.expressions_in(mapping.get("name"), "jobs.<job_id>.name")  # type: ignore[arg-type]
        self.job_needs(mapping.get("needs"), job)
        if_node = mapping.get("if")
        if if_node is not None:
            job.if_ = self.condition(if_node, "jobs.<job_id>.if")
        job.strategy = self.strategy(mapping.get("strategy"), job_id)
        job.permissions = self.permissions(mapping.get("permissions"))
        job.concurrency = self.concurrency(mapping.get("concurrency"), "jobs.<job_id>.concurrency")
        if reusable:
            job.uses = self.string(mapping.get("uses"), "uses")
            if job.uses is not None and not (job.uses.startswith("./") or "@" in job.uses):
                self.error(
                    mapping.get("uses"),  # type: ignore[arg-type]
                    f"reusable workflow {job.uses!r} must be './path/to/workflow.yml' or "
                    "'owner/repo/path/to/workflow.yml@ref'",
                )
            job.with_ = self.string_map(mapping.get("with"), "with", "jobs.<job_id>.with")
            secrets = mapping.get("secrets")
            if isinstance(secrets, Scalar) and secrets.value == "inherit":
                job.secrets = "inherit"
            elif secrets is not None:
                job.secrets = self.string_map(secrets, "secrets", "jobs.<job_id>.secrets")
            return job
        runs_on = mapping.get("runs-on")
        if runs_on is None:
            self.error(key, f"job {job_id!r} needs 'runs-on' (or 'uses' for a reusable workflow)")
        else:
            job.runs_on = self.runs_on(runs_on)
        job.environment = py(mapping.get("environment"))
        if mapping.get("environment") is not None:
            self.expressions_in(mapping.get("environment"), "jobs.<job_id>.environment")  # type: ignore[arg-type]
        env_node = mapping.get("env")
        if _is_expression(env_node) if env_node is not None else False:
            job.env = env_node.value  # type: ignore[union-attr]
            self.expressions_in(env_node, "jobs.<job_id>.env")  # type: ignore[arg-type]
        else:
            job.env = self.string_map(env_node, "env", "jobs.<job_id>.env")
        job.defaults = self.defaults(
            mapping.get("defaults"), "defaults", "jobs.<job_id>.defaults.run"
        )
        job.outputs = {
            k: str(v)
            for k, v in self.string_map(
                mapping.get("outputs"), "outputs", "jobs.<job_id>.outputs"
            ).items()
        }
        timeout = self.number_or_expression(mapping.get("timeout-minutes"), "timeout-minutes")
        if mapping.get("timeout-minutes") is not None:
            self.expressions_in(mapping.get("timeout-minutes"), "jobs.<job_id>.timeout-minutes")  # type: ignore[arg-type]
        if timeout is not None:
            job.timeout_minutes = timeout
        job.continue_on_error = self.boolean_or_expression(
            mapping.get("continue-on-error"), "continue-on-error", False
        )
        if mapping.get("continue-on-error") is not None:
            self.expressions_in(mapping.get("continue-on-error"), "jobs.<job_id>.continue-on-error")  # type: ignore[arg-type]
        container = mapping.get("container")
        if container is not None:
            self.container(container, "container", "jobs.<job_id>.container")
            job.container = py(container)
        services = mapping.get("services")
        if services is not None:
            for name, service in self.expect_mapping(services, "services", services) or ():
                self.container(service, f"services.{name.value}", "jobs.<job_id>.services")
            job.services = py(services) or {}
        steps = mapping.get("steps")
        if steps is None:
            self.error(key, f"job {job_id!r} has no 'steps'")
        elif not isinstance(steps, Sequence):
            self.error(steps, f"steps must be a sequence, got {_type_name(steps)}")
        elif not steps.items:
            self.error(steps, f"job {job_id!r} must have at least one step")
        else:
            self.steps(steps, job)
        return job

    def job_needs(self, node: Node | None, job: Job) -> None:
        if node is None:
            return
        items = (
            [node]
            if isinstance(node, Scalar)
            else list(node)
            if isinstance(node, Sequence)
            else None
        )
        if items is None:
            self.error(
                node, f"needs must be a job id or a sequence of job ids, got {_type_name(node)}"
            )
            return
        for item in items:
            name = self.string(item, "needs")
            if name is not None:
                job.needs.append(name)
                job.needs_pos[name] = _pos(item)

    def runs_on(self, node: Node) -> Any:
        if isinstance(node, Scalar):
            if not isinstance(node.value, str):
                self.error(
                    node,
                    f"runs-on must be a label, a sequence of labels or a mapping, "
                    f"got {_type_name(node)}",
                )
        elif isinstance(node, Sequence):
            for item in node:
                self.string(item, "a runs-on label")
        elif isinstance(node, Mapping):
            self.keys(node, {"group", "labels"}, "runs-on")
        self.expressions_in(node, "jobs.<job_id>.runs-on")
        return py(node)

    def container(self, node: Node, where: str, key: str) -> None:
        if isinstance(node, Scalar):
            self.string(node, where)
            self.expressions_in(node, key)
            return
        mapping = self.expect_mapping(node, where, node)
        if mapping is None:
            return
        self.keys(mapping, {"image", "credentials", "env", "ports", "volumes", "options"}, where)
        if mapping.get("image") is None:
            self.error(mapping, f"{where} needs an 'image'")
        for name, value in mapping:
            sub = {"credentials": ".credentials", "env": ".env"}.get(str(name.value), "")
            self.expressions_in(value, key + sub)

    def strategy(self, node: Node | None, job_id: str) -> Strategy | None:
        if node is None:
            return None
        mapping = self.expect_mapping(node, "strategy", node)
        if mapping is None:
            return None
        self.keys(mapping, {"matrix", "fail-fast", "max-parallel"}, "strategy")
        self.expressions_in(mapping, "jobs.<job_id>.strategy")
        strategy = Strategy(pos=_pos(mapping))
        strategy.fail_fast = self.boolean_or_expression(mapping.get("fail-fast"), "fail-fast", True)
        max_parallel = self.number_or_expression(mapping.get("max-parallel"), "max-parallel")
        strategy.max_parallel = (
            int(max_parallel) if isinstance(max_parallel, float) else max_parallel
        )
        matrix = mapping.get("matrix")
        if matrix is None:
            return strategy
        if _is_expression(matrix):
            strategy.matrix = matrix.value  # type: ignore[union-attr]
            return strategy
        matrix_map = self.expect_mapping(matrix, "strategy.matrix", matrix)
        if matrix_map is None:
            return strategy
        if not matrix_map.items:
            self.error(matrix_map, "strategy.matrix must define at least one key")
        for name, value in matrix_map:
            if name.value in ("include", "exclude"):
                if isinstance(value, Sequence):
                    for entry in value:
                        if not isinstance(entry, Mapping) and not _is_expression(entry):
                            self.error(
                                entry,
                                f"each matrix {name.value} entry must be a mapping, "
                                f"got {_type_name(entry)}",
                            )
                elif not _is_expression(value):
                    self.error(
                        value,
                        f"matrix {name.value} must be a sequence of mappings, "
                        f"got {_type_name(value)}",
                    )
            elif isinstance(value, Sequence):
                if not value.items:
                    self.error(value, f"matrix key {name.value!r} has an empty list of values")
            elif not _is_expression(value):
                self.error(
                    value,
                    f"matrix key {name.value!r} must be a sequence of values, "
                    f"got {_type_name(value)}",
                )
        strategy.matrix = py(matrix_map)
        return strategy

    def condition(self, node: Node, key: str) -> str | None:
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            return "true" if node.value else "false"
        if isinstance(node, Scalar) and isinstance(node.value, (int, float)):
            return str(node.value)
        text = self.string(node, "if")
        if text is None:
            return None
        if "${{" in text and not _whole(text):
            self.error(
                node,
                "if: text outside '${{ }}' makes the condition a non-empty string, "
                "which is always true; put the whole condition inside one ${{ }}",
                rule="if-cond",
            )
        self.expressions_in(node, key, condition=True)
        return text

    def steps(self, steps: Sequence, job: Job) -> None:
        seen: dict[str, Node] = {}
        for index, node in enumerate(steps):
            mapping = self.expect_mapping(node, f"step {index + 1} of job {job.id!r}", node)
            if mapping is None:
                continue
            self.keys(mapping, _STEP_KEYS, "a step")
            step = Step(index=index, pos=_pos(mapping))
            uses, run = mapping.get("uses"), mapping.get("run")
            if (uses is None) == (run is None):
                both = "both 'uses' and 'run'" if uses is not None else "neither 'uses' nor 'run'"
                self.error(
                    mapping, f"a step must have exactly one of 'uses' or 'run', this one has {both}"
                )
            step_id = mapping.get("id")
            if step_id is not None:
                step.id = self.string(step_id, "id", allow_number=True)
                if step.id is not None:
                    if not _ID.fullmatch(step.id):
                        self.error(
                            step_id,
                            f"invalid step id {step.id!r}: it must start with a "
                            "letter or '_' and contain only letters, digits, "
                            "'-' and '_'",
                        )
                    if step.id in seen:
                        first = seen[step.id]
                        self.error(
                            step_id,
                            f"duplicate step id {step.id!r} in job {job.id!r} "
                            f"(first at line {first.line})",
                        )
                    seen[step.id] = step_id
            if uses is not None:
                step.uses = self.string(uses, "uses")
                if step.uses and "${{" in step.uses:
                    self.error(uses, "uses cannot contain an expression")
                elif step.uses and not (
                    step.uses.startswith(("./", "docker://"))
                    or re.fullmatch(r"[^/@\s]+/[^@\s]+@[^@\s]+", step.uses)
                ):
                    self.error(
                        uses,
                        f"uses {step.uses!r} must be 'owner/repo@ref', "
                        "'./path/to/action' or 'docker://image'",
                    )
            if run is not None:
                step.run = self.string(run, "run", allow_number=True)
                self.expressions_in(run, "jobs.<job_id>.steps.run")
            for key_name, attr in (
                ("name", "name"),
                ("shell", "shell"),
                ("working-directory", "working_directory"),
            ):
                value = mapping.get(key_name)
                if value is not None:
                    setattr(step, attr, self.string(value, key_name, allow_number=True))
                    self.expressions_in(value, f"jobs.<job_id>.steps.{key_name}")
            if mapping.get("if") is not None:
                step.if_ = self.condition(mapping.get("if"), "jobs.<job_id>.steps.if")  # type: ignore[arg-type]
            step.with_ = self.string_map(mapping.get("with"), "with", "jobs.<job_id>.steps.with")
            env_node = mapping.get("env")
            if env_node is not None and _is_expression(env_node):
                step.env = env_node.value  # type: ignore[union-attr]
                self.expressions_in(env_node, "jobs.<job_id>.steps.env")
            else:
                step.env = self.string_map(env_node, "env", "jobs.<job_id>.steps.env")
            step.continue_on_error = self.boolean_or_expression(
                mapping.get("continue-on-error"), "continue-on-error", False
            )
            if mapping.get("continue-on-error") is not None:
                self.expressions_in(
                    mapping.get("continue-on-error"),  # type: ignore[arg-type]
                    "jobs.<job_id>.steps.continue-on-error",
                )
            step.timeout_minutes = self.number_or_expression(
                mapping.get("timeout-minutes"), "timeout-minutes"
            )
            if mapping.get("timeout-minutes") is not None:
                self.expressions_in(
                    mapping.get("timeout-minutes"),  # type: ignore[arg-type]
                    "jobs.<job_id>.steps.timeout-minutes",
                )
            job.steps.append(step)

    def needs(self, workflow: Workflow) -> None:
        for job in workflow.jobs.values():
            for need in job.needs:
                if need not in workflow.jobs:
                    known = ", ".join(workflow.jobs)
                    self.error(
                        job.needs_pos[need],
                        f"job {job.id!r} needs unknown job {need!r}; "
                        f"jobs in this workflow: {known}",
                        rule="needs",
                    )
        cycle = find_cycle(
            {j.id: [n for n in j.needs if n in workflow.jobs] for j in workflow.jobs.values()}
        )
        if cycle:
            first = workflow.jobs[cycle[0]]
            self.error(
                first.needs_pos.get(cycle[1], first.pos),
                "jobs depend on each other in a cycle: "
                + " -> ".join([*cycle, cycle[0]])
                + " (lines "
                + ", ".join(str(workflow.jobs[j].pos.line) for j in cycle)
                + ")",
                rule="needs",
            )


def _whole(text: str) -> bool:
    stripped = text.strip()
    try:
        found = expressions.find_expressions(stripped)
    except expressions.ExpressionError:
        return True  # reported by the expression check
    return (
        len(found) == 1
        and stripped.startswith("${{")
        and stripped.endswith("}}")
        and found[0].offset + len(found[0].text) + 2 == len(stripped)
    )


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One dependency cycle in ``graph`` (node -> nodes it needs), or ``None``. Iterative."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for start in graph:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            children = graph.get(node, [])
            if index < len(children):
                stack.append((node, index + 1))
                child = children[index]
                if state.get(child) == 1:
                    return path[path.index(child) :]
                if not state.get(child):
                    stack.append((child, 0))
            else:
                state[node] = 2
                path.pop()
    return None
