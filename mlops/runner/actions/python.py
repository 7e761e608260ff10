"""actions/setup-python, locally: use a Python of the requested version from this machine.

Looks at the interpreter running mlops (its virtual environment first, so packages installed
by later steps land there), then ``python3.X`` on PATH, then pyenv's versions. Nothing is
downloaded; a version that is not here fails with the versions that are.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.job import StepFailure

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


def _version_of(executable: str) -> str | None:
    try:
        out = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def candidates(path: str) -> list[tuple[str, str]]:
    """(version, executable) pairs found on this machine, current interpreter first."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(executable: str | None) -> None:
        if not executable or executable in seen or not os.access(executable, os.X_OK):
            return
        seen.add(executable)
        version = _version_of(executable)
        if version:
            found.append((version, executable))

    add(sys.executable)
    for minor in range(8, 16):
        add(shutil.which(f"python3.{minor}", path=path))
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        for entry in sorted(pyenv.iterdir()):
            add(str(entry / "bin" / "python"))
    return found


def matches(requested: str, version: str) -> bool:
    requested = requested.strip()
    if requested in ("", "3", "3.x", "x"):
        return version.startswith("3.")
    if requested.endswith(".x"):
        requested = requested[:-2]
    pattern = re.escape(requested)
    return re.fullmatch(pattern + r"(\..*)?", version) is not None


def run(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    requested = inputs.get("python-version", "")
    version_file = inputs.get("python-version-file", "")
    if not requested and version_file:
        file = job.workspace / version_file
        if not file.is_file():
            raise StepFailure(f"python-version-file {version_file} does not exist")
        requested = file.read_text().split()[0] if file.read_text().split() else ""
    path = job.process_env({}, {}).get("PATH", "")
    found = candidates(path)
    chosen = next(((v, e) for v, e in found if matches(requested, v)), None)
    if chosen is None:
        available = ", ".join(sorted({v for v, _ in found})) or "none"
        raise StepFailure(
            f"Python {requested} is not installed on this machine "
            f"(available: {available}); mlops does not download Pythons"
        )
    version, executable = chosen
    bin_dir = str(Path(executable).parent)
    job.path_prepends.append(bin_dir)
    if inputs.get("cache"):
        job.state.reporter.line(
            job.key,
            f"setup-python: cache '{inputs['cache']}' is not used "
            "locally (packages are already on this machine)",
        )
    job.state.reporter.line(job.key, f"setup-python: Python {version} at {executable}")
    return {"python-version": version, "python-path": executable, "cache-hit": "false"}, False, ""
