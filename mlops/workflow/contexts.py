"""The expression contexts of every evaluation site, built in one place.

GitHub makes different contexts available at each place an expression may appear (the
"Context availability" table of GitHub's contexts reference); this module is where the runner
and the planner get them:

- :meth:`RunContexts.job_if` — a job's ``if`` (github, needs, vars, inputs; the job status
  the status functions read is that of the jobs it needs). The planner's static skip uses
  it with no needs.
- :meth:`RunContexts.matrix` — a ``strategy`` built from expressions (github, needs, vars,
  inputs).
- :meth:`RunContexts.job_name` — a job's ``name:`` with an expression, per matrix leg (github,
  needs, strategy, matrix, vars, inputs); :func:`strategy_context` is a leg's ``strategy``.
- :meth:`RunContexts.call_with` — a reusable-workflow call's ``with:`` (github, needs,
  strategy, matrix, vars, inputs).
- :meth:`RunContexts.job` — everything a job's steps see, at job start.
- :meth:`RunContexts.call_outputs` — a reusable workflow's ``on.workflow_call.outputs``
  (github, jobs, vars, inputs).
- :func:`condition_env` and :func:`step_env` — the ``env`` a step's ``if`` sees (workflow and
  job env plus what earlier steps wrote to ``GITHUB_ENV``, never an earlier step's own
  ``env:``) and the one its ``with``, ``env`` and ``run`` see (that, plus its own ``env:``).

Pure: builds dictionaries from what it is given and evaluates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, eq=False)
class RunContexts:
    """The contexts one workflow run (or one reusable-workflow call) shares across its jobs."""

    github: Mapping[str, Any]
    vars: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)

    def job_if(self, needs: Mapping[str, Any], status: str = "success") -> dict[str, Any]:
        return {
            "github": self.github,
            "needs": needs,
            "vars": dict(self.vars),
            "inputs": dict(self.inputs),
            "job": {"status": status},
        }

    def matrix(self, needs: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "github": self.github,
            "needs": needs,
            "vars": dict(self.vars),
            "inputs": dict(self.inputs),
        }

    def job_name(
        self, needs: Mapping[str, Any], matrix: Mapping[str, Any], strategy: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {**self.matrix(needs), "matrix": dict(matrix), "strategy": dict(strategy)}

    def call_with(self, needs: Mapping[str, Any]) -> dict[str, Any]:
        """A reusable-workflow call's ``with:`` and its inputs' defaults (github, needs,
        strategy, matrix, inputs, vars; a calling job has no matrix leg of its own here)."""
        return {**self.matrix(needs), "strategy": {}, "matrix": {}}

    def job(
        self,
        *,
        github: Mapping[str, Any],
        needs: Mapping[str, Any],
        matrix: Mapping[str, Any],
        strategy: Mapping[str, Any],
        runner: Mapping[str, Any],
        steps: dict[str, Any],
    ) -> dict[str, Any]:
        """A job's contexts at its start; ``env`` is filled in as the job's env is evaluated,
        ``job.status`` and ``steps`` change as steps run."""
        return {
            "github": dict(github),
            "env": {},
            "vars": dict(self.vars),
            "secrets": dict(self.secrets),
            "inputs": dict(self.inputs),
            "matrix": dict(matrix),
            "strategy": dict(strategy),
            "needs": needs,
            "runner": dict(runner),
            "job": {"status": "success", "container": {}, "services": {}},
            "steps": steps,
        }

    def call_outputs(self, jobs: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "github": self.github,
            "jobs": jobs,
            "vars": dict(self.vars),
            "inputs": dict(self.inputs),
        }


def strategy_context(strategy: Any, leg_index: int, leg_total: int) -> dict[str, Any]:
    """The ``strategy`` context of leg ``leg_index`` of ``leg_total`` (``strategy`` is the
    job's :class:`~mlops.workflow.model.Strategy`, or None)."""
    max_parallel = getattr(strategy, "max_parallel", None)
    return {
        "fail-fast": True if strategy is None else strategy.fail_fast,
        "job-index": leg_index,
        "job-total": leg_total,
        "max-parallel": max_parallel if max_parallel else leg_total,
    }


def condition_env(
    job_env: Mapping[str, str], from_files: Mapping[str, str], *outer: Mapping[str, str]
) -> dict[str, str]:
    """The ``env`` context of a step's ``if``: workflow and job env, then ``GITHUB_ENV``, then
    (for a step inside composite actions) the ``env:`` of the steps that use them."""
    merged = {**job_env, **from_files}
    for layer in outer:
        merged.update(layer)
    return merged


def step_env(base: Mapping[str, str], own: Mapping[str, str]) -> dict[str, str]:
    """The ``env`` a step's ``with``, ``run`` and process see: the base, then its own ``env:``."""
    return {**base, **own}
