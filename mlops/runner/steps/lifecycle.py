"""What every step goes through, whatever its kind (GitHub's rules):

an ``if`` without a status function means ``success() &&``; the step's ``with``, ``env`` and
``timeout-minutes`` are evaluated; its handler's ``post`` is queued (before ``main`` runs, so a
failing ``main`` still gets its clean-up) and its ``main`` runs; ``continue-on-error`` turns a
failed outcome into a successful conclusion; the job's status follows the conclusion.

An action from another repository with a ``pre`` runs it at the start of the job
(:func:`run_pre`), in step order, when its ``pre-if`` holds, whatever the step's own ``if``;
its ``post`` is queued then. Post steps run after the job's last step, newest first, each
when its ``post-if`` holds (:func:`run_post`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from mlops.runner import failures, filecommands, shells
from mlops.runner.status import Execution, Status, StepResult
from mlops.runner.steps import handler_for
from mlops.runner.steps.base import StepCall, StepFailure, StepHandler
from mlops.workflow import contexts
from mlops.workflow.expressions.errors import ExpressionError

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step

STEP_ERRORS = (ExpressionError, StepFailure, shells.ShellError, filecommands.FileCommandError)


def run_step(
    job: JobRun, step: Step, deadline: float, prepared: StepHandler | None = None
) -> StepResult:
    """``step`` through its lifecycle; ``prepared`` is the handler :func:`run_pre` made for it
    at the start of the job (a step inside a composite action has none)."""
    reporter = job.state.reporter
    job.contexts["env"] = job.base_env()  # never an earlier step's own env
    job.contexts["job"]["status"] = job.status
    if job.backend.cancelled.is_set():
        job.contexts["job"]["status"] = Status.CANCELLED
    try:
        runs = job.condition(step.if_)
    except ExpressionError as error:
        reporter.line(job.key, f"error: step {step.index + 1} if: {error}")
        job.set_status(Status.FAILURE)
        return StepResult(Status.FAILURE, Status.FAILURE)
    name = _display_name(job, step)
    if not runs:
        return StepResult(Status.SKIPPED, Status.SKIPPED)
    reporter.step_started(job.key, name)
    started = time.monotonic()
    try:
        step_timeout = None
        if step.timeout_minutes is not None:
            step_timeout = (
                failures.minutes(job.evaluate(step.timeout_minutes), "timeout-minutes") * 60
            )
        remaining = max(0.0, deadline - time.monotonic())
        timeout = remaining if step_timeout is None else min(step_timeout, remaining)
        outputs, failed, detail = _execute(job, step, timeout, prepared)
    except Exception as error:  # any error fails the step, in one line
        _report(job, error)
        outputs, failed, detail = {}, True, "error"
    outcome = Status.FAILURE if failed else Status.SUCCESS
    if job.backend.cancelled.is_set() and failed:
        outcome = Status.CANCELLED
    continue_on_error = False
    if failed and step.continue_on_error:
        try:
            continue_on_error = step.continue_on_error is True or bool(
                job.evaluate(step.continue_on_error)
            )
        except ExpressionError:
            continue_on_error = False
    conclusion = Status.SUCCESS if continue_on_error else outcome
    if continue_on_error:
        detail = (detail + ", " if detail else "") + "continue-on-error"
    reporter.step_finished(job.key, name, outcome, time.monotonic() - started, detail)
    if conclusion == Status.CANCELLED:
        job.status = Status.CANCELLED
    job.set_status(conclusion)
    return StepResult(outcome, conclusion, outputs)


def _execute(job: JobRun, step: Step, timeout: float, prepared: StepHandler | None) -> Execution:
    env, own = evaluate_step_env(job, step)
    inputs = job.mapping(step.with_, "with") if step.kind != "script" else {}
    handler = prepared or handler_for(job, step)
    for warning in handler.warnings():
        job.state.reporter.annotation(job.key, "warning", warning, {})
    call = StepCall(inputs, env, timeout, own)
    if handler.has_post() and (prepared is None or not prepared.has_pre()):
        _queue_post(job, step, handler, call)  # an action with a pre queued it at job start
    if prepared is None and handler.has_pre() and job.condition(handler.pre_condition()):
        # An action inside a composite action: its pre runs as the composite reaches it.
        pre = handler.pre(job, step, call)
        if pre.failed:
            return Execution({}, True, f"pre: {pre.detail}")
    return handler.main(job, step, call)


def run_pre(job: JobRun, step: Step, deadline: float) -> StepHandler | None:
    """At the start of the job: the ``pre`` of the action ``step`` uses, when it has one (only
    actions from other repositories do) and its ``pre-if`` holds — shown as ``Pre <step>``.
    The handler made for an action, to run its step with (:func:`run_step`)."""
    if step.kind != "action":
        return None  # a script, a local action (GitHub never runs their pre), a docker:// image
    try:
        handler = handler_for(job, step)
    except StepFailure:
        return None  # reported where the step runs
    if handler.has_pre():
        _pre(job, step, deadline, handler)
    return handler


def _pre(job: JobRun, step: Step, deadline: float, handler: StepHandler) -> None:
    reporter = job.state.reporter
    job.contexts["job"]["status"] = job.status
    try:
        env, own = evaluate_step_env(job, step)
        call = StepCall(job.mapping(step.with_, "with"), env, 0.0, own)
        name = f"Pre {_display_name(job, step)}"
        if handler.has_post():
            _queue_post(job, step, handler, call)
        if not job.condition(handler.pre_condition()):
            return
    except ExpressionError as error:
        reporter.line(job.key, f"error: pre of step {step.index + 1}: {error}")
        job.set_status(Status.FAILURE)
        return
    reporter.step_started(job.key, name)
    started = time.monotonic()
    call = replace(call, timeout=max(0.0, deadline - time.monotonic()))
    try:
        result = handler.pre(job, step, call)
        failed, detail = result.failed, result.detail
    except Exception as error:  # any error fails the pre step, in one line
        _report(job, error)
        failed, detail = True, "error"
    outcome = Status.FAILURE if failed else Status.SUCCESS
    reporter.step_finished(job.key, name, outcome, time.monotonic() - started, detail)
    job.set_status(outcome)


def _report(job: JobRun, error: Exception) -> None:
    """A step's error as its one line: the message of an expected one (a step, expression,
    shell or file-command error), else what :meth:`JobRun.report_error` makes of a bug."""
    if isinstance(error, STEP_ERRORS):
        job.state.reporter.line(job.key, f"error: {error}")
    else:
        job.report_error(error)


def _queue_post(job: JobRun, step: Step, handler: StepHandler, call: StepCall) -> None:
    def post(timeout: float) -> bool:
        return handler.post(job, step, replace(call, timeout=timeout)).failed

    job.add_post_step(_display_name(job, step), post, handler.post_condition())


def _display_name(job: JobRun, step: Step) -> str:
    try:
        return job.text(step.name) if step.name else step.display_name
    except ExpressionError:
        return step.display_name


def evaluate_step_env(job: JobRun, step: Step) -> tuple[dict[str, str], dict[str, str]]:
    """The step's env — the job's base env (see :mod:`mlops.workflow.contexts`), then its own
    ``env:``, each value evaluated with the keys before it in the ``env`` context — and its
    own ``env:`` alone."""
    env = contexts.step_env(job.base_env(), {})
    job.contexts["env"] = env
    given = step.env if isinstance(step.env, dict) else job.evaluate(step.env) or {}
    own: dict[str, str] = {}
    for key, value in given.items():  # a key may be an expression, or ${{ insert }}
        evaluated = job.mapping({key: value}, "env")
        env.update(evaluated)
        own.update(evaluated)
    job.contexts["env"] = env
    return env, own


def run_post(
    job: JobRun, name: str, action: Callable[[float], object], condition: str, deadline: float
) -> None:
    """A queued post step, when its ``post-if`` holds for the job as it stands; it may take
    what is left of the job's time."""
    reporter = job.state.reporter
    job.contexts["job"]["status"] = job.status
    try:
        runs = job.condition(condition)
    except ExpressionError as error:
        reporter.line(job.key, f"error: post-if of Post {name}: {error}")
        job.set_status(Status.FAILURE)
        return
    if not runs:
        return
    reporter.step_started(job.key, f"Post {name}")
    started = time.monotonic()
    try:
        failed = bool(action(max(0.0, deadline - time.monotonic())))
    except Exception as error:  # any error fails the post step, in one line
        _report(job, error)
        failed = True
    reporter.step_finished(
        job.key,
        f"Post {name}",
        Status.FAILURE if failed else Status.SUCCESS,
        time.monotonic() - started,
    )
    if failed:
        job.set_status(Status.FAILURE)
