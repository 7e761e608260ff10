"""The report's settings: ``[tool.mlops.report]`` in the project's pyproject.toml.

Everything is optional::

    [tool.mlops.report]
    threshold = 0.01          # default for every metric: |change| >= this is marked
                              # and counted; smaller changes show as "≈" (default 0)

    [tool.mlops.report.metrics]
    log_loss = { direction = "lower" }            # by metric name
    "reports/metrics.json:f1" = { threshold = 0.005 }   # by file:name
    "latency_*" = { direction = "lower", threshold = 5 } # fnmatch pattern

A metric's settings come from the first match of: ``file:name``, ``name``, then the
patterns in file order. Without a ``direction``, higher is better, except for names
with a loss- or error-like word (loss, error, mae, mse, rmse, ...), where lower is.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from mlops.errors import Location, UsageError

CONFIG_FILE = "pyproject.toml"
TABLE = "tool.mlops.report"
DIRECTIONS = ("higher", "lower")

# Words that make a metric "lower is better" when its name contains one (as a token).
LOWER_IS_BETTER = frozenset(
    {
        "loss",
        "logloss",
        "error",
        "err",
        "errors",
        "mae",
        "mse",
        "rmse",
        "rmsle",
        "msle",
        "mape",
        "smape",
        "wer",
        "cer",
        "perplexity",
        "brier",
        "latency",
        "duration",
        "runtime",
        "fpr",
        "fnr",
    }
)
_LOWER_SUBSTRINGS = ("loss", "error")


@dataclass(frozen=True)
class MetricSettings:
    direction: str  # "higher" | "lower"
    threshold: float
    direction_source: str  # "config" | "name" | "default"


class MetricConfig(TypedDict, total=False):
    """One ``[tool.mlops.report.metrics]`` entry, checked."""

    direction: str  # one of DIRECTIONS
    threshold: float


@dataclass(frozen=True)
class ReportConfig:
    threshold: float = 0.0
    metrics: dict[str, MetricConfig] = field(default_factory=dict)
    source: str | None = None  # the file it came from

    def for_metric(self, path: str, name: str) -> MetricSettings:
        entry: MetricConfig | None = None
        for key in (f"{path}:{name}", name):
            if key in self.metrics:
                entry = self.metrics[key]
                break
        else:
            for pattern, settings in self.metrics.items():
                if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(
                    f"{path}:{name}", pattern
                ):
                    entry = settings
                    break
        entry = entry or {}
        threshold = float(entry.get("threshold", self.threshold))
        if "direction" in entry:
            return MetricSettings(str(entry["direction"]), threshold, "config")
        guessed = guess_direction(name)
        return MetricSettings(guessed, threshold, "name" if guessed == "lower" else "default")


def guess_direction(name: str) -> str:
    """``lower`` for loss- and error-like names (``log_loss``, ``val.rmse``), else ``higher``."""
    leaf = name.lower()
    tokens = set(re.split(r"[^a-z0-9]+", leaf))
    if tokens & LOWER_IS_BETTER or any(word in leaf for word in _LOWER_SUBSTRINGS):
        return "lower"
    return "higher"


def _number(value: object, where: str, location: Location) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise UsageError(f"{where} must be a number >= 0, got {value!r}", location=location)
    return float(value)


def load_config(root: Path) -> ReportConfig:
    """Read ``[tool.mlops.report]`` from ``root/pyproject.toml``; defaults when absent."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return ReportConfig()
    location = Location(str(path))
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"cannot read: {error}", location=location) from None
    table = document.get("tool", {}).get("mlops", {}).get("report")
    if table is None:
        return ReportConfig()
    if not isinstance(table, dict):
        raise UsageError(f"[{TABLE}] must be a table", location=location)
    unknown = sorted(set(table) - {"threshold", "metrics"})
    if unknown:
        raise UsageError(
            f"[{TABLE}]: unknown key {unknown[0]!r} (known: threshold, metrics)",
            location=location,
        )
    threshold = _number(table.get("threshold", 0.0), f"[{TABLE}] threshold", location)
    metrics_table = table.get("metrics", {})
    if not isinstance(metrics_table, dict):
        raise UsageError(f"[{TABLE}.metrics] must be a table", location=location)
    metrics: dict[str, MetricConfig] = {}
    for key, entry in metrics_table.items():
        where = f"[{TABLE}.metrics] {key!r}"
        if not isinstance(entry, dict):
            raise UsageError(
                f'{where} must be a table, e.g. {{ direction = "lower", threshold = 0.01 }}',
                location=location,
            )
        bad = sorted(set(entry) - {"direction", "threshold"})
        if bad:
            raise UsageError(
                f"{where}: unknown key {bad[0]!r} (known: direction, threshold)",
                location=location,
            )
        checked: MetricConfig = {}
        if "direction" in entry:
            if entry["direction"] not in DIRECTIONS:
                raise UsageError(
                    f"{where}: direction must be 'higher' or 'lower', got {entry['direction']!r}",
                    location=location,
                )
            checked["direction"] = entry["direction"]
        if "threshold" in entry:
            checked["threshold"] = _number(entry["threshold"], f"{where} threshold", location)
        metrics[key] = checked
    return ReportConfig(threshold=threshold, metrics=metrics, source=str(path))
