"""iterative/setup-cml and iterative/setup-dvc, locally.

setup-cml puts a local ``cml`` on PATH whose ``comment create|update`` saves the comment in
the run record (CML itself only runs on GitHub); setup-dvc checks that dvc is installed.
"""

from __future__ import annotations

import shutil
import stat
import sys
from typing import TYPE_CHECKING

from mlops.runner.job import StepFailure

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


def setup_cml(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    bin_dir = job.temp / "cml-bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "cml"
    comments = job.state.record.comments_dir
    shim.write_text(
        "#!/bin/sh\n"
        f"MLOPS_CML_DIR='{comments}' exec '{sys.executable}' -m mlops.runner.cml \"$@\"\n"
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    job.path_prepends.append(str(bin_dir))
    job.state.reporter.line(
        job.key, "cml: local stand-in on PATH (comments are saved in the run record, not posted)"
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
