"""actions/setup-python, locally: a Python of the requested version from this machine.

Looks at the interpreter running mlops first, then ``python3.X`` on PATH, then pyenv's
versions; nothing is downloaded, and a version that is not here fails naming those that are.
Each job gets its own virtual environment on that interpreter, as a fresh runner would have
its own Python: what a job's ``pip install`` adds or changes stays in the job (parallel jobs
cannot collide, and the user's environment is never modified), while the packages the
interpreter already has stay visible, so installs of what is there are instant and offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.steps.base import StepFailure

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
    environment = job_environment(executable, job.temp / f"python-{version}")
    job.path_prepends.append(str(environment / "bin"))
    if inputs.get("cache"):
        job.state.reporter.line(
            job.key,
            f"setup-python: cache '{inputs['cache']}' is not used "
            "locally (packages are already on this machine)",
        )
    job.state.reporter.line(
        job.key, f"setup-python: Python {version} ({executable}) in the job's own environment"
    )
    python = str(environment / "bin" / "python")
    return {"python-version": version, "python-path": python, "cache-hit": "false"}, False, ""


_SITE_PATHS = (
    "import json, site, sys; "
    "print(json.dumps([p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))]))"
)
_PIP_SHIM = """#!{python}
import sys
from pip._internal.cli.main import main
sys.exit(main())
"""


def job_environment(executable: str, target: Path) -> Path:
    """A virtual environment for one job that also sees ``executable``'s packages.

    The interpreter's own site-packages come first in the job's path, then (through a .pth
    file) those of ``executable``'s environment, so a package the job installs in another
    version shadows the shared one without touching it. ``pip`` comes from the shared
    packages and installs into the job's environment.
    """
    created = subprocess.run(
        [executable, "-m", "venv", "--without-pip", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0:
        raise StepFailure(
            f"cannot create a virtual environment with {executable}: "
            f"{(created.stderr or created.stdout).strip().splitlines()[-1:]}"
        )
    shared = subprocess.run(
        [executable, "-c", _SITE_PATHS], capture_output=True, text=True, check=False
    )
    paths = json.loads(shared.stdout or "[]")
    python = target / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", _SITE_PATHS], capture_output=True, text=True, check=False
    )
    own_site = next(iter(json.loads(own.stdout or "[]")), None)
    if own_site is None:
        raise StepFailure(f"the virtual environment at {target} has no site-packages")
    Path(own_site, "_mlops_shared_packages.pth").write_text(
        "".join(f"{p}\n" for p in paths if not p.startswith(str(target)))
    )
    for name in ("pip", "pip3"):
        shim = target / "bin" / name
        shim.write_text(_PIP_SHIM.format(python=python))
        shim.chmod(0o755)
    return target
