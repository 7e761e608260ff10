"""A cache key as stored: its text in clear except the secrets in it, which are kept as salted
hashes, so the key can still be compared as GitHub compares keys (a restore key is a prefix
of the real key, secrets included) without the secret ever being written down.

A stored key is a list of parts: a string is text, ``[digest, length]`` a secret of that
length. A prefix that covers a secret whole is compared by hashing that much of the prefix;
a prefix that ends inside one matches when a value the run masks (the same secret, still
known) has that digest and starts with the prefix's end. A secret the run no longer knows
cannot be compared partly: such a prefix does not match (the one difference from GitHub,
which keeps the key in clear).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Iterable

Part = str | list[str | int]


def new_salt() -> str:
    return os.urandom(16).hex()


def _digest(salt: str, value: str) -> str:
    return hmac.new(bytes.fromhex(salt), value.encode("utf-8"), hashlib.sha256).hexdigest()


def seal(key: str, spans: list[tuple[int, int]], salt: str) -> list[Part]:
    """``key`` as parts, the text at each of ``spans`` (the masker's) kept as a digest."""
    parts: list[Part] = []
    position = 0
    for start, end in spans:
        if start > position:
            parts.append(key[position:start])
        parts.append([_digest(salt, key[start:end]), end - start])
        position = end
    if position < len(key):
        parts.append(key[position:])
    return parts


def starts_with(
    parts: list[Part], salt: str, prefix: str, known: Callable[[], Iterable[str]]
) -> bool:
    """Whether the key ``parts`` stand for starts with ``prefix``; ``known`` gives the values
    the run masks (asked only when the prefix ends inside a secret)."""
    rest = prefix
    for part in parts:
        if not rest:
            return True
        if isinstance(part, str):
            if len(rest) <= len(part):
                return part.startswith(rest)
            if not rest.startswith(part):
                return False
            rest = rest[len(part) :]
            continue
        digest, length = str(part[0]), int(part[1])
        if len(rest) >= length:
            if not hmac.compare_digest(_digest(salt, rest[:length]), digest):
                return False
            rest = rest[length:]
            continue
        return any(
            len(value) == length and value.startswith(rest) and _digest(salt, value) == digest
            for value in known()
        )
    return not rest


def unseal(parts: list[Part], salt: str, known: Iterable[str]) -> str | None:
    """The key in clear, when every secret in it is one of the ``known`` values."""
    by_digest: dict[str, str] = {}
    lengths = {int(p[1]) for p in parts if not isinstance(p, str)}
    if lengths:
        by_digest = {_digest(salt, v): v for v in known if len(v) in lengths}
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif (value := by_digest.get(str(part[0]))) is not None:
            out.append(value)
        else:
            return None
    return "".join(out)
