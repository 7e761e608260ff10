"""Which files ``mlops lint`` reads: workflows, action.yml, dvc.yaml, params.yaml, Dockerfiles.

With no PATH: the repository around the current directory. A directory PATH: the same files
under it. A file PATH: that file, its kind known from its name (any other ``*.yml``/``*.yaml``
is read as a workflow). In a git repository, ``git ls-files`` lists the candidates, so ignored
files (virtualenvs, data) are left out; elsewhere the tree is walked, skipping hidden and
dependency directories.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mlops import gitutil
from mlops.errors import UsageError
from mlops.workflow.model import ACTION_FILES

_SKIP_DIRS = {
    ".git",
    ".dvc",
    ".hg",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
}


def kind_of(path: Path, *, explicit: bool) -> str | None:
    """workflow | action | dvc | params | dockerfile, or None for a file lint does not read."""
    name = path.name
    lower = name.lower()
    parts = path.parts
    if name in ACTION_FILES:
        return "action"
    if name == "dvc.yaml":
        return "dvc"
    if name == "params.yaml":
        return "params"
    if lower.endswith(".jinja") and not explicit:  # a template (Dockerfile.jinja), not a file
        return None
    if name.startswith(("Dockerfile", "Containerfile")) or lower.endswith(".dockerfile"):
        return "dockerfile"
    if lower.endswith((".yml", ".yaml")):
        if len(parts) >= 3 and parts[-2] == "workflows" and parts[-3] == ".github":
            return "workflow"
        if explicit:
            return "workflow"
    return None


def repository_root(start: Path) -> Path:
    """The nearest directory with a ``.git``; else ``start``."""
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def _git_files(directory: Path) -> list[Path] | None:
    try:
        completed = gitutil.run(
            ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            directory,
            timeout=60,
            text=False,
        )
    except (gitutil.GitNotFound, OSError):
        return None
    if completed.returncode != 0:
        return None
    names = completed.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    return [directory / name for name in names if name]


def _walk(directory: Path) -> list[Path]:
    found: list[Path] = []
    for current, dirs, files in os.walk(directory):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIP_DIRS
            and (not d.startswith(".") or d == ".github")
            and not (Path(current) / d / "pyvenv.cfg").exists()
        )
        found.extend(Path(current) / f for f in files)
    return found


def files_in(directory: Path) -> list[tuple[Path, str]]:
    """(file, kind) for every lintable file under ``directory``."""
    # The workflows directory of `directory` itself, or the one `directory` is part of.
    own_workflows = {directory / ".github" / "workflows"}
    if directory.name == ".github":
        own_workflows.add(directory / "workflows")
    if directory.name == "workflows" and directory.parent.name == ".github":
        own_workflows.add(directory)
    candidates = _git_files(directory)
    if candidates is None:
        candidates = _walk(directory)
    result: list[tuple[Path, str]] = []
    for path in candidates:
        kind = kind_of(path, explicit=False)
        if kind is None:
            continue
        if kind == "workflow" and path.parent not in own_workflows:
            continue  # not workflows of nested copies (test data, vendored repositories)
        if kind == "action" and _in_nested_github(path, directory):
            continue  # nor the local actions of such copies (under their own .github/)
        if not path.is_file():
            continue  # listed by git but deleted
        if kind == "dockerfile" and _is_template(path, directory):
            continue  # a cookiecutter/copier template of a Dockerfile, not one
        result.append((path, kind))
    return sorted(result)


# Jinja syntax: a tag ({% if %}) or a variable of a name ({{ cookiecutter.x }}); Docker's own
# Go templates ({{.Id}}, {{ json .Config }}) start with a dot or a function, so do not match.
_JINJA = re.compile(r"\{%-?\s|\{\{-?\s*[A-Za-z_][\w.]*\s*-?\}\}")


def _is_template(path: Path, directory: Path) -> bool:
    if any("{{" in part for part in path.relative_to(directory).parts):
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16).decode("utf-8", errors="replace")
    except OSError:
        return False
    return _JINJA.search(head) is not None


def _in_nested_github(path: Path, directory: Path) -> bool:
    """Whether ``path`` is under a ``.github`` directory that is not ``directory``'s own."""
    own = (
        {directory / ".github", directory}
        if directory.name == ".github"
        else {directory / ".github"}
    )
    return any(parent.name == ".github" and parent not in own for parent in path.parents)


def collect(paths: list[str], cwd: Path) -> tuple[Path, list[tuple[Path, str]]]:
    """The root the tools run in, and (file, kind) for everything to lint, without repeats."""
    if not paths:
        root = repository_root(cwd)
        return root, files_in(root)
    seen: set[Path] = set()
    result: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        if not path.is_absolute():
            path = cwd / path
        if path.is_dir():
            found = files_in(path)
        elif path.is_file():
            kind = kind_of(path, explicit=True)
            if kind is None:
                raise UsageError(
                    f"{given}: not a file mlops lint reads (workflows and other *.yml, "
                    "action.yml, dvc.yaml, params.yaml, Dockerfile*)"
                )
            found = [(path, kind)]
        else:
            raise UsageError(f"{given}: no such file or directory")
        for file, kind in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                result.append((file, kind))
    return cwd, result
