"""actions/cache, locally: a cache directory under mlops' cache, keys as on GitHub.

Restore looks for the exact ``key``, then each ``restore-keys`` prefix in order (the newest
entry wins); save happens in the post step, only when the key was not an exact hit.
Entries are kept per repository. Every path must be in the job's directories (``~`` is the
job's own HOME, so ``~/.cache/pip`` works), or the step fails; a restore never writes
through a symlink out of them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.actions import input_path
from mlops.runner.containment import copy_contained, job_roots
from mlops.runner.steps.base import StepFailure

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


def _store(job: JobRun) -> Path:
    """This repository's entries: as on GitHub, one repository never sees another's cache."""
    repository = f"{job.contexts['github']['repository']}\0{job.state.repo.root.resolve()}"
    scope = hashlib.sha256(repository.encode()).hexdigest()[:16]
    path = job.state.record.base / "actions-cache" / scope
    path.mkdir(parents=True, exist_ok=True)
    return path


def _entry_dir(store: Path, key: str) -> Path:
    return store / hashlib.sha256(key.encode()).hexdigest()[:32]


def _paths(job: JobRun, text: str) -> list[tuple[str, Path]]:
    paths = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("!"):
            continue
        paths.append((line, input_path(job, line)))
    return paths


def _find(store: Path, key: str, restore_keys: list[str]) -> tuple[Path, str] | None:
    exact = _entry_dir(store, key)
    if (exact / "meta.json").is_file():
        return exact, key
    entries = []
    for meta in store.glob("*/meta.json"):
        data = json.loads(meta.read_text())
        entries.append((data["created"], data["key"], meta.parent))
    for prefix in restore_keys:
        matching = sorted((e for e in entries if e[1].startswith(prefix)), reverse=True)
        if matching:
            return matching[0][2], matching[0][1]
    return None


def restore(job: JobRun, inputs: dict[str, str]) -> tuple[str, str | None]:
    key = inputs.get("key", "")
    if not key:
        raise StepFailure("cache: input 'key' is required")
    store = _store(job)
    restore_keys = [k.strip() for k in inputs.get("restore-keys", "").splitlines() if k.strip()]
    found = _find(store, key, restore_keys)
    if found is None:
        job.state.reporter.line(job.key, f"cache: no entry for key {key}")
        return key, None
    entry, matched = found
    for index, (_, path) in enumerate(_paths(job, inputs.get("path", ""))):
        saved = entry / str(index)
        if saved.exists():
            copy_contained(saved, path, job_roots(job))
    job.state.reporter.line(job.key, f"cache: restored from key {matched}")
    return key, matched


def save(job: JobRun, inputs: dict[str, str], key: str) -> None:
    entry = _entry_dir(_store(job), key)
    if (entry / "meta.json").is_file():
        return
    paths = _paths(job, inputs.get("path", ""))  # checked before anything is written
    shutil.rmtree(entry, ignore_errors=True)
    entry.mkdir(parents=True)
    saved = 0
    for index, (_, path) in enumerate(paths):
        if path.is_dir():
            shutil.copytree(path, entry / str(index))
            saved += 1
        elif path.is_file():
            shutil.copy2(path, entry / str(index))
            saved += 1
    (entry / "meta.json").write_text(json.dumps({"key": key, "created": time.time()}))
    job.state.reporter.line(job.key, f"cache: saved {saved} path(s) under key {key}")


def run(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    key, matched = restore(job, inputs)
    if matched != key:
        # actions/cache's post-if: success() — a failed job saves nothing
        job.add_post_step(f"cache {key}", lambda _timeout: save(job, inputs, key), "success()")
    return (
        {"cache-hit": "true" if matched == key else "false", "cache-matched-key": matched or ""},
        False,
        "",
    )


def run_restore(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    key, matched = restore(job, inputs)
    return (
        {
            "cache-hit": "true" if matched == key else "false",
            "cache-primary-key": key,
            "cache-matched-key": matched or "",
        },
        False,
        "",
    )


def run_save(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    save(job, inputs, inputs.get("key", ""))
    return {}, False, ""
