"""Results of steps and jobs: the ``Status`` enum and the small types that carry it.

``Status`` is a ``str`` enum, so it prints, compares and serialises as GitHub's words
(``success``, ``failure``, ``cancelled``, ``skipped``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class Status(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class Execution(NamedTuple):
    """What running a step's work gave: its outputs, whether it failed, and why (shown)."""

    outputs: dict[str, str]
    failed: bool
    detail: str = ""


@dataclass(eq=False)
class StepResult:
    """A step's ``outcome`` (before continue-on-error) and ``conclusion`` (after), and outputs."""

    outcome: Status
    conclusion: Status
    outputs: dict[str, str] = field(default_factory=dict)

    def context(self) -> dict[str, object]:
        """The step's entry in the ``steps`` context."""
        return {"outputs": self.outputs, "outcome": self.outcome, "conclusion": self.conclusion}


@dataclass(eq=False)
class JobResult:
    """A job's (or matrix leg's) result, its outputs, why (when not obvious), and duration."""

    result: Status
    outputs: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    seconds: float = 0.0
