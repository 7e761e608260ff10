"""Built-in actions: local versions of the popular actions the templates use (checkout,
setup-python, cache, upload/download-artifact, setup-cml, setup-dvc); see
:mod:`mlops.runner.actions`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mlops.runner.status import Execution
from mlops.runner.steps.base import StepCall, StepHandler

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


def builtin_actions() -> dict[str, Callable[..., Any]]:
    """``owner/repo[/path]`` (lower case) to its local implementation."""
    from mlops.runner.actions import artifacts, cache, checkout, python, tools

    return {
        "actions/checkout": checkout.run,
        "actions/setup-python": python.run,
        "actions/cache": cache.run,
        "actions/cache/restore": cache.run_restore,
        "actions/cache/save": cache.run_save,
        "actions/upload-artifact": artifacts.upload,
        "actions/download-artifact": artifacts.download,
        "iterative/setup-cml": tools.setup_cml,
        "iterative/setup-dvc": tools.setup_dvc,
    }


class BuiltinAction(StepHandler):
    kind = "builtin-action"

    def __init__(self, implementation: Callable[..., Any]) -> None:
        self.implementation = implementation

    def main(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        return Execution(*self.implementation(job, step, call.inputs, call.env, call.timeout))
