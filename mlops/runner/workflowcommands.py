"""Workflow commands a step prints on stdout: ``::name key=value,...::message``.

Handles group/endgroup, add-mask, error/warning/notice (with file, line, col, title),
debug, stop-commands (and the token that resumes them), and the deprecated commands as
GitHub's runner does (actions/runner ActionCommandManager):

- ``set-output`` and ``save-state`` still work, with a deprecation warning;
- ``set-env`` and ``add-path`` work only when ``ACTIONS_ALLOW_UNSECURE_COMMANDS`` is ``true``
  in the step's environment (workflow, job or step env); otherwise they fail the step
  ("Unable to process command ... successfully").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops.runner.lines import shown
from mlops.runner.masking import TooManyMasks

if TYPE_CHECKING:
    from mlops.runner.job import JobRun

_COMMAND = re.compile(r"^::([A-Za-z0-9_.-]+)(?: ([^:]*))?::(.*)$")
ANNOTATIONS = ("error", "warning", "notice")
# GitHub keeps this many annotations of each level a step, and this many a job; the lines
# past them stay in the log only (actions/toolkit, docs/problem-matchers.md, "Limitations").
ANNOTATIONS_PER_STEP = 10
ANNOTATIONS_PER_JOB = 50
PAST_THE_COUNT = (
    "GitHub keeps {} {} annotations a step and {} a job: from here on this step's {}s are "
    "in the log only"
)


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text).replace("%3A", ":").replace("%2C", ",")


@dataclass(eq=False)
class Command:
    """One ``::name key=value,...::message`` workflow command from a step's output."""

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


@dataclass(eq=False)
class CommandState:
    """Per-process state: the stop-commands token while commands are paused, and what the
    deprecated commands set (applied by the caller when the process ends)."""

    stop_token: str | None = None
    allow_unsecure: bool = False
    outputs: dict[str, str] = field(default_factory=dict)
    saved_state: dict[str, str] = field(default_factory=dict)
    failed: bool = False
    annotations: dict[str, int] = field(default_factory=dict)  # made, by level
    past_the_count: set[str] = field(default_factory=set)  # levels said to be log-only now

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


DEPRECATED = (
    "The `{}` command is deprecated and will be disabled soon. Please upgrade to using "
    "Environment Files. For more information see: https://github.blog/changelog/"
    "2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/"
)
UNSECURE_DISABLED = (
    "The `{}` command is disabled. Please upgrade to using Environment Files or opt into "
    "unsecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS` environment "
    "variable to `true`. For more information see: https://github.blog/changelog/"
    "2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/"
)
UNSECURE = ("set-env", "add-path")


def handle(job: JobRun, line: str, state: CommandState) -> None:
    """One line a step printed: a workflow command is acted on, any other line is shown."""
    reporter = job.state.reporter
    command = state.accept(line)
    if command is None:
        if state.stop_token is None and line.startswith("::") and parse(line) is not None:
            return  # the stop-commands / resume lines themselves
        reporter.line(job.key, shown(line, job.state.masker))
        return
    name = command.name
    if name == "add-mask":
        if command.message:
            try:
                job.state.masker.add(command.message)
            except TooManyMasks as error:
                reporter.annotation(job.key, "error", f"::add-mask:: refused: {error}", {})
                state.failed = True
    elif name == "group":
        reporter.group(job.key, command.message)
    elif name == "endgroup":
        reporter.end_group(job.key)
    elif name in ANNOTATIONS:
        _annotate(job, state, command)
    elif name == "debug":
        if job.state.options.step_debug:
            reporter.line(job.key, f"debug: {command.message}")
    elif name in ("set-output", "save-state"):
        reporter.annotation(job.key, "warning", DEPRECATED.format(name), {})
        key = command.properties.get("name", "")
        if not key:
            _failed(job, state, line, f"Required field 'name' is missing in ##[{name}] command.")
        elif name == "set-output":
            state.outputs[key] = command.message
        else:
            state.saved_state[key] = command.message
    elif name in UNSECURE:
        if not state.allow_unsecure:
            _failed(job, state, line, UNSECURE_DISABLED.format(name))
        elif name == "add-path":
            if command.message:
                job.path_prepends.append(command.message)
        else:
            key = command.properties.get("name", "")
            if not key:
                _failed(
                    job, state, line, "Required field 'name' is missing in ##[set-env] command."
                )
            elif "\0" in key or "\0" in command.message:
                _failed(job, state, line, "An environment variable cannot hold a NUL byte.")
            elif key.upper() == "NODE_OPTIONS":
                reporter.annotation(
                    job.key,
                    "error",
                    f"Can't update {key} environment variable using ::set-env:: command.",
                    {},
                )
            else:
                job.env_from_files[key] = command.message
    else:
        reporter.line(job.key, shown(line, job.state.masker))


def _annotate(job: JobRun, state: CommandState, command: Command) -> None:
    reporter = job.state.reporter
    level = command.name
    made = state.annotations.get(level, 0)
    if made < ANNOTATIONS_PER_STEP and job.annotations < ANNOTATIONS_PER_JOB:
        state.annotations[level] = made + 1
        job.annotations += 1
        reporter.annotation(job.key, level, command.message, command.properties)
        return
    if level not in state.past_the_count:
        state.past_the_count.add(level)
        notice = PAST_THE_COUNT.format(ANNOTATIONS_PER_STEP, level, ANNOTATIONS_PER_JOB, level)
        reporter.annotation(job.key, "notice", notice, {}, log_only=True)
    reporter.annotation(job.key, level, command.message, command.properties, log_only=True)


def _failed(job: JobRun, state: CommandState, line: str, reason: str) -> None:
    """A command GitHub cannot process: two errors, and the step fails."""
    job.state.reporter.annotation(
        job.key, "error", f"Unable to process command '{line}' successfully.", {}
    )
    job.state.reporter.annotation(job.key, "error", reason, {})
    state.failed = True
