"""Context availability, key by key, as GitHub's "Contexts reference" table gives it.

https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#context-availability
(copied in spec/github-actions.md §6.5). ROWS below is that table, one row per workflow key;
each row places ``${{ CONTEXT.x }}`` (and each special function) at that key of a small
workflow of our own, and the checker must accept exactly the contexts and functions the row
lists and refuse the others with a ``context-availability`` diagnostic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops.workflow.schema.loader import check_workflow

_STEP = "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs"

# (workflow key, contexts, special functions) exactly as the table writes them.
ROWS: list[tuple[str, str, str]] = [
    ("run-name", "github, inputs, vars", ""),
    ("concurrency", "github, inputs, vars", ""),
    ("env", "github, secrets, inputs, vars", ""),
    ("jobs.<job_id>.concurrency", "github, needs, strategy, matrix, inputs, vars", ""),
    ("jobs.<job_id>.container", "github, needs, strategy, matrix, vars, inputs", ""),
    (
        "jobs.<job_id>.container.credentials",
        "github, needs, strategy, matrix, env, vars, secrets, inputs",
        "",
    ),
    (
        "jobs.<job_id>.container.env.<env_id>",
        "github, needs, strategy, matrix, job, runner, env, vars, secrets, inputs",
        "",
    ),
    ("jobs.<job_id>.container.image", "github, needs, strategy, matrix, vars, inputs", ""),
    ("jobs.<job_id>.continue-on-error", "github, needs, strategy, vars, matrix, inputs", ""),
    ("jobs.<job_id>.defaults.run", "github, needs, strategy, matrix, env, vars, inputs", ""),
    ("jobs.<job_id>.env", "github, needs, strategy, matrix, vars, secrets, inputs", ""),
    ("jobs.<job_id>.environment", "github, needs, strategy, matrix, vars, inputs", ""),
    (
        "jobs.<job_id>.environment.url",
        "github, needs, strategy, matrix, job, runner, env, vars, steps, inputs",
        "",
    ),
    ("jobs.<job_id>.if", "github, needs, vars, inputs", "always, cancelled, success, failure"),
    ("jobs.<job_id>.name", "github, needs, strategy, matrix, vars, inputs", ""),
    (
        "jobs.<job_id>.outputs.<output_id>",
        "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs",
        "",
    ),
    ("jobs.<job_id>.runs-on", "github, needs, strategy, matrix, vars, inputs", ""),
    (
        "jobs.<job_id>.secrets.<secrets_id>",
        "github, needs, strategy, matrix, secrets, inputs, vars",
        "",
    ),
    ("jobs.<job_id>.services", "github, needs, strategy, matrix, vars, inputs", ""),
    (
        "jobs.<job_id>.services.<service_id>.credentials",
        "github, needs, strategy, matrix, env, vars, secrets, inputs",
        "",
    ),
    (
        "jobs.<job_id>.services.<service_id>.env.<env_id>",
        "github, needs, strategy, matrix, job, runner, env, vars, secrets, inputs",
        "",
    ),
    ("jobs.<job_id>.steps.continue-on-error", _STEP, "hashFiles"),
    ("jobs.<job_id>.steps.env", _STEP, "hashFiles"),
    (
        "jobs.<job_id>.steps.if",
        "github, needs, strategy, matrix, job, runner, env, vars, steps, inputs",
        "always, cancelled, success, failure, hashFiles",
    ),
    ("jobs.<job_id>.steps.name", _STEP, "hashFiles"),
    ("jobs.<job_id>.steps.run", _STEP, "hashFiles"),
    ("jobs.<job_id>.steps.timeout-minutes", _STEP, "hashFiles"),
    ("jobs.<job_id>.steps.with", _STEP, "hashFiles"),
    ("jobs.<job_id>.steps.working-directory", _STEP, "hashFiles"),
    ("jobs.<job_id>.strategy", "github, needs, vars, inputs", ""),
    ("jobs.<job_id>.timeout-minutes", "github, needs, strategy, matrix, vars, inputs", ""),
    ("jobs.<job_id>.with.<with_id>", "github, needs, strategy, matrix, inputs, vars", ""),
    ("on.workflow_call.inputs.<inputs_id>.default", "github, inputs, vars", ""),
    ("on.workflow_call.outputs.<output_id>.value", "github, jobs, vars, inputs", ""),
]

CONTEXTS = ["github", "env", "vars", "job", "jobs", "steps", "runner", "secrets"]
CONTEXTS += ["strategy", "matrix", "needs", "inputs"]
FUNCTIONS = {
    "always": "always()",
    "cancelled": "cancelled()",
    "success": "success()",
    "failure": "failure()",
    "hashFiles": "hashFiles('x')",
}

_ON = """\
on:
  workflow_call:
    inputs:
      i: {type: string, default: %(default)s}
    outputs:
      o: {value: %(output)s}
"""
_JOB = """\
jobs:
  first:
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
  j:
    needs: first
    runs-on: %(runs_on)s
"""
_STEPS = "    steps:\n      - %(step)s\n        run: 'true'\n"


def _workflow(key: str, expr: str) -> str:
    """A small valid workflow with ``expr`` (a whole ``${{ }}``) at ``key`` and nowhere else."""
    e = repr(expr)  # a quoted YAML scalar
    parts = {"default": "''", "output": "'x'", "runs_on": "ubuntu-latest", "step": "id: s"}
    job_extra = ""
    top = ""
    call = False
    short = key.removeprefix("jobs.<job_id>.")
    if key == "on.workflow_call.inputs.<inputs_id>.default":
        parts["default"] = e
    elif key == "on.workflow_call.outputs.<output_id>.value":
        parts["output"] = e
    elif key in ("run-name", "concurrency"):
        top = f"{key}: {e}\n"
    elif key == "env":
        top = f"env: {{X: {e}}}\n"
    elif short == "runs-on":
        parts["runs_on"] = e
    elif short.startswith("steps."):
        name = short.removeprefix("steps.")
        value = {"env": f"{{X: {e}}}", "with": f"{{X: {e}}}"}.get(name, e)
        if name == "with":
            parts["step"] = f"uses: ./a\n        with: {value}"
            return (
                (_ON % parts)
                + (_JOB % parts)
                + (f"    steps:\n      - uses: ./a\n        with: {value}\n")
            )
        if name == "run":
            return (_ON % parts) + (_JOB % parts) + f"    steps:\n      - run: {e}\n"
        parts["step"] = f"{name}: {value}"
    elif short in ("secrets.<secrets_id>", "with.<with_id>"):
        call = True
        job_extra = f"    {short.split('.')[0]}: {{x: {e}}}\n"
    else:
        job_extra = {
            "concurrency": f"    concurrency: {e}\n",
            "container": f"    container: {e}\n",
            "container.credentials": (
                f"    container: {{image: img, credentials: {{username: {e}, password: p}}}}\n"
            ),
            "container.env.<env_id>": f"    container: {{image: img, env: {{X: {e}}}}}\n",
            "container.image": f"    container: {{image: {e}}}\n",
            "continue-on-error": f"    continue-on-error: {e}\n",
            "defaults.run": f"    defaults: {{run: {{working-directory: {e}}}}}\n",
            "env": f"    env: {{X: {e}}}\n",
            "environment": f"    environment: {{name: {e}}}\n",
            "environment.url": f"    environment: {{name: production, url: {e}}}\n",
            "if": f"    if: {e}\n",
            "name": f"    name: {e}\n",
            "outputs.<output_id>": f"    outputs: {{o: {e}}}\n",
            "services": f"    services: {{db: {{image: {e}}}}}\n",
            "services.<service_id>.credentials": (
                f"    services: {{db: {{image: img, credentials: {{username: {e}, password: p}}}}}}\n"
            ),
            "services.<service_id>.env.<env_id>": (
                f"    services: {{db: {{image: img, env: {{X: {e}}}}}}}\n"
            ),
            "strategy": f"    strategy: {{fail-fast: {e}, matrix: {{a: [1]}}}}\n",
            "timeout-minutes": f"    timeout-minutes: {e}\n",
        }[short]
    if call:
        job = "jobs:\n  first:\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n"
        job += "  j:\n    needs: first\n    uses: ./.github/workflows/called.yml\n" + job_extra
        return top + (_ON % parts) + job
    return top + (_ON % parts) + (_JOB % parts) + job_extra + (_STEPS % parts)


def _refusals(tmp_path: Path, key: str, expr: str) -> list[str]:
    path = tmp_path / "w.yml"
    path.write_text(_workflow(key, expr))
    _, diagnostics = check_workflow(path)
    others = [d for d in diagnostics if d.rule != "context-availability"]
    assert not others, (path.read_text(), others)
    return [d.message for d in diagnostics if d.rule == "context-availability"]


def _split(text: str) -> set[str]:
    return {item.strip() for item in text.split(",") if item.strip()}


@pytest.mark.parametrize(("key", "contexts", "functions"), ROWS, ids=[r[0] for r in ROWS])
def test_each_context_and_function_as_the_table_allows(
    tmp_path: Path, key: str, contexts: str, functions: str
) -> None:
    allowed, allowed_functions = _split(contexts), _split(functions)
    wrong = []
    for context in CONTEXTS:
        refused = _refusals(tmp_path, key, "${{ " + context + ".x }}")
        if (context in allowed) == bool(refused):
            wrong.append(f"context {context}: {'refused' if refused else 'accepted'}")
    for function, call in FUNCTIONS.items():
        refused = _refusals(tmp_path, key, "${{ " + call + " }}")
        if (function in allowed_functions) == bool(refused):
            wrong.append(f"function {function}: {'refused' if refused else 'accepted'}")
    assert not wrong, f"{key}: {wrong}"


def test_environment_url_from_a_step_output_plans(tmp_path: Path) -> None:
    """Finding 1: GitHub's own example (``url: ${{ steps.step_id.outputs.url_output }}``,
    "Using environments for jobs") is not an error, and a refusal of the name lists the
    name's contexts."""
    path = tmp_path / "w.yml"
    path.write_text(
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
        "    environment: {name: production, url: '${{ steps.deploy.outputs.url }}'}\n"
        "    steps:\n      - id: deploy\n        run: echo url=https://example.com >> $GITHUB_OUTPUT\n"
    )
    _, diagnostics = check_workflow(path)
    assert diagnostics == []
    path.write_text(path.read_text().replace("name: production", "name: '${{ steps.x.y }}'"))
    _, diagnostics = check_workflow(path)
    assert [d.message for d in diagnostics] == [
        "context 'steps' is not available in jobs.<job_id>.environment; "
        "available: github, inputs, matrix, needs, strategy, vars"
    ]
