"""A process's output bytes as lines of bounded size, for every backend.

A step can print a line of any length (a 200 MB line without a newline); the runner holds at
most ``KEEP_BYTES`` of one line and drops the rest up to the next newline, marking the line
with ``TRUNCATED``. What is shown of a long line is cut at ``MAX_LINE`` characters after
masking (``shown``), so a secret near the cut is masked whole, never shown in part: the kept
bytes reach past the cut further than any masked value is long.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops.runner.masking import Masker

MAX_LINE = 65_536  # characters of one line shown (GitHub's live console shows 1,024)
KEEP_BYTES = 1 << 20  # bytes of one line held: MAX_LINE plus more than any masked value
TRUNCATED = " …[line truncated by mlops]"


class LineSplitter:
    """Feed bytes, get ``on_line(text)`` for each complete line, in order."""

    def __init__(self, on_line: Callable[[str], None]) -> None:
        self.on_line = on_line
        self._parts: list[bytes] = []
        self._size = 0
        self._dropped = 0

    def feed(self, data: bytes) -> None:
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                self._add(data[start:])
                return
            self._add(data[start:end])
            self._emit()
            start = end + 1

    def close(self) -> None:
        """The output ended: a last line without a newline is a line too."""
        if self._parts or self._dropped:
            self._emit()

    def _add(self, piece: bytes) -> None:
        room = KEEP_BYTES - self._size
        if len(piece) > room:
            self._dropped += len(piece) - room
            piece = piece[:room]
        if piece:
            self._parts.append(piece)
            self._size += len(piece)

    def _emit(self) -> None:
        text = b"".join(self._parts).decode("utf-8", "replace").rstrip("\r")
        if self._dropped:
            text += TRUNCATED
        self._parts, self._size, self._dropped = [], 0, 0
        self.on_line(text)


def shown(line: str, masker: Masker) -> str:
    """What is shown of ``line``: all of it when short, else its masked first ``MAX_LINE``
    characters and the mark."""
    if len(line) <= MAX_LINE and not line.endswith(TRUNCATED):
        return line
    return masker(line.removesuffix(TRUNCATED), keep=MAX_LINE) + TRUNCATED
