"""Values of repeatable ``NAME=VALUE`` flags (``--data``, ``--input``, ``--env``, ``-s``...).

One parser for every command, so every flag reports a malformed value the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

from mlops.errors import UsageError

# GitHub's rule for secret and variable names (letters, digits, '_'; not starting with a digit).
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def split_pairs(
    values: Iterable[str], flag: str, *, separator: str = "=", name: str = "NAME"
) -> list[tuple[str, str]]:
    """``["a=1", "b=x=y"]`` -> ``[("a", "1"), ("b", "x=y")]`` (split at the first separator)."""
    pairs = []
    for value in values:
        key, sep, rest = value.partition(separator)
        if not sep or not key.strip():
            raise UsageError(f"{flag} expects {name}{separator}VALUE, got {value!r}")
        pairs.append((key.strip(), rest))
    return pairs


def assignments(values: Iterable[str], flag: str, *, from_env: bool = False) -> dict[str, str]:
    """``NAME=VALUE`` values as a dict; with ``from_env`` a bare ``NAME`` takes its value
    from the environment (act's ``-s NAME``)."""
    result: dict[str, str] = {}
    for item in values:
        if from_env and "=" not in item and item:
            if item not in os.environ:
                raise UsageError(f"{flag} {item}: no such variable in the environment")
            result[item] = os.environ[item]
            continue
        result.update(split_pairs([item], flag))
    return result


def checked_names(values: Mapping[str, str], flag: str) -> dict[str, str]:
    """``values`` unchanged when every name is a valid secret/variable name."""
    for name in values:
        if not NAME_PATTERN.fullmatch(name):
            raise UsageError(
                f"{flag} {name!r}: not a valid name "
                "(letters, digits and '_', not starting with a digit)"
            )
    return dict(values)
