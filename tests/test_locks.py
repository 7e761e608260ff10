"""Every shipped lock installs in hash-checking mode with the pip a newcomer has, against the
package index as it is today.

A hash-checking install can break after the lock was made: pip before 24 read a package's
extra (pytest-cov's ``coverage[toml]``) as a second requirement, unpinned, as soon as a newer
release of it existed (pypa/pip#12345), so a lock that installed last week failed this week.
The locks keep extras (``--no-strip-extras``) against that; this checks it stays so, with
``pip install --dry-run --require-hashes`` of what a generated project installs
(``-r requirements.txt -r requirements-dev.txt``, as its CI's test job does).

Where it runs: with the minimum pip the generated project states (23.0.1, Debian 12's; the
oldest that runs on Python 3.11) on this machine's Python 3.11, and with each other Python's
own venv pip where that interpreter is on this machine (``python3.X`` or pyenv); a Python that
is not here is skipped saying so (pip resolves for another Python only with wheels, and some
locked packages are sdists): its lock is still made and its project linted. The output
(``-rA``) says which pip ran on which Python. The newest pip is checked on
the default lock. ``MLOPS_CHECK_ALL_LOCKS=1`` checks every remote's lock with both pips (the
scheduled lock refresh does, and so should a change to the template's requirements); the
default run checks each Python version's local-remote lock, which holds every dependency but
the DVC remote's plugin, so the suite stays within CI's time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlops.runner.actions.python import candidates, matches
from tests.conftest import build_once

LOCKS = Path(__file__).resolve().parents[1] / "templates" / "project" / "locks"
PYTHONS = ("3.11", "3.12", "3.13", "3.14")
REMOTES = ("local", "s3", "gs", "azure")
MINIMUM_PIP = "23.0.1"  # the generated README: "pip 23.0 or newer"
DEFAULT = ("3.11", "local")

pytestmark = pytest.mark.slow


def _cases() -> list[object]:
    every = os.environ.get("MLOPS_CHECK_ALL_LOCKS") == "1"
    cases = []
    for python in PYTHONS:
        for remote in REMOTES:
            for pip in ("minimum", "newest"):
                chosen = (
                    every or (pip == "minimum" and remote == "local") or (python, remote) == DEFAULT
                )
                if chosen:
                    cases.append(pytest.param(python, remote, pip, id=f"py{python}-{remote}-{pip}"))
    return cases


def _interpreter(version: str) -> str | None:
    for found, executable in candidates(os.environ.get("PATH", ""), version):
        if matches(version, found):
            return executable
    return None


def _venv(tmp_path_factory: pytest.TempPathFactory, python: str, pip: str) -> Path:
    """A venv of ``python``'s, with its own pip ("venv"), MINIMUM_PIP or the newest pip."""

    def make(directory: Path) -> None:
        subprocess.run([python, "-m", "venv", str(directory / "venv")], check=True)
        if pip != "venv":
            spec = f"pip=={MINIMUM_PIP}" if pip == "minimum" else "pip"
            subprocess.run(
                [str(directory / "venv/bin/python"), "-m", "pip", "install", "-q", "-U", spec],
                check=True,
                capture_output=True,
            )

    name = f"venv-{Path(python).resolve().parent.parent.name}-{pip}"
    return build_once(tmp_path_factory, name, make) / "venv"


@pytest.mark.parametrize(("python", "remote", "pip"), _cases())
def test_lock_installs_with_hash_checking(
    tmp_path_factory: pytest.TempPathFactory, python: str, remote: str, pip: str
) -> None:
    runtime = LOCKS / f"requirements-{remote}-py{python}.txt"
    dev = LOCKS / f"requirements-dev-{remote}-py{python}.txt"
    native = _interpreter(python)
    if python == "3.11":  # the minimum pip runs on 3.11, this suite's Python
        venv = _venv(tmp_path_factory, sys.executable, pip)
    elif native is not None:  # the pip that Python's own venv brings, its minimum
        venv = _venv(tmp_path_factory, native, "venv" if pip == "minimum" else pip)
    else:
        pytest.skip(
            f"no Python {python} on this machine (python3.{python[2:]} or pyenv): its lock is "
            "made by .ci/lock-templates and its project linted (tests/test_template_lint.py), "
            "not installed (pip resolves for another Python only with wheels, and some "
            "locked packages are sdists)"
        )
    command = [
        str(venv / "bin/python"),
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--quiet",
        "--ignore-installed",
        "--require-hashes",
        "-r",
        str(runtime),
        "-r",
        str(dev),
    ]
    version = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "--version"], capture_output=True, text=True
    ).stdout.split()[1]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    errors = [line for line in result.stderr.splitlines() if not line.startswith("WARNING")]
    assert result.returncode == 0, (
        f"{runtime.name} + {dev.name} with pip {version} on Python {python}:\n"
        + "\n".join(errors[-20:])
    )
    print(f"{runtime.name} + {dev.name}: pip {version} on Python {python} ({venv})")
