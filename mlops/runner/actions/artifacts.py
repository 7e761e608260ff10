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
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.actions import input_path
from mlops.runner.containment import is_inside, job_roots
from mlops.runner.files import Tree, locate
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
    includes: list[str] = []
    excludes: list[str] = []
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


# GitHub's upload-artifact refuses these in a name (they cannot be in a file name everywhere).
INVALID_NAME_CHARACTERS = '":<>|*?\r\n\\/'


def _check_name(job: JobRun, name: str) -> None:
    bad = sorted({c for c in name if c in INVALID_NAME_CHARACTERS})
    if bad or name in (".", ".."):
        shown = ", ".join(repr(c) for c in bad) or repr(name)
        raise StepFailure(f"The artifact name is not valid: {name}. Contains {shown}")
    if job.state.masker.holds_secret(name):
        # the name becomes a directory of the run record (and a name on GitHub's page)
        raise StepFailure("The artifact name is not valid: it holds a secret")


def upload(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    name = inputs.get("name") or "artifact"
    _check_name(job, name)
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
    with Tree(job.state.record.artifacts) as store:
        if store.exists(name) and not _boolean(inputs, "overwrite"):
            raise StepFailure(
                f"an artifact named {name!r} already exists in this run "
                "(set overwrite: true to replace it)"
            )
        store.remove(name)
        roots = job_roots(job)
        for file in files:
            located = locate(file, roots)
            if located is None:  # a link swapped in since the files were matched
                raise StepFailure(f"upload-artifact: {file} left the job's directories")
            relative = file.relative_to(common) if common else Path(file.name)
            with Tree(located[0]) as source:
                source.copy(located[1], store, f"{name}/{relative}")
    job.state.reporter.line(job.key, f"upload-artifact: {len(files)} files as {name!r} -> {target}")
    return {"artifact-id": name, "artifact-url": target.as_uri()}, False, ""


def download(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    name = inputs.get("name", "")
    pattern = inputs.get("pattern", "")
    merge = _boolean(inputs, "merge-multiple")
    destination = input_path(job, inputs.get("path", "") or ".")
    located = locate(destination, job_roots(job))
    if located is None:
        raise StepFailure(f"path: {destination} is not under the job's directories")
    root, into = located
    with Tree(job.state.record.artifacts) as store, Tree(root) as target:
        available = [n for n, info in store.scandir() if stat.S_ISDIR(info.st_mode)]
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
            # written by replacing: a link or hard link the job left there is not written through
            store.copy(artifact, target, into if name or merge else f"{into}/{artifact}")
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
