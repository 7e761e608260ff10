"""iterative/setup-cml and iterative/setup-dvc, locally.

setup-cml puts the local ``cml`` (:mod:`mlops.runner.cml`) on PATH: its comments, checks,
published files and pull requests go to the run record (CML itself only runs against
GitHub); setup-dvc checks that dvc is installed. In a container job setup-cml's ``cml`` is a
shim that mlops answers from outside (:mod:`mlops.runner.cml.relay`), and setup-dvc uses the
container's dvc, or installs the requested ``version`` with the container's pip into a tool
environment of the job's own (the real action installs DVC on the runner).
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.files import Tree
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
    with Tree(job.temp) as temp:
        temp.mkdir(bin_dir.name)  # a link the job put there is replaced, not followed
    # `cml-send-comment ...` and the other legacy names run `cml send-comment ...` (CML 0.x).
    legacy = {f"cml-{c}": f"{c} " for c in LEGACY_COMMANDS}
    if not job.backend.local:
        from mlops.runner.cml import relay

        relay.install(job, bin_dir, legacy)
        job.path_prepends.append(str(bin_dir))
        job.state.reporter.line(
            job.key,
            f"cml: local stand-in on PATH in {job.backend.where}, answered by mlops outside "
            "it (comments and checks are saved in the run record, not sent)"
            + (
                "; the Vega tools (vl2svg, vl2png, ...) are not provided in a container: "
                "use an image that has vega-cli"
                if inputs.get("vega", "true").strip().lower() != "false"
                else ""
            ),
        )
        return {}, False, ""
    from mlops.runner.cml.store import job_environment
    from mlops.runner.cml.store import program as cml_program

    variables = job_environment(job.state.record.path, job.key, job.root)
    assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items())
    program = f"{assignments} exec {shlex.join(cml_program())}"
    for name, prefix in {"cml": "", **legacy}.items():
        _shim(job, bin_dir / name, f'{program} {prefix}"$@"')
    vega = inputs.get("vega", "true").strip().lower() != "false"
    if vega:
        # CML's action installs vega-cli and vega-lite (vl2svg, vl2png, ...) unless
        # `vega: false`; ours are vl-convert behind the same command lines.
        from mlops.runner.cml.vega import TOOLS

        for name in TOOLS:
            _shim(job, bin_dir / name, f'exec {_vega_program()} {name} "$@"')
    job.path_prepends.append(str(bin_dir))
    job.state.reporter.line(
        job.key,
        "cml: local stand-in on PATH (comments, checks and pull requests are saved in the "
        "run record, not sent)" + ("; vl2svg, vl2png, vg2svg, vg2png too" if vega else ""),
    )
    return {}, False, ""


def _shim(job: JobRun, path: Path, command: str) -> None:
    """An executable script in the job's temp directory, replacing whatever the job put there."""
    with Tree(job.temp) as temp:
        temp.write_text(temp.relative(path), f"#!/bin/sh\n{command}\n", 0o755)


def _vega_program() -> str:
    """This mlops's interpreter running its vega tools, isolated (``-I``) as cml is."""
    import sys

    root = str(Path(__file__).resolve().parents[3])
    bootstrap = (
        f"import sys; sys.path.insert(0, {root!r}); "
        "from mlops.runner.cml.vega import main; sys.exit(main(sys.argv[1:]))"
    )
    return shlex.join([sys.executable, "-I", "-c", bootstrap])


def setup_dvc(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    path = job.process_env({}, {}).get("PATH", "")
    version = inputs.get("version", "").strip()
    version = "" if version == "latest" else version
    if job.backend.local:
        found = shutil.which("dvc", path=path)
        if found is None:
            raise StepFailure("dvc is not installed on this machine: pip install dvc")
        job.state.reporter.line(job.key, f"dvc: using {found}")
        return {}, False, ""
    found = job.backend.which("dvc", path)
    if found is not None and _has_version(job, found, path, version):
        job.state.reporter.line(job.key, f"dvc: using {found} in {job.backend.where}")
        return {}, False, ""
    bin_dir = _install_dvc(job, path, version, timeout)
    job.path_prepends.append(str(bin_dir))
    return {}, False, ""


def _has_version(job: JobRun, dvc: str, path: str, version: str) -> bool:
    """Whether the ``dvc`` there is the requested version (any, without one)."""
    if not version:
        return True
    probed = job.backend.probe([dvc, "--version"], {"PATH": path})
    found = probed.stdout.strip()
    return probed.exit_code == 0 and (found == version or found.startswith(version + "."))


def _install_dvc(job: JobRun, path: str, version: str, timeout: float) -> Path:
    """dvc installed with the container's pip into a tool environment of the job's own, as
    the real action installs it on the runner; only ``dvc`` itself goes on PATH."""
    from mlops.runner.actions import python

    where = job.backend.where
    interpreters = python.interpreters_in(job, path)
    if not interpreters:
        raise StepFailure(
            f"dvc is not in {where}, which has no Python to install it with: "
            "use an image with dvc or Python 3"
        )
    chosen = interpreters[0]  # python3 on the job's PATH: setup-python's when it ran
    if not chosen.has_pip:
        raise StepFailure(
            f"dvc is not in {where} and its Python {chosen.version} has no pip to install it "
            "with: use an image with dvc or pip (Debian/Ubuntu: python3-pip)"
        )
    tool = python.job_environment(chosen, job.temp / "setup-dvc")
    requirement = f"dvc=={version}" if version else "dvc"
    job.state.reporter.line(job.key, f"dvc: installing {requirement} in {where} with pip")
    argv = [str(tool / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    result = job.backend.run(
        [*argv, "--disable-pip-version-check", requirement],
        cwd=str(job.workspace),
        env=job.process_env({}, {}),
        on_line=lambda line: job.state.reporter.line(job.key, line),
        timeout=timeout,
    )
    if result.exit_code != 0 or result.timed_out or result.cancelled:
        raise StepFailure(
            f"pip could not install {requirement} in {where} (exit code {result.exit_code})"
        )
    bin_dir = job.temp / "dvc-bin"
    with Tree(job.temp) as temp:
        temp.symlink(f"{bin_dir.name}/dvc", str(tool / "bin" / "dvc"))
    return bin_dir
