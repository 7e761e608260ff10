"""The host backend's wait for a step's process: the exit as it happens, or the timeout."""

from __future__ import annotations

import subprocess

from mlops.runner.backends.host import _wait_for_exit


def test_an_exited_process_is_collected_with_its_status() -> None:
    process = subprocess.Popen(["sh", "-c", "exit 3"])
    assert _wait_for_exit(process, timeout=60) is True
    assert process.returncode == 3


def test_a_process_that_outlives_the_timeout_is_left_running() -> None:
    process = subprocess.Popen(["sleep", "30"])
    try:
        assert _wait_for_exit(process, timeout=0.2) is False
        assert process.poll() is None  # the caller decides what to kill
    finally:
        process.kill()
        process.wait()


def test_without_a_timeout_the_wait_ends_with_the_process() -> None:
    process = subprocess.Popen(["sh", "-c", "sleep 0.1; exit 0"])
    assert _wait_for_exit(process, timeout=None) is True
    assert process.returncode == 0
