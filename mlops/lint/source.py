"""A file's text and the positions of things inside YAML scalars (1-based line and column)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlops.workflow.yamlnodes import Node, Scalar

_NUMBER = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_BLOCK_HEADER = re.compile(r":\s+[|>][-+0-9]*\s*(#.*)?$")


@dataclass
class Source:
    path: str  # as displayed
    text: str
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines()

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def token_at(self, line: int, column: int) -> str:
        """The number-like token written at a position (how a plain scalar was spelled)."""
        match = _NUMBER.match(self.line(line), column - 1)
        return match.group(0) if match else ""

    def is_block_header(self, line: int) -> bool:
        """Whether this line is ``key: |`` (or ``>``): a block scalar starts after it."""
        return bool(_BLOCK_HEADER.search(self.line(line)))

    def search(self, needle: str, start_line: int, end_line: int | None = None) -> tuple[int, int]:
        """The first position of ``needle`` from ``start_line`` on, or (0, 0)."""
        last = len(self.lines) if end_line is None else min(end_line, len(self.lines))
        for number in range(max(1, start_line), last + 1):
            index = self.lines[number - 1].find(needle)
            if index >= 0:
                return number, index + 1
        return 0, 0

    def locate(self, node: Node, offset: int, needle: str) -> tuple[int, int]:
        """Where the text at ``offset`` in a scalar's value (``needle``) is in the file.

        Computed for block (``|``) and single-line scalars and checked against the file;
        otherwise the first occurrence of ``needle`` from the scalar on; otherwise the scalar.
        """
        if isinstance(node, Scalar) and isinstance(node.value, str):
            value = node.value
            before = value[:offset]
            row = before.count("\n")
            in_row = offset - (before.rfind("\n") + 1)
            if node.style == "|":
                number = node.line + 1 + row
                text = self.line(number)
                indent = len(text) - len(text.lstrip(" "))
                if text[indent + in_row :].startswith(needle):
                    return number, indent + in_row + 1
            elif "\n" not in value and node.style in (None, "'", '"'):
                column = node.column + (1 if node.style else 0) + in_row
                if self.line(node.line)[column - 1 :].startswith(needle):
                    return node.line, column
            found = self.search(needle, node.line)
            if found[0]:
                return found
        return node.line, node.column

    def suppressed(self, line: int, rule: str) -> bool:
        """``# mlops-lint: ignore`` or ``# mlops-lint: ignore[rule, ...]`` on the finding's line."""
        text = self.line(line)
        marker = text.find("mlops-lint: ignore")
        if marker < 0 or "#" not in text[:marker]:
            return False
        rest = text[marker + len("mlops-lint: ignore") :]
        if not rest.startswith("["):
            return True
        names = rest[1 : rest.find("]")] if "]" in rest else rest[1:]
        return rule in {name.strip() for name in names.split(",")}
