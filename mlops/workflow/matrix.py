"""``strategy.matrix`` expansion as GitHub does it, act's ``--matrix`` filter, and leg names.

The rules follow GitHub's workflow parser (actions/runner ``src/Sdk/WorkflowParser/Conversion/
MatrixBuilder.cs``, ``WorkflowTemplateConverter.cs``, ``JobNameBuilder.cs``) and the docs
("Running variations of jobs in a workflow"):

* Every key but ``include``/``exclude`` is a vector (a non-empty list); legs are the cross
  product, the first key varying slowest. Keys are case-insensitive (``OS`` is ``os``).
* ``exclude`` entries drop the legs they match; ``include`` entries are then matched against each
  remaining leg in order. An entry's keys that name vectors are its filter, the others its extra
  values; every entry whose filter matches a leg adds its extras to it (a later entry overwrites an
  earlier one's extras, never a vector's value). Entries that matched no leg become new legs, in
  order, after the product.
* A filter matches when each scalar at the leaves of its values equals the leg's value at the same
  path under the expression ``==`` (loose: ``'12' == 12``, strings case-insensitive), so an object
  or array in a filter matches a leg whose value contains it.
* A job's default display name lists the scalars of the leg's vector values (not include extras),
  depth first: ``build (ubuntu-latest, 16)``; nulls and empty strings are left out and the name is
  cut to 100 characters.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from mlops.workflow.expressions.values import equals, fold, format_number

__all__ = [
    "MAX_DISPLAY_NAME_LENGTH",
    "MAX_LEGS",
    "MatrixError",
    "MatrixLeg",
    "expand_matrix",
    "filter_legs",
    "leg_display_name",
    "parse_matrix_filter",
]

MAX_LEGS = 256
MAX_DISPLAY_NAME_LENGTH = 100
# Not GitHub's: a cross product this big cannot end in <= 256 legs in any real workflow, and
# enumerating it would hang. GitHub itself fails past 2**31 - 1 (a checked int32 product).
_MAX_PRODUCT = 1_000_000


class MatrixError(ValueError):
    """A matrix GitHub would refuse to expand."""


class MatrixLeg(dict[str, Any]):
    """One leg's ``matrix`` context. ``name_keys`` are the keys that make its display name:
    the vectors for a cross-product leg, every key for a leg made from an ``include`` entry."""

    name_keys: tuple[str, ...]

    def __init__(self, values: Mapping[str, Any], name_keys: Iterable[str]) -> None:
        super().__init__(values)
        self.name_keys = tuple(name_keys)


def _get(value: Any, step: str | int) -> Any:
    """``value[step]`` as an expression reads it: keys case-insensitive, missing is null."""
    if isinstance(step, str):
        if not isinstance(value, Mapping):
            return None
        if step in value:
            return value[step]
        folded = fold(step)
        for key, item in value.items():
            if isinstance(key, str) and fold(key) == folded:
                return item
        return None
    if _is_list(value) and 0 <= step < len(value):
        return value[step]
    return None


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def _leaves(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Each scalar in ``value`` with its path; empty objects and arrays yield nothing."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)))
    elif _is_list(value):
        for position, item in enumerate(value):
            yield from _leaves(item, (*path, position))
    else:
        yield path, value


class _Filter:
    """An include or exclude entry's filter: ``matrix<path> == literal`` for each leaf."""

    def __init__(self, pairs: Mapping[str, Any]) -> None:
        self.pairs = dict(pairs)
        self.checks = [leaf for key, value in pairs.items() for leaf in _leaves(value, (key,))]

    def matches(self, leg: Mapping[str, Any]) -> bool:
        for path, literal in self.checks:
            value: Any = leg
            for step in path:
                value = _get(value, step)
            if not equals(value, literal):
                return False
        return True


# --- expansion -----------------------------------------------------------------------------


def _entries(matrix_key: str, value: Any) -> list[Mapping[str, Any]]:
    if not _is_list(value):
        raise MatrixError(f"matrix '{matrix_key}' must be a list of mappings, not {value!r}")
    for number, entry in enumerate(value, 1):
        if not isinstance(entry, Mapping):
            raise MatrixError(
                f"matrix '{matrix_key}' entry {number} must be a mapping, not {entry!r}"
            )
        for key in entry:
            if not isinstance(key, str):
                raise MatrixError(
                    f"matrix '{matrix_key}' entry {number} has a key that is not a string: {key!r}"
                )
    return list(value)


def _set_folded(target: dict[str, Any], key: str, value: Any) -> None:
    """``target[key] = value`` with case-insensitive keys, keeping the first key's casing."""
    folded = fold(key)
    for existing in target:
        if fold(existing) == folded:
            target[existing] = value
            return
    target[key] = value


def expand_matrix(matrix: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The legs of ``strategy.matrix`` (with expressions already evaluated), in GitHub's order.

    Each leg is a :class:`MatrixLeg` (a ``dict``): vector values in matrix order, then the extras
    ``include`` added. Zero legs when ``exclude`` removes every combination and nothing is
    included. Raises :class:`MatrixError` as GitHub refuses a matrix: a vector that is not a list
    or is empty, no vector and no ``include``, an empty or non-mapping ``include``/``exclude``
    entry, an ``exclude`` key that is no vector, keys equal but for case, more than 256 legs.
    """
    if not isinstance(matrix, Mapping):
        raise MatrixError(f"the matrix must be a mapping, not {matrix!r}")
    vectors: dict[str, list[Any]] = {}
    folded_keys: dict[str, str] = {}
    include_entries: list[Mapping[str, Any]] = []
    exclude_entries: list[Mapping[str, Any]] = []
    for key, value in matrix.items():
        if not isinstance(key, str):
            raise MatrixError(f"a matrix key must be a string, not {key!r}")
        if key == "include":
            include_entries = _entries(key, value)
            continue
        if key == "exclude":
            exclude_entries = _entries(key, value)
            continue
        if not _is_list(value):
            raise MatrixError(
                f"matrix key '{key}' must be a list of values, not {type(value).__name__} "
                f"{value!r} (write '{key}: [{value!r}]' for a single value)"
                if not isinstance(value, Mapping)
                else f"matrix key '{key}' must be a list of values, not a mapping"
            )
        if not value:
            raise MatrixError(f"matrix vector '{key}' does not contain any values")
        if fold(key) in folded_keys:
            raise MatrixError(
                f"matrix keys '{folded_keys[fold(key)]}' and '{key}' are the same variable "
                "(matrix keys are case-insensitive)"
            )
        folded_keys[fold(key)] = key
        vectors[key] = list(value)
    if not vectors and not include_entries:
        raise MatrixError("the matrix must define at least one vector (or 'include' entries)")

    excludes: list[_Filter] = []
    for number, entry in enumerate(exclude_entries, 1):
        if not entry:
            raise MatrixError(f"matrix 'exclude' entry {number} is empty")
        for key in entry:
            if fold(key) not in folded_keys:
                raise MatrixError(
                    f"matrix 'exclude' entry {number}: key '{key}' does not match any key "
                    "within the matrix"
                )
        excludes.append(_Filter(entry))

    includes: list[tuple[_Filter, dict[str, Any]]] = []
    for number, entry in enumerate(include_entries, 1):
        if not entry:
            raise MatrixError(f"matrix 'include' entry {number} does not contain any values")
        filter_pairs = {k: v for k, v in entry.items() if fold(k) in folded_keys}
        extra = {k: v for k, v in entry.items() if fold(k) not in folded_keys}
        includes.append((_Filter(filter_pairs), extra))

    legs: list[dict[str, Any]] = []
    matched = [False] * len(includes)
    size = math.prod(len(values) for values in vectors.values()) if vectors else 0
    if size > _MAX_PRODUCT:
        raise MatrixError(
            f"the matrix's cross product has {size} combinations; a workflow run can have at "
            f"most {MAX_LEGS} jobs per matrix"
        )
    names = list(vectors)
    for index in range(size):
        values: dict[str, Any] = {}
        block = size
        for name in names:
            vector = vectors[name]
            block //= len(vector)
            values[name] = vector[(index // block) % len(vector)]
        if any(exclude.matches(values) for exclude in excludes):
            continue
        extras: dict[str, Any] = {}
        for number, (include, extra) in enumerate(includes):
            if include.matches(values):
                matched[number] = True
                for key, value in extra.items():
                    _set_folded(extras, key, value)
        legs.append(MatrixLeg(copy.deepcopy({**values, **extras}), names))
        _check_count(len(legs))
    for number, (include, extra) in enumerate(includes):
        if not matched[number]:
            values = {**include.pairs, **extra}
            legs.append(MatrixLeg(copy.deepcopy(values), values))
            _check_count(len(legs))
    return legs


def _check_count(count: int) -> None:
    if count > MAX_LEGS:
        raise MatrixError(f"the matrix produces more than {MAX_LEGS} jobs (GitHub's limit)")


# --- display names -------------------------------------------------------------------------


def _segments(value: Any) -> Iterator[str]:
    """The display-name pieces of a value: its scalars, depth first."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _segments(item)
    elif _is_list(value):
        for item in value:
            yield from _segments(item)
    elif isinstance(value, bool):
        yield "true" if value else "false"
    elif isinstance(value, int | float):
        yield format_number(value)
    elif isinstance(value, str):
        if value:
            yield value
    elif value is not None:
        yield str(value)


def leg_display_name(
    job_name: str, leg: Mapping[str, Any], keys: Iterable[str] | None = None
) -> str:
    """GitHub's default name for a matrix leg: ``job_name (v1, v2, ...)``.

    The values are those of ``keys`` — by default the leg's ``name_keys`` (a :class:`MatrixLeg`
    from :func:`expand_matrix`), else all its keys — with objects and arrays contributing their
    scalars depth first (``{version: 20, env: X}`` gives ``20, X``), booleans ``true``/``false``,
    numbers as GitHub prints them, and nulls and empty strings left out. No values: the job name
    alone. Names longer than 100 characters end in ``...``. (A ``name:`` with an expression
    replaces all of this; the caller evaluates it instead.)
    """
    if keys is None:
        keys = getattr(leg, "name_keys", None)
        if keys is None:
            keys = leg.keys()
    segments = [segment for key in keys for segment in _segments(leg.get(key))]
    name = f"{job_name} ({', '.join(segments)})" if segments else job_name
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        name = name[: MAX_DISPLAY_NAME_LENGTH - 3] + "..."
    return name


# --- act's --matrix filter -----------------------------------------------------------------


def _go_float(number: float) -> str:
    """Go's ``%v`` for a float64 (``strconv`` ``'g'``, shortest): exponent form below 1e-4 or
    from 1e6 (``1e+06``), else plain digits."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "-0" if math.copysign(1.0, number) < 0 else "0"
    from decimal import Decimal  # only a --matrix filter on a float gets here

    sign, digit_tuple, exponent = Decimal(repr(number)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exponent, int)
    point = len(digit_tuple) + exponent  # digits[:point] are the integer part
    prefix = "-" if sign else ""
    exp = point - 1
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"


def _go_string(value: Any) -> str:
    """A YAML-decoded value as Go's ``fmt.Sprintf("%v")`` prints it (act compares these)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        items = sorted((str(k), _go_string(v)) for k, v in value.items())
        return "map[" + " ".join(f"{k}:{v}" for k, v in items) + "]"
    if _is_list(value):
        return "[" + " ".join(_go_string(item) for item in value) + "]"
    return str(value)


def parse_matrix_filter(text: str) -> tuple[str, str]:
    """``"os:ubuntu-latest"`` -> ``("os", "ubuntu-latest")`` (split at the first ``:``)."""
    key, colon, value = text.partition(":")
    if not colon:
        raise MatrixError(f"a matrix filter is 'key:value', got {text!r}")
    return key, value


_Leg = TypeVar("_Leg", bound=Mapping[str, Any])


def filter_legs(legs: Iterable[_Leg], filters: Iterable[tuple[str, str]]) -> list[_Leg]:
    """act's ``--matrix key:value``: keep the legs whose value for each filtered key is one of
    the values given for it (OR within a key, AND across keys), compared as strings in Go's
    ``%v`` form (``3.1``, ``true``, ``map[a:1]``). As in act, a leg without a filtered key is
    kept, and keys are compared case-sensitively. No filters keep every leg.
    """
    allowed: dict[str, set[str]] = {}
    for key, value in filters:
        allowed.setdefault(key, set()).add(value)
    return [
        leg
        for leg in legs
        if all(_go_string(value) in allowed[key] for key, value in leg.items() if key in allowed)
    ]
