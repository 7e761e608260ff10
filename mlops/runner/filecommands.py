"""The environment files a step writes: GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE, GITHUB_PATH.

``NAME=value`` lines and the multi-line form ``NAME<<DELIMITER`` ... ``DELIMITER``.
"""

from __future__ import annotations

from pathlib import Path


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
