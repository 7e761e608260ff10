"""Node actions (node12/16/20/24): ``node`` from PATH runs ``pre`` (an action from another
repository only, as on GitHub), ``main`` and ``post``, each with the inputs of its own moment
as ``INPUT_<NAME>`` variables, and GITHUB_STATE shared from pre and main to post."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner import filecommands
from mlops.runner.status import Execution
from mlops.runner.steps.actioninputs import action_inputs
from mlops.runner.steps.base import StepCall, StepFailure, StepHandler
from mlops.runner.steps.process import run_in_job

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step
    from mlops.workflow.schema.actionfile import Action


class NodeAction(StepHandler):
    kind = "node-action"

    def __init__(self, action: Action, directory: Path, uses: str, *, remote: bool = False) -> None:
        self.action = action
        self.directory = directory
        self.uses = uses
        self.remote = remote
        self.node: str | None = None
        self.state_file: Path | None = None

    def _prepare(self, job: JobRun) -> None:
        if self.node is not None:
            return
        node = job.backend.which("node", job.process_env({}, {}).get("PATH", ""))
        if node is None:
            raise StepFailure(f"{self.uses} is a node action and node is not on PATH")
        self.node = node
        self.state_file = job.temp / f"state-{os.urandom(6).hex()}"
        self.state_file.touch()

    def _invoke(self, job: JobRun, entry: str, call: StepCall) -> Execution:
        self._prepare(job)
        assert self.node is not None and self.state_file is not None
        inputs = action_inputs(job, self.action, call.inputs, self.uses)
        files = filecommands.create(job.temp)
        state = filecommands.parse_assignments(self.state_file)
        extra = {
            **{f"INPUT_{name.replace(' ', '_').upper()}": value for name, value in inputs.items()},
            **{f"STATE_{k}": v for k, v in state.items()},
            "GITHUB_ACTION_PATH": str(self.directory),
        }
        process_env = job.process_env({**call.env, **extra}, files)
        result = run_in_job(
            job,
            [self.node, str(self.directory / entry)],
            job.workspace,
            process_env,
            files,
            call.timeout,
        )
        saved_state = files["GITHUB_STATE"].read_text(encoding="utf-8")
        if saved_state:
            with self.state_file.open("a", encoding="utf-8") as stream:
                stream.write(saved_state)
        return result

    def has_pre(self) -> bool:
        return self.remote and bool(self.action.runs.get("pre"))

    def pre_condition(self) -> str:
        return str(self.action.runs.get("pre-if") or "always()")

    def pre(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        return self._invoke(job, str(self.action.runs["pre"]), call)

    def main(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        if not self.action.runs.get("main"):
            raise StepFailure(f"{self.uses}: runs.main is missing")
        return self._invoke(job, str(self.action.runs["main"]), call)

    def has_post(self) -> bool:
        return bool(self.action.runs.get("post"))

    def post_condition(self) -> str:
        return str(self.action.runs.get("post-if") or "always()")

    def post(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        return self._invoke(job, str(self.action.runs["post"]), call)

    def warnings(self) -> list[str]:
        if self.action.runs.get("pre") and not self.remote:
            return [f"`pre` execution is not supported for local action from '{self.uses}'"]
        return []
