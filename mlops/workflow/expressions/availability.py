"""Which contexts and special functions each workflow key may use (GitHub's context
availability table).

Keys are written as GitHub's "Contexts reference" table writes them; a step key such as
``jobs.<job_id>.steps.run`` covers every step's ``run``.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUS_FUNCTIONS = frozenset({"always", "cancelled", "success", "failure"})
SPECIAL_FUNCTIONS = STATUS_FUNCTIONS | {"hashfiles"}

_STEP = frozenset(
    {
        "github",
        "needs",
        "strategy",
        "matrix",
        "job",
        "runner",
        "env",
        "vars",
        "secrets",
        "steps",
        "inputs",
    }
)
_JOB_BASE = frozenset({"github", "needs", "strategy", "matrix", "vars", "inputs"})


@dataclass(frozen=True)
class Availability:
    contexts: frozenset[str]
    functions: frozenset[str] = frozenset()


def _a(contexts: set[str] | frozenset[str], functions: set[str] | None = None) -> Availability:
    return Availability(frozenset(contexts), frozenset(functions or ()))


TABLE: dict[str, Availability] = {
    "run-name": _a({"github", "inputs", "vars"}),
    "concurrency": _a({"github", "inputs", "vars"}),
    "env": _a({"github", "secrets", "inputs", "vars"}),
    "jobs.<job_id>.concurrency": _a(_JOB_BASE),
    "jobs.<job_id>.container": _a(_JOB_BASE),
    "jobs.<job_id>.container.credentials": _a(_JOB_BASE | {"env", "secrets"}),
    "jobs.<job_id>.container.env": _a(_JOB_BASE | {"job", "runner", "env", "secrets"}),
    "jobs.<job_id>.continue-on-error": _a(_JOB_BASE),
    "jobs.<job_id>.defaults.run": _a(_JOB_BASE | {"env"}),
    "jobs.<job_id>.env": _a(_JOB_BASE | {"secrets"}),
    "jobs.<job_id>.environment": _a(_JOB_BASE),
    "jobs.<job_id>.environment.url": _a(_JOB_BASE | {"job", "runner", "env", "steps"}),
    "jobs.<job_id>.if": _a({"github", "needs", "vars", "inputs"}, set(STATUS_FUNCTIONS)),
    "jobs.<job_id>.name": _a(_JOB_BASE),
    "jobs.<job_id>.outputs": _a(_JOB_BASE | {"job", "runner", "env", "secrets", "steps"}),
    "jobs.<job_id>.runs-on": _a(_JOB_BASE),
    "jobs.<job_id>.secrets": _a(_JOB_BASE | {"secrets"}),
    "jobs.<job_id>.services": _a(_JOB_BASE),
    "jobs.<job_id>.services.credentials": _a(_JOB_BASE | {"env", "secrets"}),
    "jobs.<job_id>.services.env": _a(_JOB_BASE | {"job", "runner", "env", "secrets"}),
    "jobs.<job_id>.steps.continue-on-error": _a(_STEP, {"hashfiles"}),
    "jobs.<job_id>.steps.env": _a(_STEP, {"hashfiles"}),
    "jobs.<job_id>.steps.if": _a(_STEP - {"secrets"}, set(STATUS_FUNCTIONS) | {"hashfiles"}),
    "jobs.<job_id>.steps.name": _a(_STEP, {"hashfiles"}),
    "jobs.<job_id>.steps.run": _a(_STEP, {"hashfiles"}),
    "jobs.<job_id>.steps.timeout-minutes": _a(_STEP, {"hashfiles"}),
    "jobs.<job_id>.steps.with": _a(_STEP, {"hashfiles"}),
    "jobs.<job_id>.steps.working-directory": _a(_STEP, {"hashfiles"}),
    "jobs.<job_id>.steps.shell": _a(_STEP, {"hashfiles"}),
    "jobs.<job_id>.strategy": _a({"github", "needs", "vars", "inputs"}),
    "jobs.<job_id>.timeout-minutes": _a(_JOB_BASE),
    "jobs.<job_id>.with": _a(_JOB_BASE),
    "on.workflow_call.inputs.<inputs_id>.default": _a({"github", "inputs", "vars"}),
    "on.workflow_call.outputs.<output_id>.value": _a({"github", "jobs", "vars", "inputs"}),
}

ALL_CONTEXTS = frozenset(
    {
        "github",
        "env",
        "vars",
        "job",
        "jobs",
        "steps",
        "runner",
        "secrets",
        "strategy",
        "matrix",
        "needs",
        "inputs",
    }
)
