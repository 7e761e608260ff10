"""iterative/setup-cml and iterative/setup-dvc, locally.

setup-cml puts the local ``cml`` (:mod:`mlops.runner.cml`) on PATH: its comments, checks,
published files and pull requests go to the run record (CML itself only runs against
GitHub); setup-dvc checks that dvc is installed.
"""

from __future__ import annotations

import shlex
import shutil
import stat
import sys
from typing import TYPE_CHECKING

from mlops.runner.steps.base import StepFailure

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


LEGACY_COMMANDS = (
    "send-comment",
    "send-github-check",
    "publish",
    "tensorboard-dev",
    "runner",
    "pr",
)


def setup_cml(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    bin_dir = job.temp / "cml-bin"
    bin_dir.mkdir(exist_ok=True)
    # `cml-send-comment ...` and the other legacy names run `cml send-comment ...` (CML 0.x).
    legacy = {f"cml-{c}": f"{c} " for c in LEGACY_COMMANDS}
    if not job.backend.local:
        from mlops.runner.cml import relay

        relay.install(job, bin_dir, legacy)
        job.path_prepends.append(str(bin_dir))
        job.state.reporter.line(
            job.key,
            f"cml: local stand-in on PATH in {job.backend.where}, answered by mlops outside "
            "it (comments and checks are saved in the run record, not sent)",
        )
        return {}, False, ""
    variables = {
        "MLOPS_RUN_RECORD": str(job.state.record.path),
        "MLOPS_JOB": job.key,
        "MLOPS_JOB_ROOT": str(job.root),
    }
    assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items())
    program = f"{assignments} exec {shlex.quote(sys.executable)} -m mlops.runner.cml"
    for name, prefix in {"cml": "", **legacy}.items():
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\n{program} {prefix}"$@"\n')
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    job.path_prepends.append(str(bin_dir))
    job.state.reporter.line(
        job.key,
        "cml: local stand-in on PATH (comments, checks and pull requests are saved in the "
        "run record, not sent)",
    )
    return {}, False, ""


def setup_dvc(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    path = job.process_env({}, {}).get("PATH", "")
    found = shutil.which("dvc", path=path)
    if found is None:
        raise StepFailure("dvc is not installed on this machine: pip install dvc")
    job.state.reporter.line(job.key, f"dvc: using {found}")
    return {}, False, ""
