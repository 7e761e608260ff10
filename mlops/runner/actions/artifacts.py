"""actions/upload-artifact and actions/download-artifact, locally: a per-run directory.

Artifacts are kept in the run record (``artifacts/<name>/``), so jobs of one run can pass
files to each other and the user can open them after the run.
"""

from __future__ import annotations

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


def _glob(pattern: Path) -> list[str]:
    """Absolute glob patterns with ``**`` (Path.glob takes relative patterns only)."""
    return glob.glob(str(pattern), recursive=True)  # noqa: PTH207


def _matches(job: JobRun, patterns: str) -> tuple[list[Path], Path | None]:
    """Files matched by upload-artifact's multi-line ``path`` (``!`` excludes)."""
    includes, excludes = [], []
    for line in patterns.splitlines():
        line = line.strip()
        if not line:
            continue
        (excludes if line.startswith("!") else includes).append(line.lstrip("!"))
    found: set[Path] = set()
    for pattern in includes:
        base = input_path(job, pattern)
        hits = [Path(p) for p in _glob(base)]
        roots = job_roots(job)
        for hit in hits:
            if hit.is_dir():
                found.update(p for p in hit.rglob("*") if p.is_file() and is_inside(p, roots))
            elif hit.is_file() and is_inside(hit, roots):
                found.add(hit)
    for pattern in excludes:
        drop = {Path(p) for p in _glob(input_path(job, pattern))}
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
    files, common = _matches(job, inputs.get("path", ""))
    if not files:
        mode = inputs.get("if-no-files-found", "warn")
        message = f"upload-artifact: no files found for path {inputs.get('path', '')!r}"
        if mode == "error":
            raise StepFailure(message)
        if mode == "warn":
            job.state.reporter.annotation(job.key, "warning", message, {})
        return {}, False, ""
    target = job.state.record.artifacts / name
    if target.exists() and inputs.get("overwrite", "false") != "true":
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
    destination = input_path(job, inputs.get("path", "") or ".")
    if name:
        source = store / name
        if not source.is_dir():
            available = ", ".join(sorted(p.name for p in store.iterdir())) or "none"
            raise StepFailure(
                f"download-artifact: no artifact named {name!r} in this run "
                f"(artifacts: {available})"
            )
        copy_contained(source, destination, job_roots(job))
    else:
        for source in sorted(store.iterdir()):
            copy_contained(source, destination / source.name, job_roots(job))
    job.state.reporter.line(
        job.key, f"download-artifact: {name or 'all artifacts'} -> {destination}"
    )
    return {"download-path": str(destination)}, False, ""
