"""Run one job (one matrix leg): make its backend and :class:`~mlops.runner.job.JobRun`, start
its services and container, run the actions' ``pre``, its steps in order and the queued
``post`` steps, and evaluate its outputs.

This is the layer above the job's state, the step lifecycle (:mod:`mlops.runner.steps`) and
the backends (:mod:`mlops.runner.backends`), which all use a ``JobRun`` and never this module.
``timeout-minutes`` of the job bounds all its steps.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from mlops.errors import UsageError
from mlops.runner import failures
from mlops.runner.backends.host import HostBackend
from mlops.runner.job import JobLeg, JobRun
from mlops.runner.status import JobResult, Status
from mlops.runner.steps.lifecycle import run_post, run_pre, run_step
from mlops.workflow.containers import empty_image_notice, job_container, job_services
from mlops.workflow.expressions.errors import ExpressionError

if TYPE_CHECKING:
    from mlops.runner.backends.contract import Backend
    from mlops.runner.state import RunState
    from mlops.runner.steps.base import StepHandler


def start_job(state: RunState, leg: JobLeg) -> JobRun:
    """The job's backend, started (and registered with the run, to cancel), and its state."""
    # Named by the job's id, not its display name: a matrix value may hold anything.
    root = state.work_root / f"{leg.planned.job.id}-{leg.index}-{os.urandom(3).hex()}"
    backend: Backend
    if state.docker is not None:
        from mlops.runner.backends.docker import DockerBackend  # the docker SDK: only when used

        backend = DockerBackend(state.docker, root, state.tool_cache)
    else:
        backend = HostBackend(root, state.tool_cache)
    state.register(backend)
    try:
        backend.start()
        return JobRun(state, leg, backend, run_step)
    except BaseException:  # say, a job env that cannot be evaluated: nothing is left behind
        backend.close()
        state.unregister(backend)
        raise


def run_job(job: JobRun) -> JobResult:
    """Run the job to its end (its backend closed); any error fails it in one line."""
    start = time.monotonic()
    try:
        outcome = _run(job)
    except Exception as error:  # anything inside a job fails the job, in one line
        outcome = JobResult(Status.FAILURE, reason=job.report_error(error))
    finally:
        job.backend.close()
        job.state.unregister(job.backend)
    outcome.seconds = time.monotonic() - start
    return outcome


def _run(job: JobRun) -> JobResult:
    definition = job.job
    # An image that evaluates to '' means no container / no such service, as on GitHub.
    container = job_container(job.evaluate(definition.container)) if definition.container else None
    services, not_started = (
        job_services(job.evaluate(definition.services)) if definition.services else ({}, [])
    )
    for name in not_started:
        job.state.reporter.line(job.key, empty_image_notice(name))
    if job.backend.name == "host" and (container or services):
        what = "container:" if container else "services:"
        return JobResult(
            Status.FAILURE,
            reason=f"the job uses {what}, which the host backend cannot run; use --backend docker",
        )
    if job.backend.name == "docker":
        failure = _open_container(job, container, services)
        if failure is not None:
            return failure
    timeout = failures.minutes(job.evaluate(definition.timeout_minutes), "timeout-minutes")
    deadline = time.monotonic() + timeout * 60
    # Handlers made at job start (for their pre), used again when their step runs.
    prepared: dict[int, StepHandler] = {}
    for step in definition.steps:
        handler = run_pre(job, step, deadline)
        if handler is not None:
            prepared[id(step)] = handler
    for step in definition.steps:
        if job.backend.cancelled.is_set():
            job.status = Status.CANCELLED
        result = run_step(job, step, deadline, prepared.get(id(step)))
        if step.id:
            job.steps_context[step.id] = result.context()
        if time.monotonic() > deadline and job.status != Status.CANCELLED:
            job.status = Status.FAILURE
            job.timed_out = True
    for name, post, condition in reversed(job.post_steps):
        run_post(job, name, post, condition, deadline)
    reason = (
        f"timed out after {job.text(definition.timeout_minutes)} minutes" if job.timed_out else ""
    )
    outputs = {}
    for name, value in definition.outputs.items():
        try:
            outputs[name] = job.text(value)
        except ExpressionError:
            outputs[name] = ""
    return JobResult(job.status, outputs, reason)


def _open_container(
    job: JobRun, container: dict[str, Any] | None, services: dict[str, dict[str, Any]]
) -> JobResult | None:
    """Start the job's services and container; a failed result if they cannot start."""
    from mlops.runner.backends.docker import ContainerError, DockerBackend

    backend = job.backend
    assert isinstance(backend, DockerBackend)  # called for the docker backend only
    errors = job.state.docker.errors
    try:
        backend.open(job, container, services)
    except (ContainerError, ExpressionError) as error:
        reason = str(error)
    except UsageError as error:  # an image named by an expression is missing
        reason = error.message
    except errors.DockerException as error:
        reason = f"docker: {getattr(error, 'explanation', None) or error}"
    else:
        return None
    reason = reason.strip().splitlines()[0] if reason.strip() else "docker error"
    job.state.reporter.line(job.key, f"error: {reason}")
    return JobResult(Status.FAILURE, reason=reason)
