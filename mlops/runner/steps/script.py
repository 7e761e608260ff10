"""``run:`` steps: the script in its shell and working directory (``defaults.run`` applied)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops.runner.status import Execution
from mlops.runner.steps.base import StepCall, StepHandler
from mlops.runner.steps.process import run_script

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


class ScriptStep(StepHandler):
    kind = "script"

    def main(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        assert step.run is not None
        script = job.text(step.run) if "${{" in step.run else step.run
        return run_script(job, script, _shell(job, step), _cwd(job, step), call.env, call.timeout)


def _defaults_run(job: JobRun) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for defaults in (job.planned.workflow.defaults, job.job.defaults):
        merged.update((defaults or {}).get("run") or {})
    return merged


def _shell(job: JobRun, step: Step) -> str | None:
    shell = step.shell or _defaults_run(job).get("shell")
    return job.text(shell) if shell else None


def _cwd(job: JobRun, step: Step) -> Path:
    directory = step.working_directory or _defaults_run(job).get("working-directory")
    if not directory:
        return job.workspace
    path = Path(job.text(directory))
    return path if path.is_absolute() else job.workspace / path
