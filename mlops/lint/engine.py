"""Run a lint: collect files, start the wrapped tools (one process per tool, in parallel), run
our checks meanwhile, then merge, deduplicate and filter the findings."""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mlops.lint import discover
from mlops.lint.findings import OWN, Finding, at_least, deduplicate
from mlops.lint.source import Source
from mlops.lint.tools import RUNNERS, LintFile, ToolRun


@dataclass
class LintResult:
    root: Path
    files: list[LintFile]
    findings: list[Finding]
    notices: list[str] = field(default_factory=list)
    tools_run: list[str] = field(default_factory=list)
    tool_failed: bool = False


def shown_path(path: Path, cwd: Path, root: Path) -> str:
    """Relative to the current directory, for a file in it or in the linted repository."""
    relative = os.path.relpath(path, cwd)
    if relative.startswith("..") and not path.resolve().is_relative_to(root.resolve()):
        return path.as_posix()
    return Path(relative).as_posix()


def _project_root(path: Path, kind: str, fallback: Path) -> Path:
    if kind == "workflow":
        from mlops.lint.workflows import repository_root

        return repository_root(path, fallback)
    found = discover.repository_root(path.resolve().parent)
    return found if (found / ".git").exists() else fallback


def lint(
    paths: list[str],
    *,
    cwd: Path | None = None,
    tools: bool = True,
    min_severity: str = "note",
) -> LintResult:
    cwd = (cwd or Path.cwd()).resolve()
    root, found = discover.collect(paths, cwd)
    files: list[LintFile] = []
    findings: list[Finding] = []
    data: dict[Path, bytes] = {}
    for path, kind in found:
        item = LintFile(path, shown_path(path, cwd, root), kind, _project_root(path, kind, root))
        try:
            data[path] = path.read_bytes()
        except OSError as error:
            findings.append(
                Finding(item.shown, 1, 1, "error", "unreadable", f"cannot read: {error.strerror}")
            )
            continue
        item.source = Source(item.shown, data[path].decode("utf-8-sig", errors="replace"))
        files.append(item)

    result = LintResult(root, files, [])
    futures: list[Future[ToolRun]] = []
    with ThreadPoolExecutor(max_workers=len(RUNNERS)) as pool:
        if tools:
            for name, (kinds, runner) in RUNNERS.items():
                selected = [f for f in files if f.kind in kinds]
                if selected:
                    futures.append(pool.submit(runner, selected, root))
                    result.tools_run.append(name)
        findings += _own_checks(files, data, root)
        for future in futures:
            run = future.result()
            findings += run.findings
            result.notices += run.notices
            result.tool_failed |= run.failed

    findings = _drop_redundant(findings)
    sources = {f.shown: f.source for f in files}
    kept = [
        f
        for f in findings
        if not ((source := sources.get(f.path)) and source.suppressed(f.line, f.rule))
    ]
    result.findings = at_least(deduplicate(kept), min_severity)
    return result


def _drop_redundant(findings: list[Finding]) -> list[Finding]:
    """A tool's "cannot load this file" adds nothing when we already say what is wrong in it."""
    invalid = {f.path for f in findings if f.tool == OWN and f.severity == "error"}
    return [f for f in findings if not (f.rule == "unparsable" and f.path in invalid)]


def _is_action_image(dockerfile: Path, root: Path) -> bool:
    """Whether a Docker container action (``runs.using: docker``) in the Dockerfile's
    directory or one above it, inside the project, builds this Dockerfile."""
    from mlops.workflow.model import ACTION_FILES
    from mlops.workflow.schema.actionfile import read_action

    target = dockerfile.resolve()
    root = root.resolve()
    for directory in target.parents:
        for name in ACTION_FILES:
            path = directory / name
            if not path.is_file():
                continue
            try:
                action = read_action(path, str(path)).action
            except Exception:  # the action's own checks report what is wrong with it
                continue
            if action is None or action.using != "docker":
                continue
            image = action.runs.get("image")
            if isinstance(image, str) and (directory / image).resolve() == target:
                return True
        if directory == root or root not in directory.parents:
            break
    return False


def _own_checks(files: list[LintFile], data: dict[Path, bytes], root: Path) -> list[Finding]:
    from mlops.lint import dockerfile, dvc, workflows

    findings: list[Finding] = []
    dvc_outputs: set[str] = set()
    for item in files:
        if item.kind == "dvc":
            dvc_outputs |= dvc.outputs_of(item.path, data[item.path])
    for item in files:
        content = data[item.path]
        try:
            if item.kind == "workflow":
                findings += workflows.lint_workflow(item.path, item.shown, content, item.root)
            elif item.kind == "action":
                findings += workflows.lint_action(item.path, item.shown, content, item.root)
            elif item.kind == "dvc":
                findings += dvc.lint_dvc_yaml(item.path, item.shown, content, tracked=dvc_outputs)
            elif item.kind == "params":
                findings += dvc.lint_params_file(item.path, item.shown, content)
            elif item.kind == "dockerfile":
                findings += dockerfile.lint_dockerfile(
                    item.shown, content, action_image=_is_action_image(item.path, item.root)
                )
        except Exception as error:  # a bug of ours must not hide the other files' findings
            findings.append(
                Finding(
                    item.shown,
                    1,
                    1,
                    "error",
                    "internal-error",
                    f"mlops lint failed on this file ({type(error).__name__}: {error}); "
                    "please report it",
                )
            )
    return findings
