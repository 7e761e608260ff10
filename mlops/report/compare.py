"""Pure comparison: metric rows with deltas and status, param rows, and the verdict.

A metric's status is one of:
  improved / regressed  numeric, changed by at least its threshold in the good / bad direction
  within                numeric, changed by less than its threshold ("≈", counts as unchanged)
  unchanged             equal values
  changed               changed, but not comparable as numbers (text, lists, NaN/Infinity)
  added / removed       only in this revision / only at the base
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from mlops.report.config import ReportConfig


class _Missing:
    """The value of a metric or param that a revision does not have."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_finite_number(value: Any) -> bool:
    return is_number(value) and math.isfinite(value)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists and scalars are leaves."""
    if not isinstance(data, dict):
        return {prefix: data} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def same_value(a: Any, b: Any) -> bool:
    if is_number(a) and is_number(b):
        if math.isnan(a) and math.isnan(b):
            return True
        return bool(a == b)
    if is_number(a) != is_number(b):
        return False
    return type(a) is type(b) and a == b


@dataclass
class MetricRow:
    path: str
    name: str
    base: Any
    new: Any
    direction: str
    direction_source: str
    threshold: float
    status: str = "unchanged"
    delta: float | None = None
    relative: float | None = None  # fraction: 0.05 means +5 %

    @property
    def numeric(self) -> bool:
        return is_number(self.base) or is_number(self.new)

    @property
    def beyond_threshold(self) -> bool:
        return self.threshold > 0 and self.status in ("improved", "regressed")


def compare_metric(path: str, name: str, base: Any, new: Any, config: ReportConfig) -> MetricRow:
    settings = config.for_metric(path, name)
    row = MetricRow(
        path, name, base, new, settings.direction, settings.direction_source, settings.threshold
    )
    if base is MISSING and new is MISSING:
        row.status = "unchanged"
    elif base is MISSING:
        row.status = "added"
    elif new is MISSING:
        row.status = "removed"
    elif is_finite_number(base) and is_finite_number(new):
        delta = new - base
        row.delta = delta
        row.relative = delta / abs(base) if base != 0 else None
        if delta == 0:
            row.status = "unchanged"
        elif abs(delta) < settings.threshold:
            row.status = "within"
        else:
            better = delta > 0 if settings.direction == "higher" else delta < 0
            row.status = "improved" if better else "regressed"
    else:
        row.status = "unchanged" if same_value(base, new) else "changed"
    return row


@dataclass
class ParamRow:
    path: str
    name: str
    base: Any
    new: Any

    @property
    def changed(self) -> bool:
        return not same_value(self.base, self.new)

    @property
    def status(self) -> str:
        if self.base is MISSING:
            return "added"
        if self.new is MISSING:
            return "removed"
        return "changed" if self.changed else "unchanged"


def compare_params(
    base: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[ParamRow]:
    """Rows for every param of either revision; inputs are ``{file: {dotted.name: value}}``."""
    rows = []
    for path in sorted(set(base) | set(new)):
        old_values, new_values = base.get(path, {}), new.get(path, {})
        for name in _ordered_union(old_values, new_values):
            rows.append(
                ParamRow(path, name, old_values.get(name, MISSING), new_values.get(name, MISSING))
            )
    return rows


def compare_metrics(
    base: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], config: ReportConfig
) -> list[MetricRow]:
    rows = []
    for path in _ordered_union(new, base):
        old_values, new_values = base.get(path, {}), new.get(path, {})
        for name in _ordered_union(new_values, old_values):
            rows.append(
                compare_metric(
                    path,
                    name,
                    old_values.get(name, MISSING),
                    new_values.get(name, MISSING),
                    config,
                )
            )
    return rows


def _ordered_union(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    return list(first) + [key for key in second if key not in first]


@dataclass
class Verdict:
    # improved | regressed | unchanged | no-baseline | no-metrics | unreadable (this
    # revision) | base-unreadable (the base produced metrics DVC could not load)
    word: str
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0

    @property
    def emoji(self) -> str:
        return {
            "improved": "✅",
            "regressed": "⚠️",
            "unchanged": "➖",
            "no-baseline": "🆕",
            "no-metrics": "ℹ️",
            "unreadable": "❗",
            "base-unreadable": "❗",
        }[self.word]


def verdict(rows: list[MetricRow], base_has_metrics: bool) -> Verdict:
    counts = dict.fromkeys(("improved", "regressed", "unchanged", "changed", "added", "removed"), 0)
    for row in rows:
        key = "unchanged" if row.status == "within" else row.status
        counts[key] += 1
    total = len(rows)
    if total == 0:
        word = "no-metrics"
    elif not base_has_metrics:
        word = "no-baseline"
    elif counts["regressed"]:
        word = "regressed"
    elif counts["improved"]:
        word = "improved"
    else:
        word = "unchanged"
    return Verdict(word, counts, total)


def display(value: Any, exact: bool = False) -> str:
    """A value as the report shows it: numbers compact (``exact``: as written, for
    params), text as is, containers as JSON."""
    if value is MISSING:
        return "—"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if exact and math.isfinite(value) else format_number(value)
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, default=str, allow_nan=True)
    except (TypeError, ValueError):
        return str(value)


def format_number(value: float, signed: bool = False) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return ("+" if signed and value > 0 else "") + ("Infinity" if value > 0 else "-Infinity")
    sign = "+" if signed else ""
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-4):
        return f"{value:{sign}.3e}"
    if float(value).is_integer() and abs(value) >= 1:
        return f"{value:{sign}.1f}"
    text = f"{value:{sign}.4f}"
    return text
