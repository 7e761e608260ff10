"""``mlops new`` without ``--defaults`` asks each question on a terminal (a real pty)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import yaml


def _drive(argv: list[str], cwd: Path, first_answer: bytes) -> tuple[int, str]:
    """Run ``argv`` on a pseudo-terminal: give ``first_answer`` to the first question, then
    accept each default with Enter whenever the screen goes quiet."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120", "LINES": "40"}
    process = subprocess.Popen(
        argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    screen = b""
    answered = False
    deadline = time.monotonic() + 90
    try:
        while process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.4)
            if ready:
                try:
                    screen += os.read(master, 65536)
                except OSError:
                    break
            elif b"Project name" in screen:
                os.write(master, b"\r" if answered else first_answer)
                answered = True
        process.wait(timeout=30)
        while select.select([master], [], [], 0.2)[0]:
            try:
                screen += os.read(master, 65536)
            except OSError:
                break
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return process.returncode, screen.decode(errors="replace")


def test_questions_are_asked_on_a_terminal(tmp_path: Path) -> None:
    code, screen = _drive(
        [sys.executable, "-m", "mlops", "new", "asked"], tmp_path, b"\x15churn-model\r"
    )  # Ctrl-U clears the suggested default
    assert code == 0, screen[-2000:]
    for question in ("Project name", "Python version", "Training data", "Model to train"):
        assert question in screen
    answers = yaml.safe_load((tmp_path / "asked" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "churn-model"
    assert answers["package_name"] == "churn_model"  # derived from the typed name
    assert answers["model"] == "logistic_regression"
