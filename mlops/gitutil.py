"""Running git: the one place mlops starts a ``git`` process (scaffold, runner, report, lint and
the workflow model all use it).

Git never prompts (``GIT_TERMINAL_PROMPT=0``) and never reads stdin. ``run`` gives the
completed process whatever git's exit code; ``check`` gives stdout or raises the caller's
error type with git's last line; ``output`` gives stripped stdout, or None when git failed,
is missing or timed out.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any, Literal, overload

QUIET = {"GIT_TERMINAL_PROMPT": "0"}


class GitNotFound(Exception):
    """git is not installed (not on PATH)."""


class GitError(Exception):
    """A git command failed; the message is ``git <command> failed: <git's last line>``."""


@overload
def run(
    args: list[str],
    cwd: Path | str | None,
    *,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float | None = None,
    text: Literal[True] = True,
) -> subprocess.CompletedProcess[str]: ...
@overload
def run(
    args: list[str],
    cwd: Path | str | None,
    *,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
    timeout: float | None = None,
    text: Literal[False],
) -> subprocess.CompletedProcess[bytes]: ...
def run(
    args: list[str],
    cwd: Path | str | None,
    *,
    env: dict[str, str] | None = None,
    input: str | bytes | None = None,
    timeout: float | None = None,
    text: bool = True,
) -> subprocess.CompletedProcess[Any]:
    """``git ARGS`` in ``cwd`` with ``env`` added to this process's environment. A timeout
    gives exit code 124 and says so on stderr."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            env={**os.environ, **QUIET, **(env or {})},
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=text,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GitNotFound("git is not installed") from None
    except subprocess.TimeoutExpired:
        message = f"timed out after {timeout}s"
        return subprocess.CompletedProcess(
            ["git", *args], 124, "" if text else b"", message if text else message.encode()
        )


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def failure(args: list[str], process: subprocess.CompletedProcess[Any]) -> str:
    """One line saying which git command failed and git's own last line about it."""
    stderr, stdout = _text(process.stderr), _text(process.stdout)
    detail = (stderr or stdout).strip().splitlines()
    return f"git {args[0]} failed: {detail[-1] if detail else process.returncode}"


def check(
    args: list[str],
    cwd: Path | str | None,
    *,
    error: type[Exception] = GitError,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float | None = None,
) -> str:
    """git's stdout; ``error(failure message)`` when it exits non-zero."""
    process = run(args, cwd, env=env, input=input, timeout=timeout)
    if process.returncode != 0:
        raise error(failure(args, process))
    return process.stdout


def output(args: list[str], cwd: Path | str | None, *, timeout: float | None = 30) -> str | None:
    """git's stripped stdout, or None when it fails, is missing or times out."""
    try:
        process = run(args, cwd, timeout=timeout)
    except (GitNotFound, OSError):
        return None
    return process.stdout.strip() if process.returncode == 0 else None
