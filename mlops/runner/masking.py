"""Replace secret values with ``***`` in everything printed or saved: one masker, every sink.

Each secret is masked as a whole and, for multi-line secrets, line by line, as GitHub does;
``::add-mask::`` adds values during the run. Like GitHub's runner, each value is also masked
in the forms a step is likely to print it in: JSON-escaped (``toJSON(secrets)``), base64 at
each of the three byte alignments (a secret inside a larger base64 text), and URL-encoded.
Longer values are replaced first so that a secret containing another is masked whole.
"""

from __future__ import annotations

import threading
from typing import Any

MIN_LENGTH = 2  # '***' for one character would erase text
MIN_ENCODED_LENGTH = 5  # shorter values' encoded forms are too common to mask


def encoded_forms(value: str) -> set[str]:
    """The value as GitHub's value encoders would find it in a step's output."""
    import base64  # only runs with secrets: kept off the start-up path
    import json
    from urllib.parse import quote, quote_plus

    forms = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms |= {quote(value, safe=""), quote_plus(value, safe="")}
    raw = value.encode("utf-8")
    for shift in range(3):  # the part of the base64 text that only this value decides
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii").rstrip("=")
        start = -(-8 * shift // 6)
        end = 8 * (shift + len(raw)) // 6
        forms.add(encoded[start:end])
    return {form for form in forms if len(form) >= MIN_ENCODED_LENGTH}


class Masker:
    def __init__(self, values: list[str] | None = None) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._ordered: list[str] = []
        for value in values or []:
            self.add(value)

    def add(self, value: str) -> None:
        lines = value.splitlines()
        pieces = {value, *lines, *(line.strip() for line in lines)}
        if len(value) >= MIN_ENCODED_LENGTH:
            pieces |= {form for piece in list(pieces) for form in encoded_forms(piece)}
        with self._lock:
            self._values |= {p for p in pieces if len(p) >= MIN_LENGTH}
            self._ordered = sorted(self._values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._ordered:
            if value in text:
                text = text.replace(value, "***")
        return text

    def tree(self, data: Any) -> Any:
        """``data`` (JSON-like) with every string, keys included, masked."""
        if not self._ordered:
            return data
        if isinstance(data, str):
            return self(data)
        if isinstance(data, dict):
            return {self.tree(k): self.tree(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.tree(v) for v in data]
        return data

    def holds_secret(self, text: str) -> bool:
        return any(value in text for value in self._ordered)

    def __bool__(self) -> bool:
        return bool(self._ordered)


_current = Masker()


def current_masker() -> Masker:
    """The masker of the run in progress (an empty one outside a run), for last-resort errors."""
    return _current


def set_current_masker(masker: Masker) -> None:
    global _current
    _current = masker
