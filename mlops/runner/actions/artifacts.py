"""actions/upload-artifact and actions/download-artifact (v4), locally: a per-run directory.

Artifacts are kept in the run record (``artifacts/<name>/``), so jobs of one run can pass
files to each other and the user can open them after the run. As v4 does: hidden files
(a name starting with ``.``, or inside such a directory) are left out of an upload unless
``include-hidden-files: true`` (since v4.4: they may hold credentials); a download without
``name`` takes every artifact whose name matches ``pattern`` (all without one), each into
``path/<name>/``, or all into ``path`` itself with ``merge-multiple: true``.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.actions import input_path
from mlops.runner.containment import copy_contained, is_inside, job_roots
from mlops.runner.steps.base import StepFailure

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


def _glob(pattern: Path, *, hidden: bool = False) -> list[str]:
    """Absolute glob patterns with ``**`` (Path.glob takes relative patterns only)."""
    return glob.glob(str(pattern), recursive=True, include_hidden=hidden)  # noqa: PTH207


def _hidden_under(path: Path, directory: Path) -> bool:
    """Whether ``path`` is hidden, or inside a hidden directory, below ``directory``."""
    return any(part.startswith(".") for part in path.relative_to(directory).parts)


def _matches(job: JobRun, patterns: str, *, hidden: bool = False) -> tuple[list[Path], Path | None]:
    """Files matched by upload-artifact's multi-line ``path`` (``!`` excludes); hidden files
    only with ``hidden``."""
    includes, excludes = [], []
    for line in patterns.splitlines():
        line = line.strip()
        if not line:
            continue
        (excludes if line.startswith("!") else includes).append(line.lstrip("!"))
    found: set[Path] = set()
    for pattern in includes:
        base = input_path(job, pattern)
        hits = [Path(p) for p in _glob(base, hidden=hidden)]
        roots = job_roots(job)
        for hit in hits:
            if not hidden and hit.name.startswith("."):
                continue
            if hit.is_dir():
                found.update(
                    p
                    for p in hit.rglob("*")
                    if p.is_file() and is_inside(p, roots) and (hidden or not _hidden_under(p, hit))
                )
            elif hit.is_file() and is_inside(hit, roots):
                found.add(hit)
    for pattern in excludes:
        drop = {Path(p) for p in _glob(input_path(job, pattern), hidden=hidden)}
        found = {f for f in found if f not in drop and not any(d in f.parents for d in drop)}
    if not found:
        return [], None
    # Like upload-artifact: paths are stored relative to the least common ancestor.
    common = Path(os.path.commonpath([str(f.parent) for f in found]))
    return sorted(found), common


def upload(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    name = inputs.get("name") or "artifact"
    if "/" in name or "\\" in name or name in (".", ".."):
        raise StepFailure(f"artifact name {name!r} must not contain slashes")
    hidden = _boolean(inputs, "include-hidden-files")
    files, common = _matches(job, inputs.get("path", ""), hidden=hidden)
    if not files:
        mode = inputs.get("if-no-files-found", "warn")
        message = f"upload-artifact: no files found for path {inputs.get('path', '')!r}"
        if mode == "error":
            raise StepFailure(message)
        if mode == "warn":
            job.state.reporter.annotation(job.key, "warning", message, {})
        return {}, False, ""
    target = job.state.record.artifacts / name
    if target.exists() and not _boolean(inputs, "overwrite"):
        raise StepFailure(
            f"an artifact named {name!r} already exists in this run "
            "(set overwrite: true to replace it)"
        )
    shutil.rmtree(target, ignore_errors=True)
    for file in files:
        destination = target / file.relative_to(common) if common else target / file.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, destination)
    job.state.reporter.line(job.key, f"upload-artifact: {len(files)} files as {name!r} -> {target}")
    return {"artifact-id": name, "artifact-url": target.as_uri()}, False, ""


def download(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    store = job.state.record.artifacts
    name = inputs.get("name", "")
    pattern = inputs.get("pattern", "")
    merge = _boolean(inputs, "merge-multiple")
    destination = input_path(job, inputs.get("path", "") or ".")
    available = sorted(p.name for p in store.iterdir() if p.is_dir())
    if name:
        if name not in available:
            raise StepFailure(
                f"Unable to download artifact(s): Artifact {name!r} not found "
                f"(artifacts of this run: {', '.join(available) or 'none'})"
            )
        chosen = [name]
    else:
        chosen = [a for a in available if not pattern or fnmatch.fnmatchcase(a, pattern)]
    for artifact in chosen:
        into = destination if name or merge else destination / artifact
        copy_contained(store / artifact, into, job_roots(job))
    what = name or (f"{len(chosen)} artifact(s) matching {pattern!r}" if pattern else "all")
    job.state.reporter.line(job.key, f"download-artifact: {what} -> {destination}")
    return {"download-path": str(destination)}, False, ""


def _boolean(inputs: dict[str, str], name: str) -> bool:
    """A boolean input as ``@actions/core``'s getBooleanInput reads it (YAML 1.2 core)."""
    value = inputs.get(name, "") or "false"
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    raise StepFailure(
        f'Input does not meet YAML 1.2 "Core Schema" specification: {name}\n'
        "Support boolean input list: `true | True | TRUE | false | False | FALSE`"
    )
