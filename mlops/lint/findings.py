"""A finding, severities, and how duplicates from several tools collapse into one.

Deduplication: every finding has a *meaning* — our rule id, or a wrapped tool's rule mapped
onto the rule of ours that says the same thing (zizmor ``unpinned-uses`` is our
``unpinned-action``). Two findings from different tools with the same file, line and meaning
are one problem: the first is kept (ours come first) and lists the other tool in ``also``.
Findings of one tool are never merged with each other unless they are identical.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "note")
RANK = {"note": 1, "warning": 2, "error": 3}
OWN = "mlops"
# Our rules that mean what a wrapped tool's more general rule means.
_OWN_MEANING = {"yaml": "syntax"}
NEEDS_CYCLE = "needs-cycle"


@dataclass
class Finding:
    """One problem: where, how bad, which rule, what to do — and which tool found it."""

    path: str
    line: int
    column: int
    severity: str
    rule: str
    message: str
    tool: str = OWN
    meaning: str = ""  # the rule of ours with the same meaning; "" = rule (ours) or tool:rule
    also: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.line = max(1, int(self.line or 1))
        self.column = max(1, int(self.column or 1))
        if not self.meaning:
            self.meaning = (
                _OWN_MEANING.get(self.rule, self.rule)
                if self.tool == OWN
                else f"{self.tool}:{self.rule}"
            )
            if self.meaning == "needs" and "in a cycle" in self.message:
                self.meaning = NEEDS_CYCLE

    @property
    def key(self) -> tuple[str, int, str]:
        # a cycle is one problem of the file, whichever of its jobs a tool names it at
        return (self.path, 0 if self.meaning == NEEDS_CYCLE else self.line, self.meaning)

    @property
    def tools(self) -> list[str]:
        return [self.tool, *self.also]

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path, self.line, self.column, -RANK[self.severity], self.rule, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "tool": self.tool,
            "also_reported_by": list(self.also),
        }


def deduplicate(findings: Iterable[Finding]) -> list[Finding]:
    """Drop a wrapped tool's finding when another tool (ours first) already reports it."""
    ordered = sorted(findings, key=lambda f: (f.tool != OWN, f.tool))
    kept: list[Finding] = []
    by_key: dict[tuple[str, int, str], Finding] = {}
    exact: set[tuple[Any, ...]] = set()
    for finding in ordered:
        identity = (*finding.key, finding.tool, finding.column, finding.message)
        if identity in exact:
            continue
        exact.add(identity)
        first = by_key.get(finding.key)
        if first is not None and first.tool != finding.tool:
            if finding.tool not in first.tools:
                first.also.append(finding.tool)
            continue
        by_key.setdefault(finding.key, finding)
        kept.append(finding)
    return sorted(kept, key=Finding.sort_key)


def at_least(findings: Iterable[Finding], minimum: str) -> list[Finding]:
    return [f for f in findings if RANK[f.severity] >= RANK[minimum]]
