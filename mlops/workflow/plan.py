"""Plan a run: which workflows an event triggers, their jobs, the job graph and matrix legs.

- Workflows come from ``-W`` (a file, or a directory's ``*.yml``/``*.yaml``, not recursive).
- ``needs`` makes the graph; a job runs in the stage after the last of its needs.
- ``-j JOB`` keeps that job and everything it needs, transitively.
- A job calling a local reusable workflow (``uses: ./.github/workflows/x.yml``) is expanded
  into that workflow's jobs (``caller/called``), with its inputs checked.
- A local action (``uses: ./path``) must have an ``action.yml``.
- A matrix is expanded now when it is literal; one built with ``fromJSON`` of a job output
  is expanded when that job has finished (the runner does it), and listed as deferred.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.errors import Location, UsageError
from mlops.workflow import matrix as matrix_module
from mlops.workflow.events import Event, decide, github_context
from mlops.workflow.expressions.errors import ExpressionError
from mlops.workflow.graph import find_cycle
from mlops.workflow.model import ACTION_FILES, Diagnostic, Job, Workflow, WorkflowError
from mlops.workflow.repository import Repository
from mlops.workflow.workflowcache import load_workflow

MAX_REUSE_DEPTH = 4  # GitHub allows four levels of nested reusable workflows


@dataclass(eq=False)
class PlannedJob:
    """A job placed in the plan: its key, needs, stage and matrix legs (when known)."""

    key: str  # unique in the plan: the job id, or caller/called for reusable workflows
    workflow: Workflow
    job: Job
    needs: list[str] = field(default_factory=list)
    stage: int = 0
    legs: list[dict[str, Any]] | None = None  # None: a matrix resolved at run time
    caller: PlannedJob | None = None  # the job whose reusable workflow this job belongs to
    inputs: dict[str, Any] = field(default_factory=dict)  # inputs when called
    # A reusable-workflow call: the workflow it calls, and the call's own needs (its ``needs``
    # become the called jobs, since the call completes when they have).
    called: Workflow | None = None
    outer_needs: list[str] = field(default_factory=list)
    skipped_reason: str | None = None  # known before running: a job-level if that is false
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.job.display_name


@dataclass(eq=False)
class Plan:
    """What a run executes: the event, the triggered workflows and their jobs by key."""

    event: Event
    workflows: list[Workflow]
    jobs: dict[str, PlannedJob]
    not_triggered: dict[str, str] = field(default_factory=dict)  # workflow path -> why

    @property
    def stages(self) -> list[list[PlannedJob]]:
        count = max((j.stage for j in self.jobs.values()), default=-1) + 1
        return [[j for j in self.jobs.values() if j.stage == s] for s in range(count)]


def workflow_files(root: Path, path: str | None) -> list[Path]:
    """The files ``-W`` names: one file, or a directory's workflows (default .github/workflows)."""
    target = Path(path) if path else Path(".github/workflows")
    if not target.is_absolute():
        target = root / target
    if target.is_file():
        return [target]
    if target.is_dir():
        files = sorted(p for p in target.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
        if not files:
            raise UsageError(f"{_shown(root, target)}: no workflow files (*.yml, *.yaml)")
        return files
    raise UsageError(f"{_shown(root, target)}: no such workflow file or directory")


def _shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def load_workflows(root: Path, files: list[Path]) -> list[Workflow]:
    return [load_workflow(f, display_path=_shown(root, f)) for f in files]


def build_plan(
    root: Path,
    workflows: list[Workflow],
    event: Event,
    *,
    job: str | None = None,
    matrix_filters: list[tuple[str, str]] | None = None,
    check_triggers: bool = True,
    variables: Mapping[str, str] | None = None,
) -> Plan:
    """Plan the jobs ``event`` runs (or, with ``check_triggers=False``, every job);
    ``variables`` is the ``vars`` context, as the run will see it."""
    plan = Plan(event, [], {})
    filtered_jobs: dict[str, str] = {}  # job id -> why its workflow is not triggered
    for workflow in workflows:
        decision = decide(workflow, event)
        if check_triggers and not decision.triggered:
            plan.not_triggered[workflow.display_path] = decision.reason
            for job_id in workflow.jobs:
                filtered_jobs.setdefault(job_id, f"{workflow.display_path}: {decision.reason}")
            continue
        plan.workflows.append(workflow)
        _add_workflow(root, plan, workflow, prefix="", caller=None, depth=0)
    if job is not None:
        _select(plan, job, filtered_jobs)
    _stages(plan)
    for planned in plan.jobs.values():
        planned.legs = _legs(planned, matrix_filters or [])
        planned.skipped_reason = _static_skip(root, planned, event, variables or {})
    return plan


def _static_skip(
    root: Path, planned: PlannedJob, event: Event, variables: Mapping[str, str]
) -> str | None:
    """Why the job will be skipped, when its ``if`` can be decided before anything runs
    (from github, inputs and vars alone: the contexts the run gives the job's ``if``)."""
    condition = planned.job.if_
    if condition is None or (planned.needs and "needs" in _contexts_of(condition)):
        return None
    from mlops.workflow import expressions

    if _contexts_of(condition) - {"github", "inputs", "vars"}:
        return None
    from mlops.workflow.contexts import RunContexts

    inputs = _static_inputs(planned, event)
    if inputs is None:
        return None
    contexts = RunContexts(
        github=github_context(event, Repository(root), planned.workflow),
        vars=variables,
        inputs=inputs,
    ).job_if(needs={})
    try:
        runs = expressions.evaluate_condition(condition, contexts)
    except ExpressionError:
        return None  # reported when the job runs
    return None if runs else f"if: {condition}"


def _static_inputs(planned: PlannedJob, event: Event) -> dict[str, Any] | None:
    """The ``inputs`` context the job's ``if:`` will see, as the run builds it, or None when
    only the run knows it (a called job whose caller passes expressions in ``with:``)."""
    from mlops.workflow.inputs import InputError, call_inputs, started_inputs

    if planned.caller is None:
        return started_inputs(planned.workflow, event.name, event.payload)
    given = planned.caller.inputs  # the caller's with: over the called workflow's defaults
    if any(_has_expression(value) for value in given.values()):
        return None
    try:
        return call_inputs(planned.workflow, given)
    except InputError:
        return None  # the run fails the call, saying why


def _contexts_of(condition: str) -> set[str]:
    from mlops.workflow import expressions

    try:
        if "${{" in condition:
            found = expressions.find_expressions(condition)
            return set().union(*(expressions.referenced_contexts(f.text) for f in found))
        return expressions.referenced_contexts(condition)
    except ExpressionError:
        return {"?"}


def _error(workflow: Workflow, line: int, column: int, message: str) -> WorkflowError:
    return WorkflowError(Diagnostic(workflow.display_path, line, column, message, rule="plan"))


def _add_workflow(
    root: Path, plan: Plan, workflow: Workflow, prefix: str, caller: PlannedJob | None, depth: int
) -> list[str]:
    """Add a workflow's jobs under ``prefix``; return the keys of its jobs."""
    keys = []
    for job in workflow.jobs.values():
        key = f"{prefix}{job.id}"
        if key in plan.jobs:  # the same job id in two triggered workflows
            key = f"{workflow.display_path}:{job.id}"
        needs = [f"{prefix}{n}" for n in job.needs]
        if caller is not None and not job.needs:
            needs = list(caller.needs)  # a called workflow starts when its caller may
        planned = PlannedJob(key, workflow, job, needs, caller=caller)
        plan.jobs[key] = planned
        keys.append(key)
        planned.warnings.extend(_missing_local_actions(root, workflow, job))
        if job.uses and job.uses.startswith("./"):
            called = _called_workflow(root, workflow, job, depth)
            planned.inputs = _call_inputs(workflow, job, called)
            planned.called = called
            planned.outer_needs = list(needs)
            inner = _add_workflow(root, plan, called, f"{key}/", planned, depth + 1)
            # The calling job completes when the called workflow's jobs have.
            planned.needs = [k for k in inner if plan.jobs[k].caller is planned]
            planned.legs = [{}]
            keys.extend(inner)
    return keys


def _called_workflow(root: Path, workflow: Workflow, job: Job, depth: int) -> Workflow:
    assert job.uses is not None
    if depth >= MAX_REUSE_DEPTH:
        raise _error(
            workflow,
            job.pos.line,
            job.pos.column,
            f"reusable workflows nest deeper than {MAX_REUSE_DEPTH} levels",
        )
    target = (root / job.uses.split("@", 1)[0]).resolve()
    if not target.is_file():
        raise _error(
            workflow,
            job.pos.line,
            job.pos.column,
            f"job {job.id!r} uses {job.uses!r}, which does not exist",
        )
    called = load_workflow(target, display_path=_shown(root, target))
    if "workflow_call" not in called.on:
        raise _error(
            workflow,
            job.pos.line,
            job.pos.column,
            f"{job.uses!r} is not a reusable workflow (it has no 'on: workflow_call')",
        )
    return called


def _call_inputs(workflow: Workflow, job: Job, called: Workflow) -> dict[str, Any]:
    for name in job.with_:
        if name not in called.call_inputs:
            known = ", ".join(called.call_inputs) or "none"
            raise _error(
                workflow,
                job.pos.line,
                job.pos.column,
                f"job {job.id!r} passes input {name!r}, which {called.display_path} "
                f"does not declare (its inputs: {known})",
            )
    for spec in called.call_inputs.values():
        if spec.required and spec.name not in job.with_ and spec.default is None:
            raise _error(
                workflow,
                job.pos.line,
                job.pos.column,
                f"job {job.id!r} does not pass the required input {spec.name!r} "
                f"of {called.display_path}",
            )
    if job.secrets != "inherit":
        passed = job.secrets or {}
        for name in passed:
            if name not in called.call_secrets:
                known = ", ".join(called.call_secrets) or "none"
                raise _error(
                    workflow,
                    job.pos.line,
                    job.pos.column,
                    f"job {job.id!r} passes secret {name!r}, which "
                    f"{called.display_path} does not declare (its secrets: {known})",
                )
        for name, spec in called.call_secrets.items():
            if isinstance(spec, dict) and spec.get("required") and name not in passed:
                raise _error(
                    workflow,
                    job.pos.line,
                    job.pos.column,
                    f"job {job.id!r} does not pass the required secret {name!r} of "
                    f"{called.display_path} (or use 'secrets: inherit')",
                )
    return {**{s.name: s.default for s in called.call_inputs.values()}, **job.with_}


def _missing_local_actions(root: Path, workflow: Workflow, job: Job) -> list[str]:
    """Local actions not in the repository now (a step may still create them before use)."""
    missing = []
    for step in job.steps:
        if step.uses and step.uses.startswith("./"):
            directory = root / step.uses
            if not any((directory / name).is_file() for name in ACTION_FILES):
                missing.append(
                    f"{workflow.display_path}:{step.pos.line}:{step.pos.column}: local action "
                    f"{step.uses!r} has no action.yml in the repository"
                )
    return missing


def _select(plan: Plan, job: str, filtered_jobs: Mapping[str, str] | None = None) -> None:
    roots = [k for k, p in plan.jobs.items() if k == job or (p.job.id == job and p.caller is None)]
    if not roots:
        if filtered_jobs and job in filtered_jobs:
            raise UsageError(
                f"-j {job}: its workflow is not triggered by this {plan.event.name} event "
                f"({filtered_jobs[job]})"
            )
        known = ", ".join(sorted({p.job.id for p in plan.jobs.values() if p.caller is None}))
        raise UsageError(
            f"-j {job}: no such job in the triggered workflows (jobs: {known or 'none'})"
        )
    keep: set[str] = set()
    stack = list(roots)
    while stack:
        key = stack.pop()
        if key in keep:
            continue
        keep.add(key)
        stack.extend(plan.jobs[key].needs)
    plan.jobs = {k: p for k, p in plan.jobs.items() if k in keep}


def _stages(plan: Plan) -> None:
    graph = {key: [n for n in p.needs if n in plan.jobs] for key, p in plan.jobs.items()}
    cycle = find_cycle(graph)
    if cycle:
        first = plan.jobs[cycle[0]]
        raise WorkflowError(
            Diagnostic(
                first.workflow.display_path,
                first.job.pos.line,
                first.job.pos.column,
                "jobs depend on each other in a cycle: " + " -> ".join([*cycle, cycle[0]]),
            )
        )
    depth: dict[str, int] = {}
    for key in _topological(graph):
        depth[key] = 1 + max((depth[n] for n in graph[key]), default=-1)
        plan.jobs[key].stage = depth[key]


def _topological(graph: dict[str, list[str]]) -> list[str]:
    order: list[str] = []
    remaining = {k: len(v) for k, v in graph.items()}
    dependents: dict[str, list[str]] = {k: [] for k in graph}
    for key, needs in graph.items():
        for need in needs:
            dependents[need].append(key)
    ready = [k for k, n in remaining.items() if n == 0]
    while ready:
        key = ready.pop(0)
        order.append(key)
        for dependent in dependents[key]:
            remaining[dependent] -= 1
            if remaining[dependent] == 0:
                ready.append(dependent)
    return order


def _legs(planned: PlannedJob, filters: list[tuple[str, str]]) -> list[dict[str, Any]] | None:
    if planned.legs is not None:
        return planned.legs
    strategy = planned.job.strategy
    if strategy is None or strategy.matrix is None:
        return [{}]
    if isinstance(strategy.matrix, str) or _has_expression(strategy.matrix):
        return None
    try:
        legs = matrix_module.expand_matrix(strategy.matrix)
    except matrix_module.MatrixError as error:
        pos = strategy.pos or planned.job.pos
        raise WorkflowError(
            Diagnostic(
                planned.workflow.display_path,
                pos.line,
                pos.column,
                f"job {planned.job.id!r}: {error}",
                rule="matrix",
            )
        ) from None
    return matrix_module.filter_legs(legs, filters) if filters else legs


def resolve_matrix(
    planned: PlannedJob, contexts: dict[str, Any], filters: list[tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """The legs of a matrix built from expressions, once ``needs`` outputs are known."""
    strategy = planned.job.strategy
    if strategy is None or strategy.matrix is None:
        return [{}]
    from mlops.workflow import expressions

    value = expressions.evaluate_value(strategy.matrix, contexts)
    if not isinstance(value, dict):
        raise matrix_module.MatrixError(f"strategy.matrix evaluated to {value!r}, not a mapping")
    legs = matrix_module.expand_matrix(value)
    return matrix_module.filter_legs(legs, filters) if filters else legs


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return "${{" in value
    if isinstance(value, dict):
        return any(_has_expression(k) or _has_expression(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return False


def location_of(planned: PlannedJob) -> Location:
    return Location(planned.workflow.display_path, planned.job.pos.line, planned.job.pos.column)
