"""Replace secret values with ``***`` in everything printed or saved: one masker, every sink.

Each secret is masked as a whole and, for multi-line secrets, line by line, as GitHub does;
``::add-mask::`` adds values during the run. Like GitHub's runner, each value is also masked
in the forms a step is likely to print it in: JSON-escaped (``toJSON(secrets)``), base64 at
each of the three byte alignments (a secret inside a larger base64 text), and URL-encoded.
Overlapping matches are replaced as one, so a secret containing another is masked whole.
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


MAX_VALUES = 100_000  # masked strings per run (each ::add-mask:: adds up to ~10 forms)
MAX_VALUE_LENGTH = 65_536  # characters; a longer value is masked by its lines and prefix
_SMALL = 64  # values searched one by one before they go into an automaton


class TooManyMasks(Exception):
    """More values to mask than a run holds (``MAX_VALUES``)."""


class Masker:
    """Every occurrence of every value, overlapping ones included, becomes ``***``.

    Matches are found as intervals (Aho-Corasick automata once there are many values, so
    masking a line costs its length times log2 of their number, not their number) and
    overlapping intervals are replaced as one, so a value is never left half-shown by
    another replaced first. The few values added since the last automaton are searched
    one by one.
    """

    def __init__(self, values: list[str] | None = None) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        # Automata over disjoint groups of values, sizes decreasing (a binary counter: each
        # value is rebuilt into a larger automaton at most log2(n) times).
        self._levels: list[tuple[int, list[str], Any]] = []
        self._recent: list[str] = []  # values not yet in an automaton
        self.longest = 0
        for value in values or []:
            self.add(value)

    def add(self, value: str) -> None:
        """Mask ``value`` from now on; TooManyMasks past ``MAX_VALUES``."""
        value = value[:MAX_VALUE_LENGTH]
        lines = value.splitlines()
        pieces = {value, *lines, *(line.strip() for line in lines)}
        if len(value) >= MIN_ENCODED_LENGTH:
            pieces |= {form for piece in list(pieces) for form in encoded_forms(piece)}
        with self._lock:
            new = {p for p in pieces if len(p) >= MIN_LENGTH} - self._values
            if len(self._values) + len(new) > MAX_VALUES:
                raise TooManyMasks(f"more than {MAX_VALUES} values to mask in one run")
            self._values |= new
            self._recent.extend(new)
            self.longest = max([self.longest, *map(len, new)])
            if len(self._recent) > _SMALL:
                self._merge()

    def _merge(self) -> None:
        import ahocorasick_rs  # only with many values: kept off the start-up path

        group = self._recent
        self._recent = []
        while self._levels and self._levels[-1][0] <= len(group):
            group = self._levels.pop()[1] + group
        self._levels.append((len(group), group, ahocorasick_rs.AhoCorasick(group)))

    def _intervals(self, text: str) -> list[tuple[int, int]]:
        with self._lock:
            levels, recent = list(self._levels), list(self._recent)
        found: list[tuple[int, int]] = []
        for _size, _group, automaton in levels:
            found += [(s, e) for _i, s, e in automaton.find_matches_as_indexes(text, True)]
        for value in recent:
            start = text.find(value)
            while start >= 0:
                found.append((start, start + len(value)))
                start = text.find(value, start + 1)
        return found

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` holds masked values: (start, end) in order, overlapping ones as one."""
        if not self._values:
            return []
        merged: list[tuple[int, int]] = []
        for start, end in sorted(self._intervals(text)):
            if merged and start < merged[-1][1]:  # overlapping: one interval
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def __call__(self, text: str, keep: int | None = None) -> str:
        """``text`` masked; with ``keep``, only what stands for ``text[:keep]`` (a value that
        starts before ``keep`` is masked whole, never cut)."""
        limit = len(text) if keep is None else min(keep, len(text))
        out: list[str] = []
        position = 0
        for start, end in self.spans(text):
            if start >= limit:
                break
            out.append(text[position:start])
            out.append("***")
            position = end
        if position < limit:
            out.append(text[position:limit])
        return "".join(out)

    def values(self) -> list[str]:
        """Every value masked now (the secrets, their lines and encoded forms)."""
        with self._lock:
            return list(self._values)

    def tree(self, data: Any) -> Any:
        """``data`` (JSON-like) with every string, keys included, masked."""
        if not self._values:
            return data
        if isinstance(data, str):
            return self(data)
        if isinstance(data, dict):
            return {self.tree(k): self.tree(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.tree(v) for v in data]
        return data

    def holds_secret(self, text: str) -> bool:
        return bool(self._values) and bool(self._intervals(text))

    def __bool__(self) -> bool:
        return bool(self._values)


_current = Masker()


def current_masker() -> Masker:
    """The masker of the run in progress (an empty one outside a run), for last-resort errors."""
    return _current


def set_current_masker(masker: Masker) -> None:
    global _current
    _current = masker
