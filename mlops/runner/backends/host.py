"""The host backend: a job's processes on this machine (the contract is in ``backends``).

Each step's process runs in its own process group, with live output lines, a timeout and
cancellation.

A step ends when its main process exits (as on GitHub), even if a background child still
holds the output pipe; such leftovers are killed with the job (``ProcessGroups.kill_all``).
A timeout or a cancel kills the whole process group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlops.runner.backends import JobPaths

DRAIN_SECONDS = 0.5  # after the main process exits, how long to wait for buffered output


@dataclass
class ProcessResult:
    exit_code: int
    timed_out: bool = False
    cancelled: bool = False


class ProcessGroups:
    """Every process group a job started, so none outlives the job or a cancel."""

    def __init__(self) -> None:
        self._groups: set[int] = set()
        self._lock = threading.Lock()
        self.cancelled = threading.Event()

    def add(self, pgid: int) -> None:
        with self._lock:
            self._groups.add(pgid)

    def kill_all(self) -> None:
        with self._lock:
            groups = list(self._groups)
            self._groups.clear()
        for pgid in groups:
            _kill_group(pgid)

    def cancel(self) -> None:
        self.cancelled.set()
        self.kill_all()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def run_process(
    argv: list[str],
    *,
    cwd: str,
    env: dict[str, str],
    on_line: Callable[[str], None],
    timeout: float | None,
    groups: ProcessGroups,
) -> ProcessResult:
    if groups.cancelled.is_set():
        return ProcessResult(-1, cancelled=True)
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as error:
        on_line(f"failed to start {argv[0]}: {error.strerror or error}")
        return ProcessResult(127)
    groups.add(process.pid)
    reader = threading.Thread(target=_read_lines, args=(process, on_line), daemon=True)
    reader.start()
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(process.pid)
        process.wait()
    reader.join(DRAIN_SECONDS)
    cancelled = groups.cancelled.is_set()
    return ProcessResult(process.returncode, timed_out=timed_out, cancelled=cancelled)


def _read_lines(process: subprocess.Popen[bytes], on_line: Callable[[str], None]) -> None:
    assert process.stdout is not None
    try:
        for raw in process.stdout:
            on_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
    except (OSError, ValueError):
        pass


class HostBackend:
    """A job's processes on this machine, each step in its own process group."""

    name = "host"

    def __init__(self, root: Path, tool_cache: Path) -> None:
        self.root = root
        self.paths = JobPaths(root / "workspace", root / "temp", tool_cache)
        self.step_paths = self.paths
        self.groups = ProcessGroups()

    @property
    def cancelled(self) -> threading.Event:
        return self.groups.cancelled

    def start(self) -> None:
        self.paths.workspace.mkdir(parents=True)
        self.paths.temp.mkdir()

    def close(self) -> None:
        self.groups.kill_all()
        shutil.rmtree(self.root, ignore_errors=True)

    def cancel(self) -> None:
        self.groups.cancel()

    def run(
        self,
        argv: list[str],
        *,
        cwd: str,
        env: dict[str, str],
        on_line: Callable[[str], None],
        timeout: float | None,
    ) -> ProcessResult:
        return run_process(
            argv, cwd=cwd, env=env, on_line=on_line, timeout=timeout, groups=self.groups
        )

    def which(self, program: str, path: str) -> str | None:
        return shutil.which(program, path=path)

    def copy_in(self, source: Path, target: Path) -> None:
        _copy(source, target)

    def copy_out(self, source: Path, target: Path) -> None:
        _copy(source, target)


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
