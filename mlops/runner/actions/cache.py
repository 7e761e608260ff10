"""actions/cache, locally: a cache directory under mlops' cache, keys and scope as on GitHub.

Restore looks, in the scope of the run's own ref, then of a pull request's base branch, then
of the default branch, for the exact ``key``, then the newest entry whose key starts with
``key``, then with each ``restore-keys`` prefix in order; save happens in the post step,
only when the key was not an exact hit, in the run's own ref's scope — so what a pull
request's run saves is never restored on main (GitHub's "restrictions for accessing a
cache"). Entries are kept per repository. Every path must be in the job's directories
(``~`` is the job's own HOME, so ``~/.cache/pip`` works), or the step fails. Entries are
copies made through :mod:`mlops.runner.files`: links are saved and restored as links, never
followed, and a restore replaces what is in its way instead of writing through it. A key's
secrets (a secret is often a cache key's version part) are never stored: the key is kept
masked for display and sealed for comparison (:mod:`mlops.runner.actions.cachekeys`), so a
restore key matches the real key, secrets included, as on GitHub.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mlops.runner.actions import cachekeys, input_path
from mlops.runner.containment import job_roots
from mlops.runner.files import Tree, locate
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


def _refs(job: JobRun) -> list[str]:
    """The refs whose entries a run may restore, in GitHub's order: its own ref, a pull
    request's base branch, then the default branch; entries of other refs (another pull
    request, a feature branch) are never seen, so a pull request cannot poison main's."""
    github = job.contexts["github"]
    refs = [str(github.get("ref") or "")]
    if github.get("base_ref"):
        refs.append(f"refs/heads/{github['base_ref']}")
    refs.append(f"refs/heads/{job.state.repo.default_branch}")
    return list(dict.fromkeys(r for r in refs if r))


def _entry_name(ref: str, key: str) -> str:
    return hashlib.sha256(f"{ref}\0{key}".encode()).hexdigest()[:32]


def _paths(job: JobRun, text: str) -> list[tuple[str, Path]]:
    paths = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("!"):
            continue
        paths.append((line, input_path(job, line)))
    return paths


class _Entry(NamedTuple):
    created: float
    ref: str
    masked: str  # the key as shown
    name: str
    parts: list[cachekeys.Part]  # the key sealed, to compare
    salt: str


def _entries(store: Tree) -> list[_Entry]:
    """Every entry, newest first."""
    found = []
    for name, _info in store.scandir():
        try:
            data = json.loads(store.read_text(f"{name}/meta.json", limit=1 << 20))
            masked = str(data["key"])
            parts = data.get("parts", [masked])  # an older entry: its masked key
            if not isinstance(parts, list):
                continue
            salt = str(data.get("salt", ""))
            found.append(
                _Entry(float(data["created"]), str(data["ref"]), masked, name, parts, salt)
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not an entry (or one of an older layout, without its ref)
    return sorted(found, key=lambda e: e.created, reverse=True)


def _find(job: JobRun, store: Tree, key: str, restore_keys: list[str]) -> tuple[str, str] | None:
    """(entry name, its key) as GitHub's cache looks: in each ref's scope in turn, the exact
    key, then the newest entry whose key starts with ``key``, then with each restore key."""
    known = job.state.masker.values
    entries = _entries(store)
    for ref in _refs(job):
        if store.exists(f"{_entry_name(ref, key)}/meta.json"):
            return _entry_name(ref, key), key
        for prefix in [key, *restore_keys]:
            for entry in entries:
                if entry.ref == ref and cachekeys.starts_with(
                    entry.parts, entry.salt, prefix, known
                ):
                    matched = cachekeys.unseal(entry.parts, entry.salt, known())
                    return entry.name, entry.masked if matched is None else matched
    return None


def _located(job: JobRun, path: Path) -> tuple[Path, str]:
    found = locate(path, job_roots(job))
    if found is None:
        raise StepFailure(f"cache: {path} is not under the job's directories")
    return found


def restore(job: JobRun, inputs: dict[str, str]) -> tuple[str, str | None]:
    key = inputs.get("key", "")
    if not key:
        raise StepFailure("cache: input 'key' is required")
    restore_keys = [k.strip() for k in inputs.get("restore-keys", "").splitlines() if k.strip()]
    with Tree(_store(job)) as store:
        found = _find(job, store, key, restore_keys)
        if found is None:
            job.state.reporter.line(job.key, f"cache: no entry for key {key}")
            return key, None
        entry, matched = found
        for index, (_, path) in enumerate(_paths(job, inputs.get("path", ""))):
            if not store.exists(f"{entry}/{index}"):
                continue
            root, relative = _located(job, path)
            with Tree(root) as target:
                # links come back as links; a link or hard link in the way is replaced
                store.copy(f"{entry}/{index}", target, relative)
    job.state.reporter.line(job.key, f"cache: restored from key {matched}")
    return key, matched


def save(job: JobRun, inputs: dict[str, str], key: str) -> None:
    ref = str(job.contexts["github"].get("ref") or "")
    name = _entry_name(ref, key)
    with Tree(_store(job)) as store:
        if store.exists(f"{name}/meta.json"):
            return
        paths = _paths(job, inputs.get("path", ""))  # checked before anything is written
        store.remove(name)
        store.mkdir(name)
        saved = 0
        for index, (_, path) in enumerate(paths):
            root, relative = _located(job, path)
            with Tree(root) as source:
                if source.lstat(relative) is None and relative != ".":
                    continue
                # links are stored as links: one to a directory outside (or to /) is not
                # followed into the cache
                source.copy(relative, store, f"{name}/{index}")
                saved += 1
        salt = cachekeys.new_salt()
        meta = {
            "key": job.state.masker(key),
            "parts": cachekeys.seal(key, job.state.masker.spans(key), salt),
            "salt": salt,
            "ref": ref,
            "created": time.time(),
        }
        store.write_text(f"{name}/meta.json", json.dumps(meta))
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
