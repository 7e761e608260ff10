"""Run one job (one matrix leg): its workspace, contexts, steps in order, outputs.

Steps follow GitHub's rules: an ``if`` without a status function means ``success() &&``;
``continue-on-error`` turns a failed outcome into a successful conclusion; ``timeout-minutes``
of a step and of the job kill the step's whole process group; a job whose ``runs-on`` this
host cannot serve is skipped with a notice.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops.runner import filecommands, shells, workflowcommands
from mlops.runner.backends.host import ProcessGroups, run_process
from mlops.runner.environment import merge_env
from mlops.workflow.expressions.errors import ExpressionError
from mlops.workflow.model import Step, scalar_text

if TYPE_CHECKING:
    from mlops.runner.engine import RunState
    from mlops.workflow.plan import PlannedJob

FOREIGN_RUNNERS = ("macos", "windows")


@dataclass
class JobOutcome:
    result: str  # success | failure | cancelled | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    seconds: float = 0.0


@dataclass
class StepOutcome:
    outcome: str
    conclusion: str
    outputs: dict[str, str] = field(default_factory=dict)


class StepFailure(Exception):
    """An action or step that cannot go on; the message is shown in the job's log."""


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
        self.groups = ProcessGroups()
        state.register(self.groups)
        safe = display.replace("/", "__").replace(" ", "_")
        self.root = state.work_root / f"{safe}-{os.urandom(3).hex()}"
        self.workspace = self.root / "workspace"
        self.temp = self.root / "temp"
        self.workspace.mkdir(parents=True)
        self.temp.mkdir()
        self.status = "success"
        self.timed_out = False
        self.composite_depth = 0  # how deep in nested composite actions the current step is
        self.env_from_files: dict[str, str] = {}
        self.path_prepends: list[str] = []
        self.post_steps: list[tuple[str, Any]] = []
        self.steps_context: dict[str, Any] = {}
        workflow = planned.workflow
        github = dict(state.github_for(workflow))
        github.update(job=self.job.id, workspace=str(self.workspace))
        strategy = self.job.strategy
        self.contexts: dict[str, Any] = {
            "github": github,
            "env": {},
            "vars": dict(state.options.variables),
            "secrets": dict(state.secrets),
            "inputs": dict(state.inputs_for(planned)),
            "matrix": dict(leg),
            "strategy": {
                "fail-fast": True if strategy is None else strategy.fail_fast,
                "job-index": leg_index,
                "job-total": leg_total,
                "max-parallel": (
                    strategy.max_parallel if strategy and strategy.max_parallel else leg_total
                ),
            },
            "needs": needs,
            "runner": {
                "os": "Linux",
                "arch": state.arch,
                "name": "mlops-host",
                "environment": "self-hosted",
                "temp": str(self.temp),
                "tool_cache": str(state.tool_cache),
                "debug": "",
            },
            "job": {"status": "success", "container": {}, "services": {}},
            "steps": self.steps_context,
        }
        # Workflow and job env may not read steps (spec §6.5): evaluated once, at job start.
        self.job_env = self._evaluate_env(workflow.env, self.job.env)
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
            return self.contexts["job"]["status"] == "success"
        from mlops.workflow import expressions

        return expressions.evaluate_condition(
            condition, self.contexts, workspace=str(self.workspace)
        )

    def text(self, value: Any) -> str:
        """A value evaluated and turned into the string a step sees (null is '')."""
        result = self.evaluate(value)
        return "" if result is None else scalar_text(result)

    def _evaluate_env(self, *layers: Any) -> dict[str, str]:
        env: dict[str, str] = {}
        for layer in layers:
            if isinstance(layer, str):
                layer = self.evaluate(layer)
            for key, value in (layer or {}).items():
                self.contexts["env"] = env
                env[key] = self.text(value)
        return env

    # -- running -----------------------------------------------------------------------------

    def run(self) -> JobOutcome:
        start = time.monotonic()
        try:
            outcome = self._run()
        finally:
            self.groups.kill_all()
            self.state.unregister(self.groups)
            shutil.rmtree(self.root, ignore_errors=True)
        outcome.seconds = time.monotonic() - start
        return outcome

    def _run(self) -> JobOutcome:
        job = self.job
        if job.container or job.services:
            what = "container:" if job.container else "services:"
            return JobOutcome(
                "failure",
                reason=f"the job uses {what}, which the host backend "
                "cannot run; use --backend docker",
            )
        deadline = time.monotonic() + float(self.evaluate(job.timeout_minutes)) * 60
        for step in job.steps:
            if self.groups.cancelled.is_set():
                self.status = "cancelled"
            result = self.run_step(step, deadline)
            if result is not None and step.id:
                self.steps_context[step.id] = {
                    "outputs": result.outputs,
                    "outcome": result.outcome,
                    "conclusion": result.conclusion,
                }
            if time.monotonic() > deadline and self.status != "cancelled":
                self.status = "failure"
                self.timed_out = True
        for name, post in reversed(self.post_steps):
            self._run_post(name, post)
        reason = (
            f"timed out after {self.text(job.timeout_minutes)} minutes" if self.timed_out else ""
        )
        outputs = {}
        for name, value in job.outputs.items():
            try:
                outputs[name] = self.text(value)
            except ExpressionError:
                outputs[name] = ""
        return JobOutcome(self.status, outputs, reason)

    def _set_status(self, conclusion: str) -> None:
        if conclusion == "failure" and self.status == "success":
            self.status = "failure"
        self.contexts["job"]["status"] = self.status

    def run_step(self, step: Step, deadline: float) -> StepOutcome | None:
        reporter = self.state.reporter
        self.contexts["job"]["status"] = self.status
        if self.groups.cancelled.is_set():
            self.contexts["job"]["status"] = "cancelled"
        try:
            runs = self.condition(step.if_)
        except ExpressionError as error:
            reporter.line(self.key, f"error: step {step.index + 1} if: {error}")
            self._set_status("failure")
            return StepOutcome("failure", "failure")
        try:
            name = self.text(step.name) if step.name else step.display_name
        except ExpressionError:
            name = step.display_name
        if not runs:
            return StepOutcome("skipped", "skipped")
        reporter.step_started(self.key, name)
        started = time.monotonic()
        step_timeout = None
        try:
            if step.timeout_minutes is not None:
                step_timeout = float(self.evaluate(step.timeout_minutes)) * 60
            remaining = max(0.0, deadline - time.monotonic())
            timeout = remaining if step_timeout is None else min(step_timeout, remaining)
            outputs, failed, detail = self._execute(step, timeout)
        except (
            ExpressionError,
            StepFailure,
            shells.ShellError,
            filecommands.FileCommandError,
        ) as error:
            reporter.line(self.key, f"error: {error}")
            outputs, failed, detail = {}, True, "error"
        outcome = "failure" if failed else "success"
        if self.groups.cancelled.is_set() and failed:
            outcome = "cancelled"
        continue_on_error = False
        if failed and step.continue_on_error:
            try:
                continue_on_error = step.continue_on_error is True or bool(
                    self.evaluate(step.continue_on_error)
                )
            except ExpressionError:
                continue_on_error = False
        conclusion = "success" if continue_on_error else outcome
        if continue_on_error:
            detail = (detail + ", " if detail else "") + "continue-on-error"
        reporter.step_finished(self.key, name, outcome, time.monotonic() - started, detail)
        if conclusion == "cancelled":
            self.status = "cancelled"
        self._set_status(conclusion)
        return StepOutcome(outcome, conclusion, outputs)

    def _execute(self, step: Step, timeout: float) -> tuple[dict[str, str], bool, str]:
        env = self.step_env(step)
        if step.run is not None:
            script = self.text(step.run) if "${{" in step.run else step.run
            return self.run_script(script, self._shell(step), self._cwd(step), env, timeout)
        from mlops.runner.actions import run_action

        with_inputs = {k: self.text(v) for k, v in step.with_.items()}
        return run_action(self, step, with_inputs, env, timeout)

    def _defaults_run(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for defaults in (self.planned.workflow.defaults, self.job.defaults):
            merged.update((defaults or {}).get("run") or {})
        return merged

    def _shell(self, step: Step) -> str | None:
        shell = step.shell or self._defaults_run().get("shell")
        return self.text(shell) if shell else None

    def _cwd(self, step: Step) -> Path:
        directory = step.working_directory or self._defaults_run().get("working-directory")
        if not directory:
            return self.workspace
        path = Path(self.text(directory))
        return path if path.is_absolute() else self.workspace / path

    def step_env(self, step: Step) -> dict[str, str]:
        """The ``env`` context for a step: workflow, job, then step env; then the env files."""
        base = {**self.job_env, **self.env_from_files}
        self.contexts["env"] = base
        step_env = step.env if isinstance(step.env, dict) else self.evaluate(step.env) or {}
        for key, value in step_env.items():
            base[key] = self.text(value)
        self.contexts["env"] = base
        return base

    def process_env(self, env: dict[str, str], files: dict[str, Path]) -> dict[str, str]:
        """The real environment of a step's process: allow-listed host vars, runner vars, env."""
        runner = self.state.runner_variables(self, files)
        merged = merge_env(self.state.host_env, runner, env)
        if self.path_prepends:
            merged["PATH"] = ":".join([*reversed(self.path_prepends), merged.get("PATH", "")])
        return merged

    def command_files(self) -> dict[str, Path]:
        token = os.urandom(4).hex()
        files = {
            name: self.temp / f"{name.lower()}_{token}"
            for name in (
                "GITHUB_OUTPUT",
                "GITHUB_ENV",
                "GITHUB_PATH",
                "GITHUB_STEP_SUMMARY",
                "GITHUB_STATE",
            )
        }
        for path in files.values():
            path.touch()
        return files

    def run_script(
        self,
        script: str,
        shell: str | None,
        cwd: Path,
        env: dict[str, str],
        timeout: float,
        extra_env: dict[str, str] | None = None,
    ) -> tuple[dict[str, str], bool, str]:
        script_file = self.temp / f"{os.urandom(16).hex()}{shells.suffix_for(shell)}"
        script_file.write_text(script + ("\n" if not script.endswith("\n") else ""))
        files = self.command_files()
        process_env = self.process_env({**env, **(extra_env or {})}, files)
        argv = shells.command_for(shell, str(script_file), process_env.get("PATH", ""))
        if not cwd.is_dir():
            raise StepFailure(f"working-directory {cwd} does not exist")
        return self.run_process(argv, cwd, process_env, files, timeout)

    def run_process(
        self,
        argv: list[str],
        cwd: Path,
        process_env: dict[str, str],
        files: dict[str, Path],
        timeout: float,
    ) -> tuple[dict[str, str], bool, str]:
        state = workflowcommands.CommandState()
        result = run_process(
            argv,
            cwd=str(cwd),
            env=process_env,
            on_line=lambda line: self.on_line(line, state),
            timeout=timeout,
            groups=self.groups,
        )
        outputs = self.collect_files(files)
        if result.cancelled:
            return outputs, True, "cancelled"
        if result.timed_out:
            return outputs, True, f"timed out after {timeout / 60:g} minutes"
        if result.exit_code != 0:
            return outputs, True, f"exit code {result.exit_code}"
        return outputs, False, ""

    def collect_files(self, files: dict[str, Path]) -> dict[str, str]:
        outputs = filecommands.parse_assignments(files["GITHUB_OUTPUT"])
        for name, value in filecommands.parse_assignments(files["GITHUB_ENV"]).items():
            if name == "NODE_OPTIONS" or name.startswith(("GITHUB_", "RUNNER_")):
                continue
            self.env_from_files[name] = value
        self.path_prepends.extend(filecommands.parse_paths(files["GITHUB_PATH"]))
        summary = files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8", errors="replace")
        if summary.strip():
            self.state.add_summary(self.key, summary)
        return outputs

    def on_line(self, line: str, state: workflowcommands.CommandState) -> None:
        reporter = self.state.reporter
        command = state.accept(line)
        if command is None:
            if (
                state.stop_token is None
                and line.startswith("::")
                and workflowcommands.parse(line) is not None
            ):
                return  # the stop-commands / resume lines themselves
            reporter.line(self.key, line)
            return
        name = command.name
        if name == "add-mask":
            if command.message:
                self.state.masker.add(command.message)
        elif name == "group":
            reporter.group(self.key, command.message)
        elif name == "endgroup":
            reporter.end_group(self.key)
        elif name in workflowcommands.ANNOTATIONS:
            reporter.annotation(self.key, name, command.message, command.properties)
        elif name == "debug":
            if self.state.options.step_debug:
                reporter.line(self.key, f"debug: {command.message}")
        elif name in ("set-output", "save-state", "set-env", "add-path"):
            reporter.annotation(
                self.key,
                "error",
                f"the '{name}' command is disabled; use the environment files "
                "(GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_PATH)",
                {},
            )
        else:
            reporter.line(self.key, line)

    def add_post_step(self, name: str, action: Any) -> None:
        self.post_steps.append((name, action))

    def _run_post(self, name: str, action: Any) -> None:
        reporter = self.state.reporter
        reporter.step_started(self.key, f"Post {name}")
        started = time.monotonic()
        try:
            failed = bool(action())
        except StepFailure as error:
            reporter.line(self.key, f"error: {error}")
            failed = True
        reporter.step_finished(
            self.key, f"Post {name}", "failure" if failed else "success", time.monotonic() - started
        )
        if failed:
            self._set_status("failure")
