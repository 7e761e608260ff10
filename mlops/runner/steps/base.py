"""The interface every step handler implements: ``pre``, ``main`` and ``post``.

A handler is made for one step execution (see :func:`mlops.runner.steps.handler_for`). The
lifecycle (:mod:`mlops.runner.steps.lifecycle`) evaluates the step's ``if``, ``with`` and
``env``, then calls ``pre`` (stopping when it fails), ``main``, and — when ``has_post`` — queues
``post`` to run after the job's last step, in reverse order of the steps (as GitHub does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops.runner.status import Execution

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


class StepFailure(Exception):
    """An action or step that cannot go on; the message is shown in the job's log."""


@dataclass(eq=False)
class StepCall:
    """A step's evaluated ``with`` inputs and ``env`` (the job's base env with its own ``env:``
    on top; ``own_env`` is that ``env:`` alone), and how long it may take (seconds)."""

    inputs: dict[str, str]
    env: dict[str, str]
    timeout: float
    own_env: dict[str, str] = field(default_factory=dict)


class StepHandler:
    kind = ""

    def pre(self, job: JobRun, step: Step, call: StepCall) -> Execution | None:
        return None

    def main(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        raise NotImplementedError

    def has_post(self) -> bool:
        return False

    def post(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        return Execution({}, False)

    def post_name(self) -> str:
        """What the post step is called after ``Post ``."""
        return ""
