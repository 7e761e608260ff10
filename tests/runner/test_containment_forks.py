"""Process containment a re-forking daemon cannot outrun (issue 19, finding 2): no process of
a run is alive 2 s after mlops exits, whatever the steps did: at the end of the run, on
SIGINT, SIGTERM and SIGHUP, and on a step's timeout. Each case runs twice: with a cgroup per
job (where the machine allows one) and with the process-tree kill mlops falls back to
elsewhere (``MLOPS_CGROUP_ROOT`` naming a place where no cgroup can be made).

GitHub's runner ends every process of a job when the job ends (it kills what carries the
job's RUNNER_TRACKING_ID); a daemon that detaches (setsid) and re-forks every 2 ms is the
case a single snapshot of the process tree misses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.runner.conftest import Repo
from tests.runner.test_lifecycle import _processes_with

# Leaves the step's session, then forks and exits every 2 ms: at any moment one process,
# never the same pid for long, so a single snapshot of the tree always misses its child.
# Every 100th generation writes how many it has been to the file named second, if any.
REFORKER = (
    "import os, sys, time\n"
    "if os.fork(): sys.exit(0)\n"
    "os.setsid()\n"
    "generation = 0\n"
    "while True:\n"
    "    time.sleep(0.002)\n"
    "    if os.fork(): os._exit(0)\n"
    "    generation += 1\n"
    "    if len(sys.argv) > 2 and generation %% 100 == 0:\n"
    '        open(sys.argv[2], "w").write(str(generation))\n'
)


def _workflow(marker: str, *, then: str = "true", timeout: str = "", counter: str = "") -> str:
    script = REFORKER.replace("\n", "\\n")
    return f"""\
        on: push
        jobs:
          daemon:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  printf '{script}' > "$RUNNER_TEMP/reforker.py"
                  python3 "$RUNNER_TEMP/reforker.py" {marker} {counter} > /dev/null 2>&1 < /dev/null
                  sleep 0.2
              - run: {then}{timeout}
        """


class Trap:
    """A cgroup the test starts mlops in, where the machine allows one: every process of the
    run is in its subtree whatever it did, so "none left" is exact, and the trap is emptied
    at the end even when mlops failed to (a re-forking daemon must not load the machine).
    Elsewhere, processes are found by their marker."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.path: Path | None = None
        mount = Path("/sys/fs/cgroup/unified")
        mount = mount if (mount / "cgroup.procs").exists() else Path("/sys/fs/cgroup")
        candidate = mount / f"mlops-test-{marker}"
        try:
            candidate.mkdir()
            self.path = candidate
        except OSError:
            pass

    def preexec(self) -> None:
        if self.path is not None:
            (self.path / "cgroup.procs").write_text("0")

    def alive(self) -> list[str]:
        if self.path is None:
            return _processes_with(self.marker)
        events = (self.path / "cgroup.events").read_text()
        if "populated 0" in events:
            return []
        return [
            f"{p.parent.name}/{pid}"
            for p in self.path.rglob("cgroup.procs")
            for pid in p.read_text().split()
        ] or ["(exiting)"]

    def gone_within(self, seconds: float = 2.0) -> list[str]:
        """What is still alive ``seconds`` after now (none: at once)."""
        deadline = time.monotonic() + seconds
        while (left := self.alive()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return left

    def close_probe(self) -> Path | None:
        """Whether a cgroup could be made here (and remove it): its path, or None."""
        if self.path is not None:
            self.path.rmdir()
        return self.path

    def cgroup_of(self, pid: int) -> str:
        """The cgroup (v2 path) ``pid`` is in."""
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return line[3:]
        return ""

    def close(self) -> None:
        if self.path is None:
            for _ in range(1000):
                if not _processes_with(self.marker):
                    break
                subprocess.run(["pkill", "-KILL", "-f", self.marker], check=False)
            return
        deadline = time.monotonic() + 30
        while "populated 1" in (self.path / "cgroup.events").read_text():
            (self.path / "cgroup.kill").write_text("1")
            time.sleep(0.01)
            if time.monotonic() > deadline:
                break
        for directory in sorted(self.path.rglob("*/"), key=lambda p: -len(p.parts)):
            if directory.is_dir():
                directory.rmdir()
        self.path.rmdir()


def _generations(counter: Path) -> int:
    try:
        return int(counter.read_text() or 0)
    except (OSError, ValueError):
        return 0


def _zombie_children(parent: int) -> int:
    count = 0
    for proc in Path("/proc").iterdir():
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        count += fields[0] == "Z" and int(fields[1]) == parent
    return count


def _sleeping_step(proc: Path) -> bool:
    try:
        return (proc / "cmdline").read_bytes() == b"sleep\x0060\x00"
    except OSError:
        return False


CONTAINMENTS = ["cgroup", "process-tree"]


@pytest.fixture(params=CONTAINMENTS)
def containment(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The environment mlops runs with: its own choice, or no cgroup to be had."""
    if request.param == "cgroup":
        if Trap("probe-" + uuid.uuid4().hex[:8]).close_probe() is None:
            pytest.skip("no writable cgroup2 hierarchy here: only the process-tree kill applies")
        return {"MLOPS_CGROUP_ROOT_EXPECTED": "1"}
    return {"MLOPS_CGROUP_ROOT": str(tmp_path / "no-cgroup-here")}


def _env(repo: Repo, containment: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "MLOPS_CACHE_DIR": str(repo.cache), **containment}
    env.pop("MLOPS_CGROUP_ROOT_EXPECTED", None)
    return env


def _run(
    repo: Repo, trap: Trap, containment: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops", "run", "push", "-C", str(repo.root)],
        env=_env(repo, containment),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=trap.preexec,
    )


def test_a_reforking_daemon_never_outlives_the_run(repo: Repo, containment: dict[str, str]) -> None:
    for attempt in range(20):
        marker = f"mlops-refork-{uuid.uuid4().hex[:8]}"
        repo.workflow(_workflow(marker))
        trap = Trap(marker)
        try:
            run = _run(repo, trap, containment)
            assert run.returncode == 0, run.stderr
            left = trap.gone_within(2.0)
            assert left == [], f"run {attempt + 1}: {left[:3]}"
        finally:
            trap.close()


def test_a_reforking_daemon_never_outlives_a_step_timeout(
    repo: Repo, containment: dict[str, str]
) -> None:
    marker = f"mlops-refork-{uuid.uuid4().hex[:8]}"
    repo.workflow(
        _workflow(marker, then="sleep 60", timeout="\n                timeout-minutes: 0.02")
    )
    trap = Trap(marker)
    try:
        run = _run(repo, trap, containment)
        assert run.returncode == 1, run.stderr
        assert trap.gone_within(2.0) == []
    finally:
        trap.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_reforking_daemon_never_outlives_a_stop_signal(
    repo: Repo, containment: dict[str, str], signum: int
) -> None:
    marker = f"mlops-refork-{uuid.uuid4().hex[:8]}"
    counter = repo.cache.parent / f"{marker}.generations"
    repo.workflow(_workflow(marker, then="sleep 60", counter=str(counter)))
    trap = Trap(marker)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlops", "run", "push", "-C", str(repo.root)],
            env=_env(repo, containment),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=trap.preexec,
        )
        deadline = time.monotonic() + 120
        while _generations(counter) < 1000 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Each generation's parent exited and was adopted by mlops (the subreaper): unless
        # mlops collects those exits as the run goes, they pile up as zombies until the
        # process table is full (32,768 pids in about a minute).
        assert _generations(counter) >= 1000, "the daemon never got going"
        zombies = _zombie_children(process.pid)
        assert zombies < _generations(counter) / 4, f"{zombies} zombies"
        if "MLOPS_CGROUP_ROOT_EXPECTED" in containment:
            # The step's process is in the job's own cgroup, below the one mlops runs in.
            assert trap.path is not None
            inside = [
                trap.cgroup_of(int(p.name))
                for p in Path("/proc").iterdir()
                if p.name.isdigit() and _sleeping_step(p)
            ]
            assert any(c.startswith(f"/{trap.path.name}/mlops-") for c in inside), inside
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 128 + signum, stderr
        assert trap.gone_within(2.0) == []
    finally:
        trap.close()
