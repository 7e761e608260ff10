"""The host backend: a job's processes on this machine (the contract is in ``backends``).

Each step's process runs in its own process group, with live output lines, a timeout and
cancellation.

A step ends when its main process exits (as on GitHub), even if a background child still
holds the output pipe; such leftovers are killed with the job (``ProcessGroups.kill_all``).
But not before everything the main process wrote has been read and handled, however slowly
the lines are consumed (a slow console): at its exit the bytes still in the pipe are counted,
and the reader stops once it has read them, so an ``::add-mask::`` is in force before the
next step starts and no line is lost.
A timeout or a cancel kills the whole process group.

Where the machine allows it (cgroup v2, writable), each job's processes are also in a cgroup
of their own (``cgroups``), which ends them all at once however they detach or re-fork.
Elsewhere, and in any case as a second net, processes that leave the group (``setsid cmd &``,
a double fork) are found as GitHub's
runner finds them: every step process carries ``RUNNER_TRACKING_ID`` (job token + step
token) in its environment, and whatever still carries it is killed when the step times out
or is cancelled (step token) and when the job ends (job token). On Linux the runner is
also a child subreaper, so orphans are re-parented to it rather than to init: at the end of
the run every descendant started during the run is ended (``end_descendants``), even one
that cleared its environment, and their exits are reaped. Each of these kills is repeated
until nothing is left to kill, so a process that forks as it dies cannot outrun it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlops.runner.backends import JobPaths
from mlops.runner.backends.cgroups import Cgroup
from mlops.runner.lines import LineSplitter


@dataclass(eq=False)
class ProcessResult:
    """How a step's process ended: its exit code, or a timeout or cancel."""

    exit_code: int
    timed_out: bool = False
    cancelled: bool = False


@dataclass(eq=False)
class ProbeResult:
    """What a short command the runner itself runs (``probe``) printed, and its exit code."""

    exit_code: int
    stdout: str
    stderr: str


TRACKING_VARIABLE = "RUNNER_TRACKING_ID"
_PR_SET_CHILD_SUBREAPER = 36
_popen_pids: set[int] = set()  # step processes a thread is waiting for: never reaped here
_popen_lock = threading.Lock()


class ProcessGroups:
    """Every process group a job started, so none outlives the job or a cancel."""

    def __init__(self) -> None:
        self._groups: set[int] = set()
        self._lock = threading.Lock()
        self.cancelled = threading.Event()
        self.tracking = f"mlops_{os.urandom(8).hex()}"
        self._cgroup: Cgroup | None = None
        self._cgroup_tried = False

    def cgroup(self) -> Cgroup | None:
        """The job's cgroup, made with its first process; None where the machine has none."""
        with self._lock:
            if not self._cgroup_tried:
                self._cgroup_tried = True
                self._cgroup = Cgroup.create(f"mlops-{os.getpid()}-{self.tracking}")
            return self._cgroup

    def add(self, pgid: int) -> None:
        with self._lock:
            self._groups.add(pgid)

    def kill_all(self) -> None:
        with self._lock:
            groups = list(self._groups)
            self._groups.clear()
            cgroup = self._cgroup
        if cgroup is not None:
            cgroup.kill()
        for pgid in groups:
            _kill_group(pgid)
        kill_tracked(self.tracking + "_")

    def close(self) -> None:
        """End every process of the job and remove its cgroup."""
        self.kill_all()
        with self._lock:
            cgroup, self._cgroup = self._cgroup, None
        if cgroup is not None:
            cgroup.remove()

    def cancel(self) -> None:
        self.cancelled.set()
        self.kill_all()


def become_subreaper() -> bool:
    """Make orphaned descendants children of this process (Linux), and reap them as they
    exit; False where unsupported.

    A subreaper that does not reap fills the process table: a daemon that forks and exits
    every few milliseconds leaves a zombie each time, and 32,768 pids go in a minute. So a
    thread collects the exits of adopted orphans while the run lasts (``_reap_orphans``).
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    global _reaper  # one reaper thread per process
    with _popen_lock:
        if _reaper is None:
            _reaper = threading.Thread(target=_reap_forever, name="mlops-reaper", daemon=True)
            _reaper.start()
    return True


_reaper: threading.Thread | None = None
REAP_INTERVAL_SECONDS = 0.05


def _reap_forever() -> None:
    while True:
        time.sleep(REAP_INTERVAL_SECONDS)
        with contextlib.suppress(OSError):
            _reap_orphans()


def _reap_orphans() -> None:
    """Collect exited children that are adopted orphans of steps: zombies in another
    session than mlops's own (every step starts a session of its own, and what it starts
    can never join mlops's), except a step process its thread is about to wait for. A child
    of mlops's own machinery (git, a probe) shares mlops's session and is left to its
    caller, whose exit status it is."""
    session = _stat(os.getpid())[3]
    me = str(os.getpid())
    with _popen_lock:
        for thread in os.listdir(f"/proc/{me}/task"):  # noqa: PTH208  (hot path)
            try:
                listed = _read(f"/proc/{me}/task/{thread}/children")
            except OSError:
                continue
            for pid in map(int, listed.split()):
                if pid in _popen_pids:
                    continue
                try:
                    _parent, state, _started, child_session = _stat(pid)
                except (OSError, IndexError, ValueError):
                    continue
                if state == b"Z" and child_session != session:
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, os.WNOHANG)


def _read(path: str, size: int = 65536) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


def _descendants() -> tuple[list[tuple[int, int]], list[int]]:
    """Live descendants of this process as (pid, start time in clock ticks), and the exited
    children (zombies) of this process.

    Under a subreaper the descendants are everything a step started, however it detached.
    The tree is walked down from this process through /proc/<pid>/task/<tid>/children, so
    the cost follows the number of descendants, not of processes on the machine; a kernel
    without those files gets one pass over /proc. os.open rather than pathlib: this runs at
    the end of every job.
    """
    me = os.getpid()
    tree = _tree_from_children_files(me)
    if tree is None:
        tree = _tree_from_proc_scan()
    found: list[tuple[int, int]] = []
    zombies: list[int] = []
    stack = [me]
    while stack:
        parent = stack.pop()
        for pid, state, started in tree.get(parent, []):
            if state in (b"Z", b"X"):  # exited: nothing left to end, only to reap
                if parent == me:
                    zombies.append(pid)
                continue
            found.append((pid, started))
            stack.append(pid)
    return found, zombies


_Tree = dict[int, list[tuple[int, bytes, int]]]  # parent -> (pid, state, start ticks)


def _stat(pid: int | str) -> tuple[int, bytes, int, int]:
    """(parent pid, state, start time in clock ticks, session) from /proc/<pid>/stat."""
    fields = _read(f"/proc/{pid}/stat", 1024).rsplit(b")", 1)[1].split()
    return int(fields[1]), fields[0], int(fields[19]), int(fields[3])


def _tree_from_children_files(root: int) -> _Tree | None:
    """The process tree under ``root``; None if the kernel has no ``children`` files."""
    tree: _Tree = {}
    stack = [root]
    while stack:
        parent = stack.pop()
        try:
            threads = os.listdir(f"/proc/{parent}/task")  # noqa: PTH208  (hot path)
        except OSError:  # it exited meanwhile
            continue
        for thread in threads:
            try:
                listed = _read(f"/proc/{parent}/task/{thread}/children")
            except FileNotFoundError:
                if parent == root and thread == str(root):
                    return None  # no CONFIG_PROC_CHILDREN
                continue
            except OSError:
                continue
            for pid in map(int, listed.split()):
                try:
                    _parent, state, started, _session = _stat(pid)
                except (OSError, IndexError, ValueError):
                    continue
                tree.setdefault(parent, []).append((pid, state, started))
                if state not in (b"Z", b"X"):
                    stack.append(pid)
    return tree


def _tree_from_proc_scan() -> _Tree:
    """The whole process table as a tree, in one pass over /proc."""
    tree: _Tree = {}
    try:
        entries = os.listdir("/proc")  # noqa: PTH208  (hot path)
    except OSError:
        return tree
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            parent, state, started, _session = _stat(entry)
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append((int(entry), state, started))
    return tree


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def _reap(pids: list[int], wait: float = 0.0) -> None:
    """Collect the exits of adopted orphans (never of a process a step thread waits for)."""
    with _popen_lock:
        waited = set(_popen_pids)
    deadline = time.monotonic() + wait
    for pid in pids:
        if pid in waited:
            continue
        while True:
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child: its own parent reaps it
                break
            if done or time.monotonic() >= deadline:
                break
            time.sleep(0.01)


KILL_ROUNDS_SECONDS = 10.0  # how long the passes may take while something still forks


def _stop_then_kill(selected: Callable[[int, int], bool]) -> list[int]:
    """SIGSTOP every live descendant ``selected(pid, start ticks)`` picks, pass after pass
    until a pass finds none not yet stopped, then SIGKILL them all; the pids.

    One snapshot of the tree is never enough: a process that forks as it is killed leaves a
    child the snapshot missed. A stopped process cannot fork, and under the subreaper a
    child it forked before it stopped is still a descendant, so the passes converge.
    """
    stopped: list[int] = []
    seen: set[int] = set()
    deadline = time.monotonic() + KILL_ROUNDS_SECONDS
    while time.monotonic() < deadline:
        live, _zombies = _descendants()
        new = [pid for pid, started in live if pid not in seen and selected(pid, started)]
        if not new:
            break
        for pid in new:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGSTOP)
            seen.add(pid)
            stopped.append(pid)
    for pid in stopped:
        _kill(pid)
    return stopped


def kill_tracked(token: str) -> None:
    """End every descendant whose RUNNER_TRACKING_ID starts with ``token``."""
    needle = f"{TRACKING_VARIABLE}={token}".encode()

    def tracked(pid: int, _started: int) -> bool:
        try:
            environ = _read(f"/proc/{pid}/environ", 1 << 20)
        except OSError:
            return False
        return any(item.startswith(needle) for item in environ.split(b"\0"))

    # Only what was killed here: another zombie child may be a process a job thread is
    # about to wait for (git in checkout), and reaping it would fake its exit status.
    _reap(_stop_then_kill(tracked))


def clock_ticks() -> int:
    """Now, in the unit of /proc/<pid>/stat's start time (ticks since boot)."""
    try:
        uptime = float(_read("/proc/uptime", 128).split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return int(uptime * os.sysconf("SC_CLK_TCK"))


def end_descendants(since: int) -> None:
    """End every descendant of this process that started at or after ``since`` ticks, and
    reap the orphans left as zombies (at the end of a run, when no job thread waits)."""
    killed = _stop_then_kill(lambda _pid, started: started >= since)
    _live, zombies = _descendants()
    _reap(zombies + killed, wait=0.5 if killed else 0.0)


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
    tracking = f"{groups.tracking}_{os.urandom(4).hex()}"
    cgroup = groups.cgroup()
    # Started and registered under the lock: the reaper must never collect the exit of a
    # step process before its thread knows to wait for it.
    with _popen_lock:
        process = _start(argv, cwd, {**env, TRACKING_VARIABLE: tracking}, cgroup, on_line)
        if process is None:
            return ProcessResult(127)
        _popen_pids.add(process.pid)
    groups.add(process.pid)
    assert process.stdout is not None
    reader = _Output(process.stdout.fileno(), on_line)
    timed_out = False
    try:
        if not _wait_for_exit(process, timeout):
            timed_out = True
            _kill_group(process.pid)
            process.wait()
    finally:
        with _popen_lock:
            _popen_pids.discard(process.pid)
    cancelled = groups.cancelled.is_set()
    if timed_out or cancelled:  # what left the process group goes too
        kill_tracked(tracking)
    reader.finish()
    process.stdout.close()
    cancelled = groups.cancelled.is_set()
    return ProcessResult(process.returncode, timed_out=timed_out, cancelled=cancelled)


def _start(
    argv: list[str],
    cwd: str,
    env: dict[str, str],
    cgroup: Cgroup | None,
    on_line: Callable[[str], None],
) -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(
            argv if cgroup is None else cgroup.wrap(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as error:
        on_line(f"failed to start {argv[0]}: {error.strerror or error}")
        return None


def _wait_for_exit(process: subprocess.Popen[bytes], timeout: float | None) -> bool:
    """Whether ``process`` exited before ``timeout`` seconds passed (None: no limit).

    Sleeps in the kernel on a pidfd (Linux 5.3+) until the process exits: ``Popen.wait`` with
    a timeout polls with sleeps that double up to 50 ms, so every step ended up to 50 ms late.
    """
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        while True:
            if deadline is None:
                wait_ms = None
            else:
                wait_ms = min(max(deadline - time.monotonic(), 0.0) * 1000, 2**31 - 1)
            if poller.poll(wait_ms):
                break
            if deadline is not None and time.monotonic() >= deadline:
                return False
    finally:
        os.close(pidfd)
    process.wait()  # it has exited: this only collects its status
    return True


class _Output:
    """Reads a process's output pipe into lines on a thread, until ``finish``."""

    def __init__(self, fd: int, on_line: Callable[[str], None]) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        self._splitter = LineSplitter(on_line)
        self._lock = threading.Lock()  # held while reading, so a count and a read never cross
        self._consumed = 0
        self._target: int | None = None
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        poller.register(self._wake_read, select.POLLIN)
        try:
            while True:
                poller.poll()
                with self._lock:
                    if self._target is not None and self._consumed >= self._target:
                        break
                    try:
                        chunk = os.read(self.fd, 65536)
                    except BlockingIOError:
                        continue
                    self._consumed += len(chunk)
                if not chunk:  # every writer has closed the pipe
                    break
                self._splitter.feed(chunk)
            self._splitter.close()
        except (OSError, ValueError):
            pass

    def finish(self) -> None:
        """The process has exited: read what it wrote (all of it, however long the lines
        take to handle), not what a background child writes after, then stop."""
        buffered = bytearray(struct.calcsize("i"))
        with self._lock:
            try:
                fcntl.ioctl(self.fd, termios.FIONREAD, buffered)
                pending = struct.unpack("i", buffered)[0]
            except OSError:
                pending = 0
            self._target = self._consumed + pending
        os.write(self._wake_write, b"x")
        self._thread.join()
        os.close(self._wake_write)
        os.close(self._wake_read)


class HostBackend:
    """A job's processes on this machine, each step in its own process group."""

    name = "host"
    local = True  # the job's processes run on this machine
    where = "this machine"

    def __init__(self, root: Path, tool_cache: Path) -> None:
        self.root = root
        self.paths = JobPaths(root / "workspace", root / "temp", tool_cache)
        self.step_paths = self.paths
        self.groups = ProcessGroups()
        self._at_close: list[Callable[[], object]] = []

    @property
    def cancelled(self) -> threading.Event:
        return self.groups.cancelled

    def start(self) -> None:
        self.paths.workspace.mkdir(parents=True)
        self.paths.temp.mkdir()

    def at_close(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` when the job ends, before its directories are removed."""
        self._at_close.append(callback)

    def close(self) -> None:
        for callback in reversed(self._at_close):
            with contextlib.suppress(Exception):
                callback()
        self._at_close.clear()
        self.groups.close()
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

    def probe(self, argv: list[str], env: dict[str, str], timeout: float = 60) -> ProbeResult:
        """Run a short command of the runner's own (no log lines) and capture its output."""
        try:
            done = subprocess.run(
                argv, env=env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return ProbeResult(127, "", str(error))
        return ProbeResult(done.returncode, done.stdout, done.stderr)

    def base_env(self, host_env: dict[str, str]) -> dict[str, str]:
        """What a step's environment starts from: the allow-listed host variables."""
        return host_env

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
