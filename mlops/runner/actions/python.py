"""actions/setup-python, locally: a Python of the requested version from the job's machine.

On this machine it looks at the interpreter running mlops first, then ``python3.X`` on PATH,
then pyenv's versions. In a container job it asks the container, in one probe, for its
interpreters (``python3``, ``python3.X`` on its PATH, /usr/local/bin, and the tool cache of
act's catthehacker images, /opt/hostedtoolcache/Python/*/x64). Nothing is downloaded, and a
version that is not there fails naming those that are.
Each job gets its own virtual environment on that interpreter, as a fresh runner would have
its own Python: what a job's ``pip install`` adds or changes stays in the job (parallel jobs
cannot collide, and the user's environment is never modified), while the packages the
interpreter already has stay visible, so installs of what is there are instant and offline.
The environment is written under the job's temp directory, which a container sees at the
same path, so the same few files serve both.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.files import Refused, Tree, locate
from mlops.runner.steps.base import StepFailure

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


_PROBE = (
    "import json, sys; print(json.dumps(['%d.%d.%d' % sys.version_info[:3], "
    "[p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))]]))"
)


@functools.cache
def _probe(executable: str) -> tuple[str, list[str]] | None:
    """An interpreter's version and site-packages directories: one process, once per run."""
    if executable == sys.executable:
        version = ".".join(str(part) for part in sys.version_info[:3])
        return version, [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    try:
        out = subprocess.run(
            [executable, "-c", _PROBE],
            env={"PATH": os.defpath},  # none of the runner's own variables
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        version, paths = json.loads(out.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    return str(version), [str(p) for p in paths]


def _version_of(executable: str) -> str | None:
    probed = _probe(executable)
    return probed[0] if probed else None


def candidates(path: str, requested: str = "") -> Iterator[tuple[str, str]]:
    """(version, executable) pairs found on this machine, current interpreter first.

    Lazy, and an interpreter is asked its version only when reached and when its name
    (``python3.12``, pyenv's ``versions/3.12.1``) does not rule it out: the common case
    (the interpreter running mlops matches) starts no process at all.
    """
    seen: set[str] = set()
    named: list[tuple[str, str]] = [("", sys.executable)]
    named += [
        (f"3.{minor}", shutil.which(f"python3.{minor}", path=path) or "") for minor in range(8, 16)
    ]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        # pyenv's shims start pyenv (slow) to run one of these: ask the real ones instead
        named = [(h, e) for h, e in named if f"{os.sep}shims{os.sep}" not in e]
        named += [(entry.name, str(entry / "bin" / "python")) for entry in sorted(pyenv.iterdir())]
    for hint, executable in named:
        if not executable or executable in seen or not os.access(executable, os.X_OK):
            continue
        seen.add(executable)
        if not _may_match(requested, hint):
            continue
        version = _version_of(executable)
        if version:
            yield version, executable


def _may_match(requested: str, hint: str) -> bool:
    """Whether a Python whose name says ``hint`` could be the ``requested`` version."""
    wanted = [p for p in requested.strip().removesuffix(".x").split(".") if p not in ("", "x")]
    named = [p for p in hint.split(".") if p]
    return all(a == b for a, b in zip(wanted, named, strict=False))


def matches(requested: str, version: str) -> bool:
    requested = requested.strip()
    if requested in ("", "3", "3.x", "x"):
        return version.startswith("3.")
    if requested.endswith(".x"):
        requested = requested[:-2]
    pattern = re.escape(requested)
    return re.fullmatch(pattern + r"(\..*)?", version) is not None


@dataclass(frozen=True)
class Interpreter:
    """A Python in the job's environment, as that environment sees it."""

    executable: str  # as found (a link on PATH)
    real: str  # the binary the links lead to
    version: str
    site_packages: list[str]
    has_pip: bool
    has_ensurepip: bool = False


def _on_this_machine(path: str, requested: str) -> Interpreter:
    found: list[tuple[str, str]] = []
    for candidate in candidates(path, requested):
        found.append(candidate)
        if matches(requested, candidate[0]):
            break
    chosen = found[-1] if found and matches(requested, found[-1][0]) else None
    if chosen is None:  # ask every interpreter, to name them all
        available = ", ".join(sorted({v for v, _ in candidates(path)})) or "none"
        raise StepFailure(
            f"Python {requested} is not installed on this machine "
            f"(available: {available}); mlops does not download Pythons"
        )
    version, executable = chosen
    probed = _probe(executable)
    return Interpreter(
        executable, os.path.realpath(executable), version, probed[1] if probed else [], True
    )


_MARK = "mlops-python "
# Each candidate once (by its real path); -config scripts and Python 2 print nothing usable.
_FIND_SCRIPT = """
seen=' '
for p in $(for n in python3 python python3.16 python3.15 python3.14 python3.13 python3.12 \
    python3.11 python3.10 python3.9 python3.8; do command -v "$n"; done) \
    /usr/local/bin/python3* /opt/hostedtoolcache/Python/*/x64/bin/python3; do
  case "$p" in *-config) continue ;; esac
  [ -x "$p" ] || continue
  real=$(readlink -f "$p" 2>/dev/null || echo "$p")
  case "$seen" in *" $real "*) continue ;; esac
  seen="$seen$real "
  "$p" -c "$1" "$p" 2>/dev/null
done
exit 0
"""
_REPORT = (
    "import json, os, sys, importlib.util as u; print(" + repr(_MARK) + " + json.dumps(["
    "sys.argv[1], os.path.realpath(sys.executable), '%d.%d.%d' % sys.version_info[:3], "
    "[p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))], "
    "u.find_spec('pip') is not None, u.find_spec('ensurepip') is not None]))"
)


def interpreters_in(job: JobRun, path: str) -> list[Interpreter]:
    """Every Python in the job's environment (a container), in one probe."""
    probed = job.backend.probe(["sh", "-c", _FIND_SCRIPT, "sh", _REPORT], {"PATH": path})
    found = []
    for line in probed.stdout.splitlines():
        if not line.startswith(_MARK):
            continue
        try:
            executable, real, version, site, pip, ensurepip = json.loads(line[len(_MARK) :])
        except ValueError:
            continue
        found.append(Interpreter(executable, real, version, list(site), pip, ensurepip))
    if probed.exit_code != 0 and not found:
        detail = (probed.stderr or probed.stdout).strip().splitlines()
        raise StepFailure(
            f"cannot look for Python in {job.backend.where}: "
            f"{detail[-1] if detail else f'exit code {probed.exit_code}'}"
        )
    return found


# GitHub's setup-python gives each Python the pip its runner images were built with, a
# current one; mlops's own environment brings at least this one (pyproject.toml), and jobs
# on the interpreter running mlops use it.
GITHUB_PIP_FLOOR = "25.1"


def pip_version(site_packages: list[str]) -> str:
    """The version of the pip installed in these site-packages ("" when there is none)."""
    for directory in site_packages:
        for info in sorted(Path(directory).glob("pip-*.dist-info")):
            return info.name[len("pip-") : -len(".dist-info")]
    return ""


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def _in_job_environment(job: JobRun, path: str, requested: str) -> Interpreter:
    found = interpreters_in(job, path)
    matching = [i for i in found if matches(requested, i.version)]
    if not matching:
        available = ", ".join(sorted({i.version for i in found}, key=_version_key)) or "none"
        raise StepFailure(
            f"Python {requested or '3'} is not in {job.backend.where} (it has: {available}); "
            "use an image that has it (-P LABEL=IMAGE, or container:)"
        )
    # The newest match, as setup-python's; of equals, the first found (python3 on PATH).
    return max(matching, key=lambda i: _version_key(i.version))


VERSION_FILE_LIMIT = 64 * 1024


def _version_from_file(job: JobRun, name: str) -> str:
    """The first word of ``python-version-file``: a file in the workspace, read without
    following a link out of it (what is outside is neither read nor shown)."""
    located = locate(job.workspace / name, [job.workspace])
    if located is None:
        raise StepFailure(
            f"python-version-file {name} is not in the workspace; only a file there is read"
        )
    try:
        with Tree(located[0]) as workspace:
            words = workspace.read_text(located[1], limit=VERSION_FILE_LIMIT).split()
    except FileNotFoundError:
        raise StepFailure(f"python-version-file {name} does not exist") from None
    except (Refused, IsADirectoryError, NotADirectoryError) as error:
        raise StepFailure(f"python-version-file {name}: {error}") from None
    return words[0] if words else ""


def run(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    requested = inputs.get("python-version", "")
    version_file = inputs.get("python-version-file", "")
    if not requested and version_file:
        requested = _version_from_file(job, version_file)
    if job.backend.local:
        # The PATH the run started with: a python3.X a step put on GITHUB_PATH (or PATH in
        # GITHUB_ENV) must not be run by the runner itself.
        chosen = _on_this_machine(job.state.host_env.get("PATH", os.defpath), requested)
    else:  # probed inside the container, where the step's programs run anyway
        chosen = _in_job_environment(job, job.process_env({}, {}).get("PATH", ""), requested)
    version, executable = chosen.version, chosen.executable
    environment = job_environment(chosen, job.temp / f"python-{version}")
    if not chosen.has_pip:
        _bootstrap_pip(job, chosen, environment)
    job.path_prepends.append(str(environment / "bin"))
    if inputs.get("cache"):
        _check_cache_dependencies(job, inputs)
        job.state.reporter.line(
            job.key,
            f"setup-python: cache '{inputs['cache']}' is not used locally (the packages "
            f"{'already on this machine' if job.backend.local else 'the image has'} are reused)",
        )
    where = "" if job.backend.local else f", in {job.backend.where}"
    pip = pip_version(chosen.site_packages) if job.backend.local else ""
    job.state.reporter.line(
        job.key,
        f"setup-python: Python {version} ({executable}{where})"
        f"{f' with pip {pip}' if pip else ''} in the job's own environment",
    )
    if pip and _version_key(pip) < _version_key(GITHUB_PIP_FLOOR):
        job.state.reporter.line(
            job.key,
            f"warning: setup-python: pip {pip} is older than the pip GitHub's runners give "
            f"every Python (>= {GITHUB_PIP_FLOOR}); a step may behave differently here: "
            f"upgrade that Python's pip ({executable} -m pip install --upgrade pip)",
        )
    python = str(environment / "bin" / "python")
    return {"python-version": version, "python-path": python, "cache-hit": "false"}, False, ""


# setup-python's own defaults when cache-dependency-path is not given (its README, "Caching
# packages dependencies"); pip falls back from requirements files to pyproject.toml.
_CACHE_DEFAULTS = {
    "pip": ["**/requirements.txt", "**/pyproject.toml"],
    "pipenv": ["**/Pipfile.lock"],
    "poetry": ["**/poetry.lock"],
}


def _check_cache_dependencies(job: JobRun, inputs: dict[str, str]) -> None:
    """Fail as setup-python fails when no file gives its cache a key: the hash of the
    files matching ``cache-dependency-path`` (or the defaults) is empty."""
    from mlops.workflow.expressions.errors import ExpressionError
    from mlops.workflow.expressions.hashfiles import hash_files

    given = inputs.get("cache-dependency-path", "").strip()
    tries = [given] if given else _CACHE_DEFAULTS.get(inputs["cache"].strip(), [])
    if not tries:
        raise StepFailure(f"Caching for '{inputs['cache']}' is not supported")
    try:
        if any(hash_files([pattern], job.workspace) for pattern in tries):
            return
    except ExpressionError as error:
        raise StepFailure(f"cache-dependency-path: {error.reason}") from None
    shown = ",".join(given.splitlines()) if given else " or ".join(tries)
    raise StepFailure(
        f"No file in {job.workspace} matched to [{shown}], "
        "make sure you have checked out the target repository"
    )


_PIP_SHIM = """#!{python}
import sys
from pip._internal.cli.main import main
sys.exit(main())
"""


def _bootstrap_pip(job: JobRun, chosen: Interpreter, environment: Path) -> None:
    """Give the job's environment pip with ``ensurepip``, as setup-python always provides
    pip; where even that is missing, say so in one line (jobs that need no pip still run)."""
    python = str(environment / "bin" / "python")
    why = "the interpreter has neither pip nor ensurepip"
    if chosen.has_ensurepip:
        probed = job.backend.probe(
            [python, "-m", "ensurepip", "--default-pip"], {"PATH": "/usr/bin:/bin"}
        )
        if probed.exit_code == 0:
            job.state.reporter.line(job.key, "setup-python: pip installed with ensurepip")
            return
        lines = (probed.stderr or probed.stdout).strip().splitlines()
        why = f"ensurepip failed: {lines[-1] if lines else probed.exit_code}"
    job.state.reporter.line(
        job.key,
        f"warning: setup-python: no pip for Python {chosen.version} in {job.backend.where} "
        f"({why}); install pip in the image (Debian/Ubuntu: python3-pip)",
    )


def job_environment(interpreter: Interpreter, target: Path) -> Path:
    """A virtual environment for one job that also sees ``interpreter``'s packages.

    Laid out by hand as ``python -m venv --without-pip`` would (pyvenv.cfg, bin/python
    links, an empty site-packages): it needs neither ensurepip nor a process, so it costs
    milliseconds. The environment's own site-packages come first in the job's path, then
    (through a .pth file) those of ``executable``'s environment, so a package the job
    installs in another version shadows the shared one without touching it. ``pip`` comes
    from the shared packages and installs into the job's environment.
    """
    base = Path(interpreter.real)
    version = interpreter.version
    major_minor = ".".join(version.split(".")[:2])
    name = target.name
    site = f"{name}/lib/python{major_minor}/site-packages"
    paths = interpreter.site_packages
    python = target / "bin" / "python"
    try:
        # Written through mlops.runner.files: a link the job left in the temp directory is
        # replaced, never followed out of it.
        with Tree(target.parent) as parent:
            config = parent.lstat(f"{name}/pyvenv.cfg")
            if config is not None and stat.S_ISREG(config.st_mode):
                return target  # a second setup-python of this version in the job
            parent.mkdir(site)
            parent.write_text(
                f"{name}/pyvenv.cfg",
                f"home = {base.parent}\n"
                "include-system-site-packages = false\n"
                f"version = {version}\n"
                f"executable = {base}\n",
            )
            for link in ("python", "python3", f"python{major_minor}"):
                parent.symlink(f"{name}/bin/{link}", str(base))
            parent.write_text(
                f"{site}/_mlops_shared_packages.pth",
                "".join(f"{p}\n" for p in paths if not p.startswith(str(target))),
            )
            for shim in ("pip", "pip3") if interpreter.has_pip else ():
                parent.write_text(f"{name}/bin/{shim}", _PIP_SHIM.format(python=python), 0o755)
    except OSError as error:
        raise StepFailure(f"cannot create a virtual environment at {target}: {error}") from None
    return target
