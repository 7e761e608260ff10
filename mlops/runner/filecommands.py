"""The file commands a step writes: GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STATE and
GITHUB_STEP_SUMMARY — made fresh for each process, read back when it ends.

``NAME=value`` lines and the multi-line form ``NAME<<DELIMITER`` ... ``DELIMITER``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

NAMES = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")


class FileCommandError(Exception):
    pass


def parse_assignments(path: Path) -> dict[str, str]:
    """Name/value pairs from an env-file command file (later lines win)."""
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip():
            continue
        heredoc = line.find("<<")
        equals = line.find("=")
        if heredoc > 0 and (equals < 0 or heredoc < equals):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            if not name or not delimiter:
                raise FileCommandError(f"{path.name}: invalid line {line!r}")
            body: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            if index >= len(lines):
                raise FileCommandError(
                    f"{path.name}: matching delimiter {delimiter!r} not found for {name!r}"
                )
            index += 1
            values[name] = "\n".join(body)
        elif equals > 0:
            values[line[:equals]] = line[equals + 1 :]
        else:
            raise FileCommandError(f"{path.name}: invalid line {line!r} (expected NAME=value)")
    return values


def parse_paths(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.strip()
    ]


def create(directory: Path) -> dict[str, Path]:
    """A new, empty file for each command, in ``directory``; by variable name."""
    token = os.urandom(4).hex()
    files = {name: directory / f"{name.lower()}_{token}" for name in NAMES}
    for path in files.values():
        path.touch()
    return files


@dataclass(eq=False)
class Collected:
    """What a process wrote to its command files."""

    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # without what a step may not set
    paths: list[str] = field(default_factory=list)
    summary: str = ""


def collect(files: dict[str, Path]) -> Collected:
    env = {
        name: value
        for name, value in parse_assignments(files["GITHUB_ENV"]).items()
        if not (name == "NODE_OPTIONS" or name.startswith(("GITHUB_", "RUNNER_")))
    }
    return Collected(
        outputs=parse_assignments(files["GITHUB_OUTPUT"]),
        env=env,
        paths=parse_paths(files["GITHUB_PATH"]),
        summary=files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8", errors="replace"),
    )
