"""Dockerfile checks hadolint does not make: the final stage must switch to a non-root USER.

hadolint flags a final ``USER root`` (DL3002) but not a Dockerfile with no ``USER`` at all,
whose container then runs as root. The Dockerfile of a Docker container action is exempt:
GitHub requires such actions to run as the default user, root (a ``USER`` would lose access
to the mounted workspace and file commands).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlops.lint.findings import Finding
from mlops.lint.rules import severity_of

_DIRECTIVE = re.compile(r"#\s*escape\s*=\s*(\S)", re.IGNORECASE)
_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")


@dataclass
class Instruction:
    line: int  # where it starts
    keyword: str  # upper case
    arguments: str


def instructions(text: str) -> list[Instruction]:
    """Logical instructions: continuation lines joined, comments and heredoc bodies skipped."""
    lines = text.splitlines()
    escape = "\\"
    for line in lines:  # parser directives come first, before any instruction or comment
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        match = _DIRECTIVE.match(stripped)
        if match:
            escape = match.group(1)
    result: list[Instruction] = []
    index = 0
    while index < len(lines):
        start = index
        stripped = lines[index].strip()
        index += 1
        if not stripped or stripped.startswith("#"):
            continue
        parts = [stripped]
        while parts[-1].endswith(escape) and index < len(lines):
            parts[-1] = parts[-1][: -len(escape)]
            following = lines[index].strip()
            index += 1
            # comment and empty lines inside a continuation are skipped; it goes on
            parts.append(escape if not following or following.startswith("#") else following)
        joined = " ".join(p for p in parts if p).strip()
        keyword, _, arguments = joined.partition(" ")
        for marker in _HEREDOC.finditer(arguments):
            terminator = marker.group(1)
            while index < len(lines) and lines[index].strip() != terminator:
                index += 1
            index += 1
        result.append(Instruction(start + 1, keyword.upper(), arguments.strip()))
    return result


def _user_name(arguments: str) -> str:
    value = arguments.split()[0] if arguments.split() else ""
    return value.split(":", 1)[0]


def lint_dockerfile(shown: str, data: bytes, *, action_image: bool = False) -> list[Finding]:
    text = data.decode("utf-8", errors="replace")
    parsed = instructions(text)
    stages = [i for i in parsed if i.keyword == "FROM"]
    if not stages:
        rule = "dockerfile-syntax"
        return [Finding(shown, 1, 1, severity_of(rule), rule, "no FROM instruction")]
    if action_image:
        return []
    final = stages[-1]
    users = [i for i in parsed if i.keyword == "USER" and i.line > final.line]
    rule = "dockerfile-root-user"
    if not users:
        return [
            Finding(
                shown,
                final.line,
                1,
                severity_of(rule),
                rule,
                f"the final stage (FROM at line {final.line}) sets no USER, so the "
                "container runs as root; create a user and switch to it, e.g. "
                "USER 10001:10001",
            )
        ]
    last = users[-1]
    name = _user_name(last.arguments)
    if "$" not in name and name in ("root", "0"):
        return [
            Finding(
                shown,
                last.line,
                1,
                severity_of(rule),
                rule,
                "the last USER is root, so the container runs as root; switch to a "
                "non-root user, e.g. USER 10001:10001",
            )
        ]
    return []
