"""The one path rule for built-in actions: every path an action input names stays in the
job's own directories.

A ``run:`` script may do what it likes, as on GitHub; but checkout ``path``, cache
``path``, artifact ``path`` and ``uses: ./...`` are resolved (``~`` is the job's own HOME,
a relative path is under the workspace, symlinks are followed) and must land inside the
job's workspace, runner temp, tool cache or HOME. Otherwise the step fails with one line
naming the input, and nothing is read, written or deleted there. What is then read or
written there goes through :mod:`mlops.runner.files`, which follows no link out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.files import locate
from mlops.runner.steps.base import StepFailure

if TYPE_CHECKING:
    from mlops.runner.job import JobRun


class OutsideJob(StepFailure):
    """An action input names a path outside the job's directories."""


def job_roots(job: JobRun) -> list[Path]:
    """The directories a built-in action may read and write."""
    return [job.workspace, job.temp, job.state.tool_cache, job.home]


def is_inside(path: Path, roots: Iterable[Path]) -> bool:
    return locate(path, roots) is not None


def contained(job: JobRun, value: str, input_name: str, roots: list[Path] | None = None) -> Path:
    """``value`` as a path in the job's directories, or a StepFailure naming ``input_name``."""
    roots = job_roots(job) if roots is None else roots
    if "\0" in value:
        raise OutsideJob(f"{input_name}: {value!r} is not a valid path")
    if value == "~" or value.startswith("~/"):
        path = job.home / value[2:]
    else:
        path = Path(value)
        path = path if path.is_absolute() else job.workspace / path
    if not is_inside(path, roots):
        where = ", ".join(str(r) for r in roots)
        raise OutsideJob(
            f"{input_name}: {value!r} resolves to {os.path.realpath(path)}, "
            f"which is not under the job's directories ({where})"
        )
    return Path(os.path.realpath(path))
