"""Composite actions: their steps run in the job, with the ``inputs`` context,
``github.action_path`` (and GITHUB_ACTION_PATH), the using step's env, their own ``steps``
context, and the action's outputs evaluated from it (also when an inner step failed);
nesting works up to ``MAX_NESTING`` levels."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.status import Execution, Status
from mlops.runner.steps.actioninputs import action_inputs
from mlops.runner.steps.base import StepCall, StepFailure, StepHandler

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step
    from mlops.workflow.schema.actionfile import Action

MAX_NESTING = 10


class CompositeAction(StepHandler):
    kind = "composite-action"

    def __init__(self, action: Action, directory: Path, uses: str) -> None:
        self.action = action
        self.directory = directory
        self.uses = uses

    def main(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        inputs = action_inputs(job, self.action, call.inputs, self.uses)
        depth = job.composite_depth
        if depth >= MAX_NESTING:
            raise StepFailure(f"composite actions nest deeper than {MAX_NESTING} levels")
        saved = {name: job.contexts.get(name) for name in ("inputs", "steps", "env")}
        saved_action_path = job.contexts["github"].get("action_path")
        inner_steps: dict[str, object] = {}
        job.contexts["inputs"] = inputs
        job.contexts["steps"] = inner_steps
        job.contexts["github"]["action_path"] = str(self.directory)
        job.composite_depth = depth + 1
        deadline = time.monotonic() + call.timeout
        failed = False
        outer_status = job.status
        job.env_layers.append(call.own_env)  # the composite step's env: for all its steps
        try:
            for inner in self.action.steps:
                result = job.run_step(inner, deadline)
                if inner.id:
                    inner_steps[inner.id] = result.context()
                if result.conclusion == Status.FAILURE:
                    failed = True
            outputs = {name: job.text(value) for name, value in self.action.outputs.items()}
        finally:
            job.env_layers.pop()
            job.contexts.update(saved)
            job.contexts["github"]["action_path"] = saved_action_path
            job.composite_depth = depth
        if failed:
            job.status = outer_status  # the composite step's own outcome decides the job status
        return Execution(outputs, failed, "a step of the composite action failed" if failed else "")
