"""Built-in local versions of the popular actions the templates use (checkout, setup-python,
cache, upload/download-artifact, setup-cml, setup-dvc); the step handler that runs them is
:mod:`mlops.runner.steps.builtin`.

Each is ``run(job, step, inputs, env, timeout) -> (outputs, failed, detail)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops.runner.job import JobRun

Result = tuple[dict[str, str], bool, str]


def input_path(job: JobRun, value: str, input_name: str = "path") -> Path:
    """The path an action input names, contained in the job's directories."""
    from mlops.runner.containment import contained

    return contained(job, value, input_name)
