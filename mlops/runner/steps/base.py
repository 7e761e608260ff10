"""The interface every step handler implements: ``pre``, ``main`` and ``post``.

A handler is made for one step execution (see :func:`mlops.runner.steps.handler_for`). As
GitHub's runner does: an action from another repository that ``has_pre`` runs its ``pre`` at
the start of the job, in step order, when its ``pre_condition`` (``pre-if``) holds, whatever
the step's own ``if`` will say (a local action's ``pre`` never runs); the lifecycle
(:mod:`mlops.runner.steps.lifecycle`) evaluates the step's ``if``, ``with`` and ``env``, queues
``post`` when the handler ``has_post``, and calls ``main``; queued posts run after the job's
last step, newest first, each when its ``post_condition`` (``post-if``) holds.
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

    def has_pre(self) -> bool:
        return False

    def pre_condition(self) -> str:
        """``pre-if``: when the ``pre`` runs (GitHub's default: ``always()``)."""
        return "always()"

    def pre(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        return Execution({}, False)

    def main(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        raise NotImplementedError

    def has_post(self) -> bool:
        return False

    def post_condition(self) -> str:
        """``post-if``: when the ``post`` runs (GitHub's default: ``always()``)."""
        return "always()"

    def post(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        return Execution({}, False)

    def warnings(self) -> list[str]:
        """What the step's log warns about before it runs."""
        return []
