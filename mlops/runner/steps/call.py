"""A job that calls a reusable workflow (``jobs.<id>.uses``): not a step, but the same idea
one level up — the called workflow's jobs ran as jobs of this run (keys ``caller/job``), and
the caller's result and outputs are made from theirs here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from mlops.runner.status import JobResult, Status
from mlops.workflow.expressions.errors import ExpressionError

if TYPE_CHECKING:
    from mlops.workflow.contexts import RunContexts
    from mlops.workflow.plan import Plan, PlannedJob


def call_result(
    planned: PlannedJob, plan: Plan, results: Mapping[str, JobResult], run: RunContexts
) -> JobResult:
    """The caller's result (failure, else cancelled, else success) and its outputs, evaluated
    from ``on.workflow_call.outputs`` with the ``jobs`` context of the called jobs."""
    inner = [results[k] for k in planned.needs if k in results]
    if any(r.result == Status.FAILURE for r in inner):
        result = Status.FAILURE
    elif any(r.result == Status.CANCELLED for r in inner):
        result = Status.CANCELLED
    else:
        result = Status.SUCCESS
    outputs: dict[str, str] = {}
    called = planned.called
    if called is not None and called.call_outputs:
        from mlops.workflow import expressions

        jobs_context = {
            k.rsplit("/", 1)[-1]: {"result": r.result, "outputs": r.outputs}
            for k, r in results.items()
            if k.startswith(planned.key + "/")
        }
        contexts = run.call_outputs(jobs_context)
        for name, spec in called.call_outputs.items():
            value = spec.get("value") if isinstance(spec, dict) else spec
            try:
                outputs[name] = expressions.interpolate(str(value or ""), contexts)
            except ExpressionError:
                outputs[name] = ""
    return JobResult(result, outputs, "", sum(r.seconds for r in inner))
