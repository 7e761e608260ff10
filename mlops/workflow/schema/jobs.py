"""Checks of jobs and steps: keys, types, needs, runs-on, strategy and matrix, conditions."""

from __future__ import annotations

import re
from typing import Any

from mlops.workflow.graph import find_cycle
from mlops.workflow.model import Job, Step, Strategy, Workflow
from mlops.workflow.schema.base import (
    _CALL_JOB_KEYS,
    _ID,
    _JOB_KEYS,
    _PERMISSION_SCOPES,
    _STEP_KEYS,
    CheckerBase,
    _is_expression,
    _pos,
    _type_name,
    _whole,
)
from mlops.workflow.yamlnodes import Mapping, Node, Scalar, Sequence
from mlops.workflow.yamlnodes import to_python as py


class JobChecks(CheckerBase):
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
        if (name_node := mapping.get("name")) is not None:
            self.expressions_in(name_node, "jobs.<job_id>.name")
        self.job_needs(mapping.get("needs"), job)
        if_node = mapping.get("if")
        if if_node is not None:
            job.if_ = self.condition(if_node, "jobs.<job_id>.if")
        job.strategy = self.strategy(mapping.get("strategy"), job_id)
        job.permissions = self.permissions(mapping.get("permissions"))
        job.concurrency = self.concurrency(mapping.get("concurrency"), "jobs.<job_id>.concurrency")
        if reusable:
            uses_node = mapping.get("uses")
            job.uses = self.string(uses_node, "uses")
            if (
                uses_node is not None
                and job.uses is not None
                and not (job.uses.startswith("./") or "@" in job.uses)
            ):
                self.error(
                    uses_node,
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
        environment_node = mapping.get("environment")
        job.environment = py(environment_node)
        if environment_node is not None:
            self.environment(environment_node)
        env_node = mapping.get("env")
        if env_node is not None and _is_expression(env_node):
            job.env = env_node.value
            self.expressions_in(env_node, "jobs.<job_id>.env")
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
        if (timeout_node := mapping.get("timeout-minutes")) is not None:
            self.expressions_in(timeout_node, "jobs.<job_id>.timeout-minutes")
        if timeout is not None:
            job.timeout_minutes = timeout
        job.continue_on_error = self.boolean_or_expression(
            mapping.get("continue-on-error"), "continue-on-error", False
        )
        if (continue_node := mapping.get("continue-on-error")) is not None:
            self.expressions_in(continue_node, "jobs.<job_id>.continue-on-error")
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

    def environment(self, node: Node) -> None:
        """``environment``: a name, or ``{name, url}``; the url is evaluated after the
        job's steps, so it has their contexts (GitHub's availability table has its own row)."""
        if not isinstance(node, Mapping):
            self.expressions_in(node, "jobs.<job_id>.environment")
            return
        for name, value in node:
            key = "jobs.<job_id>.environment" + (".url" if name.value == "url" else "")
            self.expressions_in(value, key)

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
            strategy.matrix = matrix.value
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
            if (if_node := mapping.get("if")) is not None:
                step.if_ = self.condition(if_node, "jobs.<job_id>.steps.if")
            step.with_ = self.string_map(mapping.get("with"), "with", "jobs.<job_id>.steps.with")
            env_node = mapping.get("env")
            if env_node is not None and _is_expression(env_node):
                step.env = env_node.value
                self.expressions_in(env_node, "jobs.<job_id>.steps.env")
            else:
                step.env = self.string_map(env_node, "env", "jobs.<job_id>.steps.env")
            step.continue_on_error = self.boolean_or_expression(
                mapping.get("continue-on-error"), "continue-on-error", False
            )
            if (continue_node := mapping.get("continue-on-error")) is not None:
                self.expressions_in(
                    continue_node,
                    "jobs.<job_id>.steps.continue-on-error",
                )
            step.timeout_minutes = self.number_or_expression(
                mapping.get("timeout-minutes"), "timeout-minutes"
            )
            if (timeout_node := mapping.get("timeout-minutes")) is not None:
                self.expressions_in(
                    timeout_node,
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
                first.needs_pos.get(cycle[1 % len(cycle)], first.pos),  # a -> a too
                "jobs depend on each other in a cycle: "
                + " -> ".join([*cycle, cycle[0]])
                + " (lines "
                + ", ".join(str(workflow.jobs[j].pos.line) for j in cycle)
                + ")",
                rule="needs",
            )
