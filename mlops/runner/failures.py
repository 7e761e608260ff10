"""How an error inside a job becomes one line: the key, the value and the problem.

Anything raised while a job runs fails that job (never the run, never a traceback); the
line goes through the masker like every other output. ``MLOPS_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import math
import os

from mlops.errors import MlopsError


class InvalidValue(MlopsError):
    """A value a key of the workflow needs is not of the right kind (say, not a number)."""


def minutes(value: object, key: str) -> float:
    """A ``timeout-minutes`` value as a number of minutes."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value == "":
        raise InvalidValue(f"{key}: {_shown(value)} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise InvalidValue(f"{key}: {_shown(value)} is not a number") from None
    if math.isnan(number) or number <= 0:
        raise InvalidValue(f"{key}: {_shown(value)} is not a positive number")
    return number


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value).lower()
    return text if len(text) <= 60 else text[:57] + "..."


def one_line(error: BaseException) -> str:
    """The error as the one line the user sees."""
    if isinstance(error, MlopsError | OSError) or type(error).__module__.startswith("mlops."):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


def debug_traceback(error: BaseException) -> str | None:
    """The traceback, when ``MLOPS_DEBUG`` asks for it."""
    if os.environ.get("MLOPS_DEBUG", "") in ("", "0"):
        return None
    import traceback

    return "".join(traceback.format_exception(error)).rstrip("\n")
