"""Run a step's ``uses:``: built-in local versions of popular actions, local actions, mappings.

Built-ins replace the actions the templates use (checkout, setup-python, cache,
upload/download-artifact, setup-cml, setup-dvc). ``./path`` actions run as on GitHub
(composite and node). Any other ``owner/repo@ref`` needs ``--local-repository``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.job import StepFailure

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step

Result = tuple[dict[str, str], bool, str]


def _builtins() -> dict[str, object]:
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


def run_action(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> Result:
    uses = step.uses or ""
    if uses.startswith("docker://"):
        raise StepFailure(f"{uses}: docker actions need --backend docker")
    if uses.startswith("./"):
        from mlops.runner.actions.local import run_local_action

        return run_local_action(job, step, job.workspace / uses, uses, inputs, env, timeout)
    name = uses.partition("@")[0]
    mapped = job.state.options.local_repositories.get(uses)
    if mapped is not None:
        from mlops.runner.actions.local import run_local_action

        owner_repo = "/".join(name.split("/")[:2])
        subpath = name[len(owner_repo) :].lstrip("/")
        return run_local_action(job, step, mapped / subpath, uses, inputs, env, timeout)
    builtin = _builtins().get(name.lower())
    if builtin is not None:
        return builtin(job, step, inputs, env, timeout)  # type: ignore[operator]
    raise StepFailure(
        f"{uses} is not built into mlops and cannot be downloaded here; map it to a local "
        f"checkout with --local-repository {uses}=PATH"
    )


def input_path(job: JobRun, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else job.workspace / path
