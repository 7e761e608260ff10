"""One job (one matrix leg) and its state: directories, contexts, status, env from files,
PATH additions, queued post steps; runs its steps in order and evaluates its outputs.

The step lifecycle is in :mod:`mlops.runner.steps`; where processes run is the job's backend
(:mod:`mlops.runner.backends`). ``timeout-minutes`` of the job bounds all its steps; a job
whose ``runs-on`` this host cannot serve is skipped with a notice.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops.errors import UsageError
from mlops.runner import failures
from mlops.runner.backends.host import HostBackend
from mlops.runner.environment import merge_env
from mlops.runner.status import JobResult, Status, StepResult
from mlops.workflow import contexts
from mlops.workflow.expressions.errors import ExpressionError
from mlops.workflow.model import scalar_text

if TYPE_CHECKING:
    from mlops.runner.state import RunState
    from mlops.runner.steps.base import StepHandler
    from mlops.workflow.model import Step
    from mlops.workflow.plan import PlannedJob

FOREIGN_RUNNERS = ("macos", "windows")


def unservable_label(runs_on: Any) -> str | None:
    labels = runs_on if isinstance(runs_on, list) else [runs_on]
    if isinstance(runs_on, dict):
        labels = runs_on.get("labels") or []
        labels = labels if isinstance(labels, list) else [labels]
    for label in labels:
        if isinstance(label, str) and label.lower().startswith(FOREIGN_RUNNERS):
            return label
    return None


class JobRun:
    """The state of one job execution, and what steps and actions may do to it."""

    def __init__(
        self,
        state: RunState,
        planned: PlannedJob,
        leg: dict[str, Any],
        leg_index: int,
        leg_total: int,
        display: str,
        needs: dict[str, Any],
    ) -> None:
        self.state = state
        self.planned = planned
        self.job = planned.job
        self.key = display
        self.leg = leg
        # Named by the job's id, not its display name: a matrix value may hold anything.
        self.root = state.work_root / f"{self.job.id}-{leg_index}-{os.urandom(3).hex()}"
        if state.docker is not None:
            from mlops.runner.backends.docker import DockerBackend

            self.backend: Any = DockerBackend(state.docker, self.root, state.tool_cache)
        else:
            self.backend = HostBackend(self.root, state.tool_cache)
        state.register(self.backend)
        self.backend.start()
        self.workspace = self.backend.step_paths.workspace
        self.temp = self.backend.step_paths.temp
        self.home = self.root / "home"  # a fresh HOME per job, as a fresh runner has
        self.home.mkdir(exist_ok=True)
        self.status = Status.SUCCESS
        self.timed_out = False
        self.composite_depth = 0  # how deep in nested composite actions the current step is
        self.env_from_files: dict[str, str] = {}
        self.env_layers: list[dict[str, str]] = []  # env of the composite steps being run
        self.path_prepends: list[str] = []
        self.post_steps: list[tuple[str, Callable[[float], object], str]] = []
        # Handlers made at job start (for their pre), used again when their step runs.
        self.prepared_handlers: dict[int, StepHandler] = {}
        self.steps_context: dict[str, Any] = {}
        github = dict(state.github_for(planned.workflow))
        github.update(job=self.job.id, workspace=str(self.workspace))
        self.contexts = state.contexts_for(planned).job(
            github=github,
            needs=needs,
            matrix=leg,
            strategy=contexts.strategy_context(self.job.strategy, leg_index, leg_total),
            runner={
                "os": "Linux",
                "arch": state.arch,
                "name": "mlops-host",
                "environment": "self-hosted",
                "temp": str(self.temp),
                "tool_cache": str(state.tool_cache),
                "debug": "",
            },
            steps=self.steps_context,
        )
        # Workflow and job env may not read steps (GitHub's context availability table):
        # evaluated once, at job start.
        self.job_env = self._evaluate_env(planned.workflow.env, self.job.env)
        self.contexts["env"] = dict(self.job_env)

    # -- expressions -------------------------------------------------------------------------

    def evaluate(self, value: Any) -> Any:
        """A YAML value with ``${{ }}`` evaluated (a whole expression keeps its type)."""
        if not isinstance(value, str | dict | list) or (
            isinstance(value, str) and "${{" not in value
        ):
            return value  # the common case; the expression engine is not even imported
        from mlops.workflow import expressions

        return expressions.evaluate_value(value, self.contexts, workspace=str(self.workspace))

    def condition(self, condition: str | None) -> bool:
        """An ``if:``; without one a step runs only while the job succeeds (``success()``)."""
        if condition is None:
            return self.contexts["job"]["status"] == Status.SUCCESS
        from mlops.workflow import expressions

        return expressions.evaluate_condition(
            condition, self.contexts, workspace=str(self.workspace)
        )

    def text(self, value: Any) -> str:
        """A value evaluated and turned into the string a step sees (null is '')."""
        result = self.evaluate(value)
        return "" if result is None else scalar_text(result)

    def mapping(self, value: Any, where: str) -> dict[str, str]:
        """An ``env:``/``with:`` mapping evaluated to strings; expression keys and
        ``${{ insert }}`` work as on GitHub (see expressions.evaluate_value)."""
        result = self.evaluate(value) if value else {}
        if not isinstance(result, dict):
            raise ExpressionError(f"{where} must be a mapping, got {scalar_text(result)!r}")
        return {str(k): "" if v is None else scalar_text(v) for k, v in result.items()}

    def _evaluate_env(self, *layers: Any) -> dict[str, str]:
        # --env/--env-file values are the bottom layer of the env context (act's behaviour).
        env: dict[str, str] = dict(self.state.options.env)
        for layer in layers:
            self.contexts["env"] = dict(env)  # a layer sees the layers below it
            env.update(self.mapping(layer, "env"))
        return env

    # -- state steps change ------------------------------------------------------------------

    def base_env(self) -> dict[str, str]:
        """What a step's ``if`` sees as ``env``: workflow and job env, then what steps wrote to
        GITHUB_ENV (then, inside composite actions, the env of the steps that use them)."""
        return contexts.condition_env(self.job_env, self.env_from_files, *self.env_layers)

    def set_status(self, conclusion: Status) -> None:
        if conclusion == Status.FAILURE and self.status == Status.SUCCESS:
            self.status = Status.FAILURE
        self.contexts["job"]["status"] = self.status

    def add_post_step(
        self, name: str, action: Callable[[float], object], condition: str = "always()"
    ) -> None:
        """Run ``action`` after the job's last step when ``condition`` (a ``post-if``) holds;
        it is given the seconds left to the job and returns whether it failed."""
        self.post_steps.append((name, action, condition))

    def process_env(self, env: dict[str, str], files: dict[str, Path]) -> dict[str, str]:
        """The real environment of a step's process: allow-listed host vars, runner vars, env."""
        runner = self.state.runner_variables(self, files)
        # On the host each job has its own HOME; a container keeps its image's HOME.
        home = {"HOME": str(self.home)} if getattr(self.backend, "container", None) is None else {}
        merged = merge_env(self.backend.base_env(self.state.host_env), home, runner, env)
        if self.path_prepends:
            merged["PATH"] = ":".join([*reversed(self.path_prepends), merged.get("PATH", "")])
        return merged

    # -- running -----------------------------------------------------------------------------

    def _open_container(
        self, container: dict[str, Any] | None, services: dict[str, dict[str, Any]]
    ) -> JobResult | None:
        """Start the job's services and container; a failed result if they cannot start."""
        from mlops.runner.backends.docker import ContainerError

        errors = self.state.docker.errors
        try:
            self.backend.open(self, container, services)
        except (ContainerError, ExpressionError) as error:
            reason = str(error)
        except UsageError as error:  # an image named by an expression is missing
            reason = error.message
        except errors.DockerException as error:
            reason = f"docker: {getattr(error, 'explanation', None) or error}"
        else:
            return None
        reason = reason.strip().splitlines()[0] if reason.strip() else "docker error"
        self.state.reporter.line(self.key, f"error: {reason}")
        return JobResult(Status.FAILURE, reason=reason)

    def run_step(self, step: Step, deadline: float) -> StepResult:
        """One step through its lifecycle (also the steps of a composite action)."""
        from mlops.runner.steps.lifecycle import run_step

        return run_step(self, step, deadline)

    def run(self) -> JobResult:
        start = time.monotonic()
        try:
            outcome = self._run()
        except Exception as error:  # anything inside a job fails the job, in one line
            outcome = JobResult(Status.FAILURE, reason=self.report_error(error))
        finally:
            self.backend.close()
            self.state.unregister(self.backend)
        outcome.seconds = time.monotonic() - start
        return outcome

    def _run(self) -> JobResult:
        from mlops.runner.steps.lifecycle import run_post, run_pre

        job = self.job
        from mlops.workflow.containers import empty_image_notice, job_container, job_services

        # An image that evaluates to '' means no container / no such service, as on GitHub.
        container = job_container(self.evaluate(job.container)) if job.container else None
        services, not_started = (
            job_services(self.evaluate(job.services)) if job.services else ({}, [])
        )
        for name in not_started:
            self.state.reporter.line(self.key, empty_image_notice(name))
        if self.backend.name == "host" and (container or services):
            what = "container:" if container else "services:"
            return JobResult(
                Status.FAILURE,
                reason=f"the job uses {what}, which the host backend "
                "cannot run; use --backend docker",
            )
        if self.backend.name == "docker":
            failure = self._open_container(container, services)
            if failure is not None:
                return failure
        timeout = failures.minutes(self.evaluate(job.timeout_minutes), "timeout-minutes")
        deadline = time.monotonic() + timeout * 60
        for step in job.steps:
            run_pre(self, step, deadline)
        for step in job.steps:
            if self.backend.cancelled.is_set():
                self.status = Status.CANCELLED
            result = self.run_step(step, deadline)
            if step.id:
                self.steps_context[step.id] = result.context()
            if time.monotonic() > deadline and self.status != Status.CANCELLED:
                self.status = Status.FAILURE
                self.timed_out = True
        for name, post, condition in reversed(self.post_steps):
            run_post(self, name, post, condition, deadline)
        reason = (
            f"timed out after {self.text(job.timeout_minutes)} minutes" if self.timed_out else ""
        )
        outputs = {}
        for name, value in job.outputs.items():
            try:
                outputs[name] = self.text(value)
            except ExpressionError:
                outputs[name] = ""
        return JobResult(self.status, outputs, reason)

    def report_error(self, error: BaseException) -> str:
        """Show ``error`` in the job's log as one line (with the traceback under MLOPS_DEBUG)."""
        line = failures.one_line(error)
        self.state.reporter.line(self.key, f"error: {line}")
        trace = failures.debug_traceback(error)
        if trace:
            for text in trace.splitlines():
                self.state.reporter.line(self.key, text)
        return line
