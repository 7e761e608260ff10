"""Values of the expression language: kinds, coercion, comparison, truthiness, strings, JSON.

Python values stand for expression values: ``None`` (null), ``bool``, ``int``/``float``
(number), ``str``, mappings (object) and lists/tuples (array). The rules follow GitHub's
evaluator (actions/runner ``EvaluationResult.cs``, ``ExpressionUtility.cs``): loose equality
coerces mismatched primitives to numbers, strings compare case-insensitively, objects and arrays
are equal only to themselves, numbers print in .NET's ``G15`` format.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from mlops.workflow.expressions.errors import ExpressionError


class ValueKind(enum.Enum):
    """The kind of an expression value."""

    NULL = "null"
    BOOLEAN = "boolean"
    NUMBER = "number"
    STRING = "string"
    ARRAY = "array"
    OBJECT = "object"


class FilteredArray(list[Any]):
    """The result of a ``*`` filter: a property access on it maps over its items."""


def kind_of(value: Any) -> ValueKind:
    """The expression kind of a Python value (unknown types count as objects)."""
    if value is None:
        return ValueKind.NULL
    if isinstance(value, bool):
        return ValueKind.BOOLEAN
    if isinstance(value, int | float):
        return ValueKind.NUMBER
    if isinstance(value, str):
        return ValueKind.STRING
    if isinstance(value, Mapping):
        return ValueKind.OBJECT
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return ValueKind.ARRAY
    return ValueKind.OBJECT


_PRIMITIVES = frozenset({ValueKind.NULL, ValueKind.BOOLEAN, ValueKind.NUMBER, ValueKind.STRING})


def is_primitive(value: Any) -> bool:
    """Null, boolean, number or string."""
    return kind_of(value) in _PRIMITIVES


# --- numbers -------------------------------------------------------------------------------

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_OCTAL = re.compile(r"0o[0-7]+")


def parse_number(text: str) -> float:
    """A string as a number the way GitHub coerces it ('' -> 0, hex, octal, otherwise NaN)."""
    text = text.strip()
    if not text:
        return 0.0
    if _DECIMAL.fullmatch(text):
        return float(text)
    if _HEX.fullmatch(text) or _OCTAL.fullmatch(text):
        # .NET Int32 parsing: at most 32 bits, read as two's complement.
        value = int(text[2:], 16 if text[1] == "x" else 8)
        if value >= 2**32:
            return math.nan
        return float(value - 2**32 if value >= 2**31 else value)
    if text == "Infinity":
        return math.inf
    if text == "-Infinity":
        return -math.inf
    return math.nan


def normalize_number(value: float) -> int | float:
    """An integral float as ``int`` (so ``1e3`` evaluates to ``1000``); others unchanged."""
    if math.isfinite(value) and value.is_integer() and abs(value) <= 2**53:
        if value == 0 and math.copysign(1.0, value) < 0:
            return value  # keep -0
        return int(value)
    return value


def _as_float(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:  # an int too large for a double
        return math.inf if value > 0 else -math.inf


def to_number(value: Any) -> float:
    """Numeric value for comparisons: null 0, true 1, strings parsed, collections NaN."""
    kind = kind_of(value)
    if kind is ValueKind.NULL:
        return 0.0
    if kind is ValueKind.BOOLEAN:
        return 1.0 if value else 0.0
    if kind is ValueKind.NUMBER:
        return _as_float(value)
    if kind is ValueKind.STRING:
        return parse_number(value)
    return math.nan


def format_number(value: int | float) -> str:
    """A number as GitHub prints it (.NET ``G15``: ``1000``, ``0.3``, ``1E+15``)."""
    number = _as_float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return f"{number:.15G}"


# --- strings -------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Upper-case for OrdinalIgnoreCase comparison (simple mappings only, dotless i kept)."""
    if text.isascii():
        return text.upper()
    chars = []
    for char in text:
        upper = char.upper()
        chars.append(upper if len(upper) == 1 and char != "\u0131" else char)
    return "".join(chars)


def to_str(value: Any) -> str:
    """String cast used by functions: null '', booleans 'true'/'false', numbers G15.

    Arrays and objects are not converted; like GitHub they read 'Array' and 'Object'.
    """
    kind = kind_of(value)
    if kind is ValueKind.NULL:
        return ""
    if kind is ValueKind.BOOLEAN:
        return "true" if value else "false"
    if kind is ValueKind.NUMBER:
        return format_number(value)
    if kind is ValueKind.STRING:
        return str(value)
    return "Array" if kind is ValueKind.ARRAY else "Object"


def to_display(value: Any) -> str:
    """A value as interpolated into a string: like :func:`to_str`, collections as JSON."""
    if kind_of(value) in (ValueKind.ARRAY, ValueKind.OBJECT):
        return to_json(value)
    return to_str(value)


# --- truthiness and comparison -------------------------------------------------------------


def truthy(value: Any) -> bool:
    """False for false, 0, -0, NaN, '' and null; true for everything else."""
    kind = kind_of(value)
    if kind is ValueKind.NULL:
        return False
    if kind is ValueKind.BOOLEAN:
        return bool(value)
    if kind is ValueKind.NUMBER:
        number = _as_float(value)
        return not (number == 0 or math.isnan(number))
    if kind is ValueKind.STRING:
        text: str = value
        return text != ""
    return True


def _coerce(left: Any, right: Any) -> tuple[Any, ValueKind, Any, ValueKind]:
    """GitHub's CoerceTypes: number/string pairs and null/boolean sides become numbers."""
    lkind, rkind = kind_of(left), kind_of(right)
    while lkind is not rkind:
        if lkind is ValueKind.NUMBER and rkind is ValueKind.STRING:
            right, rkind = parse_number(right), ValueKind.NUMBER
        elif lkind is ValueKind.STRING and rkind is ValueKind.NUMBER:
            left, lkind = parse_number(left), ValueKind.NUMBER
        elif lkind in (ValueKind.BOOLEAN, ValueKind.NULL):
            left, lkind = to_number(left), ValueKind.NUMBER
        elif rkind in (ValueKind.BOOLEAN, ValueKind.NULL):
            right, rkind = to_number(right), ValueKind.NUMBER
        else:
            break
    return left, lkind, right, rkind


def equals(left: Any, right: Any) -> bool:
    """Loose equality (``==``)."""
    left, lkind, right, rkind = _coerce(left, right)
    if lkind is not rkind:
        return False
    if lkind is ValueKind.NULL:
        return True
    if lkind is ValueKind.NUMBER:
        lnum, rnum = _as_float(left), _as_float(right)
        return not (math.isnan(lnum) or math.isnan(rnum)) and lnum == rnum
    if lkind is ValueKind.STRING:
        return fold(left) == fold(right)
    if lkind is ValueKind.BOOLEAN:
        return bool(left) == bool(right)
    return left is right


def greater_than(left: Any, right: Any) -> bool:
    """``left > right`` after coercion; false for NaN and for mismatched kinds."""
    left, lkind, right, rkind = _coerce(left, right)
    if lkind is not rkind:
        return False
    if lkind is ValueKind.NUMBER:
        lnum, rnum = _as_float(left), _as_float(right)
        return not (math.isnan(lnum) or math.isnan(rnum)) and lnum > rnum
    if lkind is ValueKind.STRING:
        return fold(left) > fold(right)
    if lkind is ValueKind.BOOLEAN:
        return bool(left) and not right
    return False


def less_than(left: Any, right: Any) -> bool:
    """``left < right`` after coercion; false for NaN and for mismatched kinds."""
    return greater_than(right, left)  # coercion is symmetric, so this is the same comparison


# --- property and index access -------------------------------------------------------------


def _key_text(key: Any) -> str:
    return key if isinstance(key, str) else to_str(key)


def lookup(obj: Mapping[Any, Any], name: str) -> tuple[bool, Any]:
    """``(found, value)`` for a case-insensitive property name (an exact match wins)."""
    if name in obj:
        return True, obj[name]
    folded = fold(name)
    for key, value in obj.items():
        if fold(_key_text(key)) == folded:
            return True, value
    return False, None


def _index_text(key: Any) -> str | None:
    return to_str(key) if is_primitive(key) else None


def _index_int(key: Any) -> int | None:
    number = to_number(key)
    if math.isfinite(number) and number >= 0:
        return math.floor(number)
    return None


def index(target: Any, key: Any, *, star: bool = False) -> Any:
    """``target[key]`` (or ``target.*`` when ``star``) with GitHub's rules.

    Missing properties and out-of-range indexes give null; ``*`` on an array or object gives a
    :class:`FilteredArray` of its items; any access on a FilteredArray maps over its items.
    """
    if isinstance(target, FilteredArray):
        result = FilteredArray()
        for item in target:
            kind = kind_of(item)
            if kind is ValueKind.OBJECT and isinstance(item, Mapping):
                if star:
                    result.extend(item.values())
                elif (text := _index_text(key)) is not None:
                    found, value = lookup(item, text)
                    if found:
                        result.append(value)
            elif kind is ValueKind.ARRAY:
                if star:
                    result.extend(item)
                elif (position := _index_int(key)) is not None and position < len(item):
                    result.append(item[position])
        return result
    kind = kind_of(target)
    if kind is ValueKind.ARRAY:
        if star:
            return FilteredArray(target)
        position = _index_int(key)
        return target[position] if position is not None and position < len(target) else None
    if kind is ValueKind.OBJECT and isinstance(target, Mapping):
        if star:
            return FilteredArray(target.values())
        text = _index_text(key)
        return lookup(target, text)[1] if text is not None else None
    return FilteredArray() if star else None


# --- JSON ----------------------------------------------------------------------------------


def _json_number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    return repr(value)


def to_json(value: Any) -> str:
    """Pretty JSON with a 2-space indent, as GitHub's ``toJSON`` writes it."""
    out: list[str] = []
    try:
        _write_json(value, 0, out)
    except RecursionError:
        raise ExpressionError("toJSON: value is nested too deeply") from None
    return "".join(out)


def _write_json(value: Any, level: int, out: list[str]) -> None:
    kind = kind_of(value)
    if kind is ValueKind.NULL:
        out.append("null")
    elif kind is ValueKind.BOOLEAN:
        out.append("true" if value else "false")
    elif kind is ValueKind.NUMBER:
        out.append(_json_number(value))
    elif kind is ValueKind.STRING:
        out.append(json.dumps(value, ensure_ascii=False))
    elif kind is ValueKind.ARRAY:
        items = list(value)
        if not items:
            out.append("[]")
            return
        pad = "  " * (level + 1)
        out.append("[")
        for position, item in enumerate(items):
            out.append(("," if position else "") + "\n" + pad)
            _write_json(item, level + 1, out)
        out.append("\n" + "  " * level + "]")
    elif isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        pad = "  " * (level + 1)
        out.append("{")
        for position, (key, item) in enumerate(value.items()):
            out.append(("," if position else "") + "\n" + pad)
            out.append(json.dumps(_key_text(key), ensure_ascii=False) + ": ")
            _write_json(item, level + 1, out)
        out.append("\n" + "  " * level + "}")
    else:
        raise ExpressionError(f"toJSON: cannot convert a {type(value).__name__} to JSON")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def from_json(text: str) -> Any:
    """Parse JSON text into a value (``fromJSON``)."""
    if not text.strip():
        raise ExpressionError("fromJSON: empty input")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        raise ExpressionError(f"fromJSON: invalid JSON ({error})") from None
    except RecursionError:
        raise ExpressionError("fromJSON: JSON is nested too deeply") from None
