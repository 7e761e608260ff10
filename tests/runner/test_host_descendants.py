"""The host backend's view of its descendants: walked down the process tree, or found by a
scan of the whole of /proc where the kernel has no ``children`` files; both agree."""

from __future__ import annotations

import os
import subprocess
import time

from mlops.runner.backends import host


def _wait_until_zombie(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if host._stat(pid)[1] == b"Z":
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not exit")


def _under(pid: int) -> set[int]:
    """The descendants of ``pid``, from the scan of /proc."""
    scanned = host._tree_from_proc_scan()
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child, state, _started in scanned.get(stack.pop(), []):
            if state != b"Z":
                found.add(child)
                stack.append(child)
    return found


def test_the_tree_walk_and_the_proc_scan_find_the_same_descendants() -> None:
    # a grandchild, a great-grandchild in its own session, and an exited unreaped child
    tree = subprocess.Popen(["bash", "-c", "sleep 30 & setsid sleep 30 & wait"])
    exited = subprocess.Popen(["true"])
    try:
        _wait_until_zombie(exited.pid)
        deadline = time.monotonic() + 10
        while len(_under(tree.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(_under(tree.pid)) == 2  # the two sleeps, the setsid one included

        walked = host._tree_from_children_files(os.getpid())
        assert walked is not None, "this kernel has no /proc/<pid>/task/<tid>/children"
        live, zombies = host._descendants()
        pids = {pid for pid, _started in live}
        assert {tree.pid, *_under(tree.pid)} <= pids
        assert exited.pid in zombies
        assert exited.pid not in pids

        scanned = host._tree_from_proc_scan()
        for parent in (os.getpid(), *pids):
            assert sorted(walked.get(parent, [])) == sorted(scanned.get(parent, []))
    finally:
        subprocess.run(["pkill", "-KILL", "-P", str(tree.pid)], check=False)
        tree.kill()
        tree.wait()
        exited.wait()
