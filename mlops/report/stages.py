"""Pipeline status: what DVC can tell about each stage, said honestly.

Three sources, each optional:
- ``dvc.lock`` at the base vs in the workspace: did the stage's recorded command, deps,
  params or outs change in this PR? (A stage whose lock entry changed was re-run or
  restored from the run-cache; one whose entry is equal did not need to run.)
- ``dvc status`` in the workspace: is the lock file stale, i.e. were the outputs not
  reproduced after the last change? (Then the metrics do not reflect the PR's code.)
- the log of ``dvc repro`` (``--repro-log``): which stages ran, which were restored from
  the run-cache, which were skipped, in this very run. Without it, we do not guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mlops.report.compare import flatten

_LOG_PATTERNS = (
    (re.compile(r"^Running stage '(?P<name>[^']+)'"), "ran"),
    (re.compile(r"^Stage '(?P<name>[^']+)' is cached - skipping run"), "restored"),
    (re.compile(r"^Stage '(?P<name>[^']+)' didn't change, skipping"), "skipped"),
)

RUN_LABELS = {
    "ran": "ran",
    "restored": "restored from run-cache",
    "skipped": "skipped (up to date)",
}


@dataclass
class StageRow:
    name: str
    since_base: str  # "changed" | "unchanged" | "new" | "removed" | "unknown"
    changes: list[str] = field(default_factory=list)  # what differs in dvc.lock vs the base
    run: str | None = None  # from the repro log: "ran" | "restored" | "skipped"
    stale: list[str] = field(default_factory=list)  # from dvc status: why it is out of date


def parse_repro_log(text: str) -> dict[str, str]:
    """Stage name -> "ran" | "restored" | "skipped", from ``dvc repro`` output."""
    outcome: dict[str, str] = {}
    for raw in text.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", raw).strip()
        for pattern, status in _LOG_PATTERNS:
            match = pattern.match(line)
            if match:
                name = match.group("name")
                # a stage "restored" then reported as skipped stays restored
                if not (status == "skipped" and outcome.get(name) in ("ran", "restored")):
                    outcome[name] = status
                break
    return outcome


def _entries(items: Any, key: str = "path") -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    result = {}
    for item in items:
        if isinstance(item, dict) and key in item:
            result[str(item[key])] = {k: v for k, v in item.items() if k != key}
    return result


def lock_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human summary of how a stage's lock entry changed: cmd, params, deps, outs."""
    changes: list[str] = []
    if old.get("cmd") != new.get("cmd"):
        changes.append("cmd")
    old_params = {
        f"{name}" if file == "params.yaml" else f"{file}:{name}": value
        for file, values in (old.get("params") or {}).items()
        for name, value in flatten(values).items()
    }
    new_params = {
        f"{name}" if file == "params.yaml" else f"{file}:{name}": value
        for file, values in (new.get("params") or {}).items()
        for name, value in flatten(values).items()
    }
    changed_params = sorted(
        name
        for name in set(old_params) | set(new_params)
        if old_params.get(name, object()) != new_params.get(name, object())
    )
    if changed_params:
        changes.append("params " + ", ".join(f"`{p}`" for p in changed_params))
    for section in ("deps", "outs"):
        before, after = _entries(old.get(section)), _entries(new.get(section))
        paths = sorted(
            path
            for path in set(before) | set(after)
            if _content(before.get(path)) != _content(after.get(path))
        )
        if paths:
            changes.append(f"{section} " + ", ".join(f"`{p}`" for p in paths))
    return changes


def _content(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    return {k: entry.get(k) for k in ("md5", "hash", "etag", "checksum", "size", "nfiles")}


def _format_status(changes: Any) -> list[str]:
    """``dvc status`` entries -> short phrases, e.g. "changed deps: params.yaml"."""
    phrases: list[str] = []
    for change in changes if isinstance(changes, list) else [changes]:
        if isinstance(change, str):
            phrases.append(change)
        elif isinstance(change, dict):
            for kind, detail in change.items():
                if isinstance(detail, dict):
                    phrases.append(f"{kind}: " + ", ".join(str(p) for p in detail))
                else:
                    phrases.append(f"{kind}: {detail}")
    return phrases


def stage_rows(
    order: list[str],
    base_lock: dict[str, dict[str, Any]] | None,
    work_lock: dict[str, dict[str, Any]],
    status: dict[str, Any],
    log: dict[str, str] | None,
) -> list[StageRow]:
    """One row per stage of the workspace pipeline (then stages only the base had).

    ``order``: stage names as ``dvc.yaml`` lists them; locks: name -> lock entry
    (``base_lock`` None when the base has no lock file); ``status``: ``dvc status`` output.
    """
    rows = []
    for name in order:
        new_entry = work_lock.get(name)
        old_entry = (base_lock or {}).get(name)
        if new_entry is None:
            since, changes = "unknown", ["not in dvc.lock: never reproduced"]
        elif old_entry is None:
            since, changes = "new", []
        else:
            changes = lock_changes(old_entry, new_entry)
            since = "changed" if changes else "unchanged"
        rows.append(
            StageRow(
                name,
                since,
                changes,
                run=(log or {}).get(name),
                stale=_format_status(status[name]) if name in status else [],
            )
        )
    for name in base_lock or {}:
        if name not in order:
            rows.append(StageRow(name, "removed", run=(log or {}).get(name)))
    return rows
