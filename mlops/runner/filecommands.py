"""The file commands a step writes: GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STATE and
GITHUB_STEP_SUMMARY — made fresh for each process, read back when it ends.

``NAME=value`` lines and the multi-line form ``NAME<<DELIMITER`` ... ``DELIMITER``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mlops.runner.files import Refused, Tree, open_file_at, write_new_at

NAMES = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")
SUMMARY_LIMIT = 1 << 20  # GitHub refuses a step summary over 1 MiB (1024k)


class FileCommandError(Exception):
    pass


def _read(path: Path) -> str | None:
    """A command file's text (None when the step removed it), read without following a
    link: a step or a container may have put one to any file of this machine in its place."""
    try:
        with Tree(path.parent) as directory:
            return directory.read_text(path.name)
    except FileNotFoundError:
        return None
    except Refused as error:
        raise FileCommandError(f"{path.name}: {error}; nothing of it was applied") from None


def parse_assignments(path: Path) -> dict[str, str]:
    """Name/value pairs from an env-file command file (later lines win)."""
    text = _read(path)
    if text is None:
        return {}
    values: dict[str, str] = {}
    lines = text.splitlines()
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
    text = _read(path)
    return [] if text is None else [line.strip() for line in text.splitlines() if line.strip()]


def create(directory: Path) -> dict[str, Path]:
    """A new, empty file for each command, in ``directory``; by variable name."""
    token = os.urandom(4).hex()
    files = {name: directory / f"{name.lower()}_{token}" for name in NAMES}
    with Tree(directory) as tree:
        for path in files.values():
            write_new_at(tree.fd, path.name, b"", None)
    return files


@dataclass(eq=False)
class Collected:
    """What a process wrote to its command files."""

    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # without what a step may not set
    paths: list[str] = field(default_factory=list)
    summary: str = ""
    summary_refused: str = ""  # why the summary was not kept (GitHub's error annotation)


def read_summary(path: Path) -> tuple[str, str]:
    """The step summary, or ("", GitHub's error) when it is over 1 MiB (never held whole);
    read without following a link, as every command file."""
    try:
        with Tree(path.parent) as directory:
            fd = open_file_at(directory.fd, path.name)
        with os.fdopen(fd, "rb") as stream:
            data = stream.read(SUMMARY_LIMIT + 1)
            size = os.fstat(stream.fileno()).st_size
    except FileNotFoundError:  # the step removed it: no summary
        return "", ""
    except Refused as error:
        raise FileCommandError(f"{path.name}: {error}; nothing of it was applied") from None
    if len(data) > SUMMARY_LIMIT:
        return "", (
            "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, "
            f"got {-(-max(size, len(data)) // 1024)}k. For more information see: https://docs.github.com/"
            "actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary"
        )
    return data.decode("utf-8", errors="replace"), ""


def _without_nul(values: dict[str, str], file: str) -> dict[str, str]:
    for name, value in values.items():
        if "\0" in name or "\0" in value:
            raise FileCommandError(
                f"{file}: {name.partition(chr(0))[0]!r} holds a NUL byte, which no environment "
                "variable can hold; nothing of this file was applied"
            )
    return values


def collect(files: dict[str, Path]) -> Collected:
    env = {
        name: value
        for name, value in parse_assignments(files["GITHUB_ENV"]).items()
        if not (name == "NODE_OPTIONS" or name.startswith(("GITHUB_", "RUNNER_")))
    }
    paths = parse_paths(files["GITHUB_PATH"])
    if any("\0" in entry for entry in paths):
        raise FileCommandError("GITHUB_PATH: a line holds a NUL byte; nothing of it was applied")
    summary, refused = read_summary(files["GITHUB_STEP_SUMMARY"])
    return Collected(
        outputs=parse_assignments(files["GITHUB_OUTPUT"]),
        env=_without_nul(env, "GITHUB_ENV"),
        paths=paths,
        summary=summary,
        summary_refused=refused,
    )
