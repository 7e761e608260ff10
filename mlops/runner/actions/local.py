"""Local actions (``uses: ./path``, or a ``--local-repository`` mapping), as GitHub runs them.

- composite: its steps run in the job, with the ``inputs`` context, ``github.action_path``,
  their own ``steps`` context, and the action's outputs evaluated from it; nesting works.
- node12/16/20/24: ``node`` from PATH runs ``main`` (and ``pre``/``post``), with inputs as
  ``INPUT_<NAME>`` variables and GITHUB_STATE shared from pre/main to post.
- docker: needs ``--backend docker``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.errors import MlopsError
from mlops.runner import filecommands
from mlops.runner.job import StepFailure
from mlops.workflow.schema.actionfile import Action, load_action

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step

MAX_NESTING = 10


def _inputs(action: Action, given: dict[str, str], uses: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, spec in action.inputs.items():
        if name in given:
            values[name] = given[name]
        elif spec.default is not None:
            values[name] = spec.default
        elif spec.required:
            raise StepFailure(f"{uses}: input {name!r} is required")
        else:
            values[name] = ""
    for name, value in given.items():
        values.setdefault(name, value)
    return values


def run_local_action(
    job: JobRun,
    step: Step,
    directory: Path,
    uses: str,
    given: dict[str, str],
    env: dict[str, str],
    timeout: float,
) -> tuple[dict[str, str], bool, str]:
    try:
        action = load_action(directory, uses)
    except MlopsError as error:
        raise StepFailure(str(error)) from None
    inputs = _inputs(action, given, uses)
    if action.using == "composite":
        return _composite(job, action, directory, inputs, env, timeout)
    if action.using.startswith("node"):
        return _node(job, action, directory, inputs, env, timeout, uses)
    if action.using == "docker":
        raise StepFailure(f"{uses} is a docker action; run with --backend docker")
    raise StepFailure(f"{uses}: unknown runs.using {action.using!r}")


def _composite(
    job: JobRun,
    action: Action,
    directory: Path,
    inputs: dict[str, str],
    env: dict[str, str],
    timeout: float,
) -> tuple[dict[str, str], bool, str]:
    depth = job.composite_depth
    if depth >= MAX_NESTING:
        raise StepFailure(f"composite actions nest deeper than {MAX_NESTING} levels")
    saved = {name: job.contexts.get(name) for name in ("inputs", "steps", "env")}
    saved_action_path = job.contexts["github"].get("action_path")
    inner_steps: dict[str, object] = {}
    job.contexts["inputs"] = inputs
    job.contexts["steps"] = inner_steps
    job.contexts["github"]["action_path"] = str(directory)
    job.composite_depth = depth + 1
    deadline = time.monotonic() + timeout
    failed = False
    outer_status = job.status
    try:
        for inner in action.steps:
            job.contexts["env"] = dict(env)
            result = job.run_step(inner, deadline)
            if result is not None and inner.id:
                inner_steps[inner.id] = {
                    "outputs": result.outputs,
                    "outcome": result.outcome,
                    "conclusion": result.conclusion,
                }
            if result is not None and result.conclusion == "failure":
                failed = True
        outputs = {name: job.text(value) for name, value in action.outputs.items()}
    finally:
        job.contexts.update(saved)
        job.contexts["github"]["action_path"] = saved_action_path
        job.composite_depth = depth
    if failed:
        job.status = outer_status  # the composite step's own outcome decides the job status
    return outputs, failed, "a step of the composite action failed" if failed else ""


def _node(
    job: JobRun,
    action: Action,
    directory: Path,
    inputs: dict[str, str],
    env: dict[str, str],
    timeout: float,
    uses: str,
) -> tuple[dict[str, str], bool, str]:
    node = shutil.which("node", path=job.process_env({}, {}).get("PATH", ""))
    if node is None:
        raise StepFailure(f"{uses} is a node action and node is not on PATH")
    state_file = job.temp / f"state-{abs(hash(uses))}"
    state_file.touch()
    input_env = {f"INPUT_{name.replace(' ', '_').upper()}": value for name, value in inputs.items()}

    def invoke(entry: str) -> tuple[dict[str, str], bool, str]:
        files = job.command_files()
        state = filecommands.parse_assignments(state_file)
        extra = {
            **input_env,
            **{f"STATE_{k}": v for k, v in state.items()},
            "GITHUB_ACTION_PATH": str(directory),
        }
        process_env = job.process_env({**env, **extra}, files)
        result = job.run_process(
            [node, str(directory / entry)], job.workspace, process_env, files, timeout
        )
        saved_state = files["GITHUB_STATE"].read_text(encoding="utf-8")
        if saved_state:
            with state_file.open("a", encoding="utf-8") as stream:
                stream.write(saved_state)
        return result

    runs = action.runs
    if runs.get("pre"):
        _, failed, detail = invoke(str(runs["pre"]))
        if failed:
            return {}, True, f"pre: {detail}"
    if not runs.get("main"):
        raise StepFailure(f"{uses}: runs.main is missing")
    outputs, failed, detail = invoke(str(runs["main"]))
    if runs.get("post"):
        job.add_post_step(uses, lambda: invoke(str(runs["post"]))[1])
    return outputs, failed, detail
