"""The report as a CI gate: ``mlops report --fail-on regressed|threshold``.

Pure: given the compared metric rows, say whether the gate fails and why, in one line.

- ``regressed``: any metric moved in its bad direction by at least its threshold (the
  report's "🔻 regressed"), or this revision lost metrics the base had.
- ``threshold``: only metrics with a threshold above 0 (``[tool.mlops.report]``, global
  or per metric) count, and only when they regressed by at least that threshold; metrics
  without one may move freely.

A first run with nothing to compare with (the base never produced metrics) never fails
the gate; a base that produced metrics DVC cannot load (not in the cache, remote
unreachable) fails it, closed, unless the user accepts a missing baseline
(``--allow-missing-base``, which passes an empty ``base_unreadable``).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlops.report.compare import MetricRow, Verdict, format_number
from mlops.report.config import ReportConfig

MODES = ("regressed", "threshold")
MAX_NAMED = 3  # metrics named in the one-line reason before "and N more"


@dataclass(frozen=True)
class GateResult:
    modes: tuple[str, ...]
    failed: bool
    reason: str  # one line: why it failed, or what it checked when it passed


def has_thresholds(config: ReportConfig) -> bool:
    """Whether ``--fail-on threshold`` can ever fail with this configuration."""
    if config.threshold > 0:
        return True
    return any(entry.get("threshold", 0) > 0 for entry in config.metrics.values())


def _metrics(count: int) -> str:
    return f"{count} metric" if count == 1 else f"{count} metrics"


def _named(rows: list[MetricRow]) -> str:
    parts = []
    for row in rows[:MAX_NAMED]:
        if row.delta is not None:
            text = f"{row.name} {format_number(row.delta, signed=True)}"
            if row.threshold > 0:
                text += f" (threshold {format_number(row.threshold)})"
            parts.append(text)
        else:
            parts.append(f"{row.name} {row.status}")
    more = len(rows) - MAX_NAMED
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def evaluate(
    modes: tuple[str, ...],
    rows: list[MetricRow],
    verdict: Verdict,
    base_unreadable: list[str] | tuple[str, ...] = (),
) -> GateResult:
    """Whether the gate fails for ``modes`` (any of them failing fails it)."""
    if not modes:
        return GateResult(modes, False, "")
    if verdict.word == "unreadable":
        return GateResult(modes, True, "the metrics of this revision could not be read")
    if base_unreadable:
        return GateResult(
            modes,
            True,
            "the base declares metrics but DVC could not load them: "
            + "; ".join(base_unreadable)
            + " (--allow-missing-base accepts a missing baseline)",
        )
    if verdict.word in ("no-baseline", "base-unreadable"):
        return GateResult(modes, False, "no metrics at the base to compare with")
    reasons: list[str] = []
    if "regressed" in modes:
        regressed = [row for row in rows if row.status == "regressed"]
        removed = [row for row in rows if row.status == "removed"]
        if regressed:
            reasons.append(
                f"{len(regressed)} of {_metrics(len(rows))} regressed: {_named(regressed)}"
            )
        if removed:
            reasons.append(f"{_metrics(len(removed))} missing in this revision: {_named(removed)}")
    if "threshold" in modes:
        beyond = [row for row in rows if row.status == "regressed" and row.threshold > 0]
        if beyond and "regressed" not in modes:
            reasons.append(
                f"{_metrics(len(beyond))} regressed beyond the threshold: {_named(beyond)}"
            )
    if reasons:
        return GateResult(modes, True, "; ".join(reasons))
    checked = "no metric regressed" if "regressed" in modes else "no metric beyond its threshold"
    return GateResult(modes, False, checked)
