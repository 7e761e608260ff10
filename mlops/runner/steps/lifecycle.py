"""What every step goes through, whatever its kind (GitHub's rules):

an ``if`` without a status function means ``success() &&``; the step's ``with``, ``env`` and
``timeout-minutes`` are evaluated; its handler's ``pre`` and ``main`` run, and its ``post`` is
queued; ``continue-on-error`` turns a failed outcome into a successful conclusion; the job's
status follows the conclusion. Post steps run after the job's last step, newest first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from mlops.runner import failures, filecommands, shells
from mlops.runner.status import Execution, Status, StepResult
from mlops.runner.steps import handler_for
from mlops.runner.steps.base import StepCall, StepFailure
from mlops.workflow import contexts
from mlops.workflow.expressions.errors import ExpressionError

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step

STEP_ERRORS = (ExpressionError, StepFailure, shells.ShellError, filecommands.FileCommandError)


def run_step(job: JobRun, step: Step, deadline: float) -> StepResult:
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
    try:
        name = job.text(step.name) if step.name else step.display_name
    except ExpressionError:
        name = step.display_name
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
        outputs, failed, detail = _execute(job, step, timeout)
    except STEP_ERRORS as error:
        reporter.line(job.key, f"error: {error}")
        outputs, failed, detail = {}, True, "error"
    except Exception as error:  # any other error fails the step, in one line
        job.report_error(error)
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


def _execute(job: JobRun, step: Step, timeout: float) -> Execution:
    env, own = evaluate_step_env(job, step)
    inputs = job.mapping(step.with_, "with") if step.kind != "script" else {}
    handler = handler_for(job, step)
    call = StepCall(inputs, env, timeout, own)
    pre = handler.pre(job, step, call)
    if pre is not None and pre.failed:
        return Execution({}, True, f"pre: {pre.detail}")
    result = handler.main(job, step, call)
    if handler.has_post():
        job.add_post_step(handler.post_name(), lambda: handler.post(job, step, call).failed)
    return result


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


def run_post(job: JobRun, name: str, action: Callable[[], object]) -> None:
    reporter = job.state.reporter
    reporter.step_started(job.key, f"Post {name}")
    started = time.monotonic()
    try:
        failed = bool(action())
    except StepFailure as error:
        reporter.line(job.key, f"error: {error}")
        failed = True
    reporter.step_finished(
        job.key,
        f"Post {name}",
        Status.FAILURE if failed else Status.SUCCESS,
        time.monotonic() - started,
    )
    if failed:
        job.set_status(Status.FAILURE)
