"""Run one process of a step through the job's backend: command files in, output lines through
the workflow commands, file commands applied to the job when it ends."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner import filecommands, shells, workflowcommands
from mlops.runner.status import Execution
from mlops.runner.steps.base import StepFailure

if TYPE_CHECKING:
    from mlops.runner.backends.host import ProcessResult
    from mlops.runner.job import JobRun


def run_script(
    job: JobRun,
    script: str,
    shell: str | None,
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    extra_env: dict[str, str] | None = None,
) -> Execution:
    """A ``run:`` script written to a file in the job's temp and run by its shell."""
    script_file = job.temp / f"{os.urandom(16).hex()}{shells.suffix_for(shell)}"
    script_file.write_text(script + ("\n" if not script.endswith("\n") else ""))
    files = filecommands.create(job.temp)
    process_env = job.process_env({**env, **(extra_env or {})}, files)
    argv = shells.command_for(
        shell, str(script_file), process_env.get("PATH", ""), job.backend.which
    )
    if not cwd.is_dir():
        raise StepFailure(f"working-directory {cwd} does not exist")
    return run_in_job(job, argv, cwd, process_env, files, timeout)


def run_in_job(
    job: JobRun,
    argv: list[str],
    cwd: Path,
    process_env: dict[str, str],
    files: dict[str, Path],
    timeout: float,
) -> Execution:
    """One process with its command files; what it wrote to them is applied to the job."""
    return run_with_commands(
        job,
        process_env,
        files,
        timeout,
        lambda on_line: job.backend.run(
            argv, cwd=str(cwd), env=process_env, on_line=on_line, timeout=timeout
        ),
    )


def run_with_commands(
    job: JobRun,
    process_env: dict[str, str],
    files: dict[str, Path],
    timeout: float,
    start: Callable[[Callable[[str], None]], ProcessResult],
) -> Execution:
    """``start`` a process (on the backend, or a docker action's container), giving it the
    line handler; its output lines are workflow commands or shown, and what it wrote to its
    command files is applied to the job."""
    allow = process_env.get("ACTIONS_ALLOW_UNSECURE_COMMANDS", "").strip().lower() == "true"
    state = workflowcommands.CommandState(allow_unsecure=allow)
    result = start(lambda line: workflowcommands.handle(job, line, state))
    if state.saved_state:  # ::save-state:: reaches the post step as GITHUB_STATE does
        with files["GITHUB_STATE"].open("a", encoding="utf-8") as stream:
            for name, value in state.saved_state.items():
                delimiter = f"ghadelimiter_{os.urandom(8).hex()}"
                stream.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    outputs = {**state.outputs, **apply_files(job, files)}  # file commands are applied last
    if result.cancelled:
        return Execution(outputs, True, "cancelled")
    if result.timed_out:
        return Execution(outputs, True, f"timed out after {timeout / 60:g} minutes")
    if result.exit_code != 0:
        return Execution(outputs, True, f"exit code {result.exit_code}")
    if state.failed:
        return Execution(outputs, True, "a workflow command failed")
    return Execution(outputs, False, "")


def apply_files(job: JobRun, files: dict[str, Path]) -> dict[str, str]:
    """GITHUB_ENV, GITHUB_PATH and the step summary applied to the job; the step's outputs."""
    collected = filecommands.collect(files)
    if collected.summary_refused:
        job.state.reporter.annotation(job.key, "error", collected.summary_refused, {})
    job.env_from_files.update(collected.env)
    job.path_prepends.extend(collected.paths)
    if collected.summary.strip():
        job.state.add_summary(job.key, collected.summary)
    return collected.outputs
