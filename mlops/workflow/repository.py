"""Read-only facts about the local git repository that events and the ``github`` context need.

Runs ``git`` to read (rev-parse, config, diff --name-only); never changes the repository.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mlops.errors import UsageError

_REMOTE = re.compile(r"(?:[:/])([^/:]+)/([^/]+?)(?:\.git)?/?$")


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


@dataclass
class Repository:
    """A git work tree (or a plain directory: then the facts are placeholders)."""

    root: Path
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def at(cls, directory: Path) -> Repository:
        directory = directory.resolve()
        if not directory.is_dir():
            raise UsageError(f"-C {directory}: no such directory")
        top = _git(directory, "rev-parse", "--show-toplevel")
        return cls(Path(top) if top else directory)

    @cached_property
    def is_git(self) -> bool:
        return (self.root / ".git").exists()

    @cached_property
    def sha(self) -> str:
        return (self.is_git and _git(self.root, "rev-parse", "HEAD")) or "0" * 40

    @cached_property
    def branch(self) -> str | None:
        name = self.is_git and _git(self.root, "symbolic-ref", "--quiet", "--short", "HEAD")
        return name or None

    @cached_property
    def tag(self) -> str | None:
        name = self.is_git and _git(self.root, "describe", "--tags", "--exact-match", "HEAD")
        return name or None

    @cached_property
    def default_branch(self) -> str:
        head = self.is_git and _git(
            self.root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"
        )
        if head:
            return head.split("/", 1)[1]
        for candidate in ("main", "master"):
            if self.is_git and _git(
                self.root, "rev-parse", "--verify", "--quiet", f"refs/heads/{candidate}"
            ):
                return candidate
        return self.branch or "main"

    @cached_property
    def owner_and_name(self) -> tuple[str, str]:
        url = self.is_git and _git(self.root, "config", "--get", "remote.origin.url")
        match = _REMOTE.search(url) if url else None
        if match:
            return match.group(1), match.group(2)
        return "local", self.root.name

    @property
    def full_name(self) -> str:
        owner, name = self.owner_and_name
        return f"{owner}/{name}"

    @cached_property
    def actor(self) -> str:
        return (self.is_git and _git(self.root, "config", "user.name")) or "mlops"

    @cached_property
    def head_subject(self) -> str:
        return (self.is_git and _git(self.root, "log", "-1", "--format=%s")) or ""

    def resolve(self, revision: str) -> str | None:
        return _git(self.root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")

    def merge_base(self, revision: str) -> str | None:
        return _git(self.root, "merge-base", revision, "HEAD")

    def changed_files(self, base: str | None) -> list[str]:
        """Files changed since ``base`` (committed or not); the last commit's when no base."""
        if not self.is_git:
            return []
        names: set[str] = set()
        if base:
            names.update((_git(self.root, "diff", "--name-only", base, "HEAD") or "").splitlines())
        else:
            parent = _git(self.root, "rev-parse", "--verify", "--quiet", "HEAD~1")
            if parent:
                names.update(
                    (_git(self.root, "diff", "--name-only", parent, "HEAD") or "").splitlines()
                )
            else:
                names.update((_git(self.root, "ls-files") or "").splitlines())
        names.update((_git(self.root, "diff", "--name-only", "HEAD") or "").splitlines())
        names.update(
            (_git(self.root, "ls-files", "--others", "--exclude-standard") or "").splitlines()
        )
        return sorted(n for n in names if n)
