"""Replace secret values with ``***`` in everything printed or saved.

Each secret is masked as a whole and, for multi-line secrets, line by line, as GitHub does;
``::add-mask::`` adds values during the run. Longer values are replaced first so that a
secret containing another is masked whole.
"""

from __future__ import annotations

import threading


class Masker:
    def __init__(self, values: list[str] | None = None) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._ordered: list[str] = []
        for value in values or []:
            self.add(value)

    def add(self, value: str) -> None:
        pieces = {value, *value.splitlines(), *(line.strip() for line in value.splitlines())}
        with self._lock:
            for piece in pieces:
                if (
                    piece and len(piece) >= 2 and piece not in self._values
                ):  # '***' for 1 char would erase text
                    self._values.add(piece)
            self._ordered = sorted(self._values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._ordered:
            if value in text:
                text = text.replace(value, "***")
        return text

    def __bool__(self) -> bool:
        return bool(self._ordered)
