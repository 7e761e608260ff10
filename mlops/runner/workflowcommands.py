"""Workflow commands a step prints on stdout: ``::name key=value,...::message``.

Handles group/endgroup, add-mask, error/warning/notice (with file, line, col, title),
debug, stop-commands (and the token that resumes them), and reports the deprecated
set-output/save-state/set-env/add-path as errors, as GitHub now does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops.runner.job import JobRun

_COMMAND = re.compile(r"^::([A-Za-z0-9_.-]+)(?: ([^:]*))?::(.*)$")
ANNOTATIONS = ("error", "warning", "notice")


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text).replace("%3A", ":").replace("%2C", ",")


@dataclass
class Command:
    name: str
    properties: dict[str, str] = field(default_factory=dict)
    message: str = ""


def parse(line: str) -> Command | None:
    match = _COMMAND.match(line.rstrip("\r\n"))
    if match is None:
        return None
    properties = {}
    for item in (match.group(2) or "").split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            properties[key.strip().lower()] = _unescape_property(value)
    return Command(match.group(1).lower(), properties, _unescape_data(match.group(3)))


@dataclass
class CommandState:
    """Per-step state: the stop-commands token, while commands are paused."""

    stop_token: str | None = None

    def accept(self, line: str) -> Command | None:
        """The command on ``line`` if commands are being processed, else None."""
        command = parse(line)
        if command is None:
            return None
        if self.stop_token is not None:
            if command.name == self.stop_token.lower():
                self.stop_token = None
            return None
        if command.name == "stop-commands":
            self.stop_token = command.message
            return None
        return command


DISABLED = ("set-output", "save-state", "set-env", "add-path")


def handle(job: JobRun, line: str, state: CommandState) -> None:
    """One line a step printed: a workflow command is acted on, any other line is shown."""
    reporter = job.state.reporter
    command = state.accept(line)
    if command is None:
        if state.stop_token is None and line.startswith("::") and parse(line) is not None:
            return  # the stop-commands / resume lines themselves
        reporter.line(job.key, line)
        return
    name = command.name
    if name == "add-mask":
        if command.message:
            job.state.masker.add(command.message)
    elif name == "group":
        reporter.group(job.key, command.message)
    elif name == "endgroup":
        reporter.end_group(job.key)
    elif name in ANNOTATIONS:
        reporter.annotation(job.key, name, command.message, command.properties)
    elif name == "debug":
        if job.state.options.step_debug:
            reporter.line(job.key, f"debug: {command.message}")
    elif name in DISABLED:
        reporter.annotation(
            job.key,
            "error",
            f"the '{name}' command is disabled; use the environment files "
            "(GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_PATH)",
            {},
        )
    else:
        reporter.line(job.key, line)
