"""Run one step's process: its own process group, live output lines, timeout, cancellation.

A step ends when its main process exits (as on GitHub), even if a background child still
holds the output pipe; such leftovers are killed with the job (``ProcessGroups.kill_all``).
A timeout or a cancel kills the whole process group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass

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
