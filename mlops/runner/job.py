"""One job (one matrix leg) and its state: directories, contexts, status, env from files,
PATH additions, queued post steps, the runner's variables — what steps and actions may read
and change.

This module sits below the steps and the backends, which use a :class:`JobRun`: it is given
its backend and the way to run a step (:mod:`mlops.runner.jobexec` makes both and runs the
job); a job whose ``runs-on`` this host cannot serve is skipped with a notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops.runner import failures
from mlops.runner.environment import merge_env
from mlops.runner.status import Status, StepResult
from mlops.workflow import contexts
from mlops.workflow.expressions.errors import ExpressionError
from mlops.workflow.model import scalar_text

if TYPE_CHECKING:
    from mlops.runner.backends.contract import Backend
    from mlops.runner.state import RunState
    from mlops.workflow.model import Step
    from mlops.workflow.plan import PlannedJob

StepRunner = Callable[["JobRun", "Step", float], StepResult]

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


@dataclass(frozen=True)
class JobLeg:
    """One leg of a planned job: its matrix values, where it stands among the job's legs,
    the name its lines carry, and the ``needs`` context it starts with."""

    planned: PlannedJob
    matrix: dict[str, Any]
    index: int
    total: int
    display: str
    needs: dict[str, Any]


class JobRun:
    """The state of one job execution, and what steps and actions may do to it."""

    def __init__(
        self, state: RunState, leg: JobLeg, backend: Backend, run_step: StepRunner
    ) -> None:
        """``backend`` (started, its directories under ``backend.root``) runs the job's
        processes; ``run_step`` takes a step through its lifecycle."""
        planned = leg.planned
        self.state = state
        self.planned = planned
        self.job = planned.job
        self.key = leg.display
        self.leg = leg.matrix
        self.backend = backend
        self.root: Path = backend.root
        self._run_step = run_step
        self.workspace = self.backend.step_paths.workspace
        self.temp = self.backend.step_paths.temp
        self.home = self.root / "home"  # a fresh HOME per job, as a fresh runner has
        self.home.mkdir(exist_ok=True)
        self.status = Status.SUCCESS
        self.timed_out = False
        self.composite_depth = 0  # how deep in nested composite actions the current step is
        self.annotations = 0  # made by its steps (GitHub keeps 50 a job)
        self.env_from_files: dict[str, str] = {}
        self.env_layers: list[dict[str, str]] = []  # env of the composite steps being run
        self.path_prepends: list[str] = []
        self.post_steps: list[tuple[str, Callable[[float], object], str]] = []
        self.steps_context: dict[str, Any] = {}
        github = dict(state.github_for(planned.workflow))
        github.update(job=self.job.id, workspace=str(self.workspace))
        self.contexts = state.contexts_for(planned).job(
            github=github,
            needs=leg.needs,
            matrix=leg.matrix,
            strategy=contexts.strategy_context(self.job.strategy, leg.index, leg.total),
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
            status: str = self.contexts["job"]["status"]
            return status == Status.SUCCESS
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

    def runner_variables(self, files: dict[str, Path]) -> dict[str, str]:
        """The variables GitHub's runner gives every step (and the command files' paths)."""
        github = self.contexts["github"]
        variables = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTOR": github["actor"],
            "GITHUB_ACTOR_ID": github["actor_id"],
            "GITHUB_API_URL": github["api_url"],
            "GITHUB_BASE_REF": github["base_ref"],
            "GITHUB_EVENT_NAME": github["event_name"],
            "GITHUB_EVENT_PATH": github["event_path"],
            "GITHUB_GRAPHQL_URL": github["graphql_url"],
            "GITHUB_HEAD_REF": github["head_ref"],
            "GITHUB_JOB": self.job.id,
            "GITHUB_REF": github["ref"],
            "GITHUB_REF_NAME": github["ref_name"],
            "GITHUB_REF_PROTECTED": "false",
            "GITHUB_REF_TYPE": github["ref_type"],
            "GITHUB_REPOSITORY": github["repository"],
            "GITHUB_REPOSITORY_ID": github["repository_id"],
            "GITHUB_REPOSITORY_OWNER": github["repository_owner"],
            "GITHUB_REPOSITORY_OWNER_ID": github["repository_owner_id"],
            "GITHUB_RETENTION_DAYS": github["retention_days"],
            "GITHUB_RUN_ATTEMPT": github["run_attempt"],
            "GITHUB_RUN_ID": github["run_id"],
            "GITHUB_RUN_NUMBER": github["run_number"],
            "GITHUB_SERVER_URL": github["server_url"],
            "GITHUB_SHA": github["sha"],
            "GITHUB_TRIGGERING_ACTOR": github["triggering_actor"],
            "GITHUB_WORKFLOW": github["workflow"],
            "GITHUB_WORKFLOW_REF": github["workflow_ref"],
            "GITHUB_WORKFLOW_SHA": github["workflow_sha"],
            "GITHUB_WORKSPACE": str(self.workspace),
            **({"GITHUB_ACTION_PATH": github["action_path"]} if github.get("action_path") else {}),
            "RUNNER_ARCH": self.state.arch,
            "RUNNER_ENVIRONMENT": "self-hosted",
            "RUNNER_NAME": "mlops-host",
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_TOOL_CACHE": str(self.state.tool_cache),
            "MLOPS_RUN": "true",
        }
        variables.update({name: str(path) for name, path in files.items()})
        return variables

    def process_env(self, env: dict[str, str], files: dict[str, Path]) -> dict[str, str]:
        """The real environment of a step's process: allow-listed host vars, runner vars, env."""
        runner = self.runner_variables(files)
        # On the host each job has its own HOME; a container keeps its image's HOME.
        home = {"HOME": str(self.home)} if getattr(self.backend, "container", None) is None else {}
        merged = merge_env(self.backend.base_env(self.state.host_env), home, runner, env)
        if self.path_prepends:
            merged["PATH"] = ":".join([*reversed(self.path_prepends), merged.get("PATH", "")])
        return merged

    # -- running --------------------------------------------------------------------

    def run_step(self, step: Step, deadline: float) -> StepResult:
        """One step through its lifecycle (also the steps of a composite action)."""
        return self._run_step(self, step, deadline)

    def report_error(self, error: BaseException) -> str:
        """Show ``error`` in the job's log as one line (with the traceback under MLOPS_DEBUG)."""
        line = failures.one_line(error)
        self.state.reporter.line(self.key, f"error: {line}")
        trace = failures.debug_traceback(error)
        if trace:
            for text in trace.splitlines():
                self.state.reporter.line(self.key, text)
        return line
