"""gitutil.failure: the one line saying which git command failed, for text and bytes output."""

from __future__ import annotations

import subprocess

from mlops.gitutil import failure


def test_failure_decodes_bytes_stdout_when_stderr_is_empty() -> None:
    process = subprocess.CompletedProcess(["git", "hash-object"], 1, b"fatal: no object\n", b"")
    assert failure(["hash-object"], process) == "git hash-object failed: fatal: no object"


def test_failure_takes_stderr_first_and_its_last_line() -> None:
    process = subprocess.CompletedProcess(["git", "show"], 128, "out\n", "hint: x\nfatal: bad\n")
    assert failure(["show"], process) == "git show failed: fatal: bad"
    assert failure(["show"], subprocess.CompletedProcess([], 3, None, None)) == "git show failed: 3"
