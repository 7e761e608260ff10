"""Read-only facts about the local git repository that events and the ``github`` context need.

The common facts (HEAD, branch, refs, remote URL, user name) are read straight from the
``.git`` directory, which is much faster than a ``git`` process each; anything less common
(merge bases, diffs, packed objects) asks ``git``. Never changes the repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mlops import gitutil
from mlops.errors import UsageError

_REMOTE = re.compile(r"(?:[:/])([^/:]+)/([^/]+?)(?:\.git)?/?$")


def _git(root: Path, *args: str) -> str | None:
    return gitutil.output(list(args), root)


def _config_values(path: Path) -> dict[str, str]:
    """``section.subsection.key`` -> value from a git config file (enough for remotes/user)."""
    values: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return values
    section = ""
    for raw in lines:
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            header = line.strip("[]").strip()
            name, _, sub = header.partition(" ")
            section = name.lower() + ("." + sub.strip().strip('"') if sub else "")
            continue
        key, sep, value = line.partition("=")
        if sep:
            values[f"{section}.{key.strip().lower()}"] = value.strip().strip('"')
    return values


def login_shaped(name: str) -> str:
    """``name`` as a GitHub login could be: letters, digits and single inner hyphens."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:39]


def _identity(line: str) -> dict[str, str]:
    """git's ``Name <email> seconds +hhmm`` as name, email and an ISO 8601 date."""
    name, _, rest = line.partition(" <")
    email, _, when = rest.partition("> ")
    seconds, _, zone = when.partition(" ")
    try:
        from datetime import datetime, timedelta, timezone

        sign = -1 if zone.startswith("-") else 1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
        date = datetime.fromtimestamp(int(seconds), timezone(offset)).isoformat()
    except (ValueError, IndexError):
        date = ""
    return {"name": name, "email": email, "date": date}


class GitDir:
    """Direct reads of a plain ``.git`` directory; ``None`` means: ask git instead."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def packed(self) -> dict[str, str]:
        refs: dict[str, str] = {}
        try:
            for line in (self.path / "packed-refs").read_text().splitlines():
                if line and line[0] not in "#^":
                    sha, _, name = line.partition(" ")
                    refs[name] = sha
        except OSError:
            pass
        return refs

    def ref(self, name: str) -> str | None:
        try:
            value = (self.path / name).read_text().strip()
        except OSError:
            return self.packed.get(name)
        if value.startswith("ref: "):
            return self.ref(value[5:])
        return value or None

    def head(self) -> tuple[str | None, str | None]:
        """(branch name or None when detached, sha or None)."""
        try:
            value = (self.path / "HEAD").read_text().strip()
        except OSError:
            return None, None
        if value.startswith("ref: refs/heads/"):
            branch = value[len("ref: refs/heads/") :]
            return branch, self.ref(value[5:])
        return None, value or None

    def commit(self, sha: str) -> dict[str, Any] | None:
        """A loose commit object: ``parents``, ``tree``, ``author`` and ``committer`` (git's
        ``Name <email> seconds zone``) and the full ``message``; None if packed or unreadable."""
        import zlib

        try:
            data = zlib.decompress((self.path / "objects" / sha[:2] / sha[2:]).read_bytes())
        except (OSError, zlib.error):
            return None
        header, _, body = data.partition(b"\0")
        if not header.startswith(b"commit "):
            return None
        head, _, message = body.decode("utf-8", errors="replace").partition("\n\n")
        commit: dict[str, Any] = {"parents": [], "message": message.strip()}
        for line in head.splitlines():
            key, _, value = line.partition(" ")
            if key == "parent":
                commit["parents"].append(value)
            elif key in ("tree", "author", "committer"):
                commit[key] = value
        return commit

    @cached_property
    def config(self) -> dict[str, str]:
        home = Path.home()
        xdg = Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"))
        merged: dict[str, str] = {}
        for path in (xdg / "git" / "config", home / ".gitconfig", self.path / "config"):
            merged.update(_config_values(path))
        return merged


@dataclass(eq=False)
class Repository:
    """A git work tree (or a plain directory: then the facts are placeholders)."""

    root: Path
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def at(cls, directory: Path) -> Repository:
        """The repository containing ``directory`` (found by walking up to a ``.git``)."""
        directory = directory.resolve()
        if not directory.is_dir():
            raise UsageError(f"-C {directory}: no such directory")
        for candidate in (directory, *directory.parents):
            if (candidate / ".git").exists():
                return cls(candidate)
        return cls(directory)

    @cached_property
    def is_git(self) -> bool:
        return (self.root / ".git").exists()

    @cached_property
    def gitdir(self) -> GitDir | None:
        """Direct reads for an ordinary repository (not a worktree or submodule link)."""
        path = self.root / ".git"
        return GitDir(path) if path.is_dir() and (path / "HEAD").is_file() else None

    @cached_property
    def _head(self) -> tuple[str | None, str | None]:
        if self.gitdir is not None:
            branch, sha = self.gitdir.head()
            if sha or branch:
                return branch, sha
        if not self.is_git:
            return None, None
        branch = _git(self.root, "symbolic-ref", "--quiet", "--short", "HEAD")
        return branch or None, _git(self.root, "rev-parse", "HEAD")

    @cached_property
    def sha(self) -> str:
        return self._head[1] or "0" * 40

    @cached_property
    def branch(self) -> str | None:
        return self._head[0]

    @cached_property
    def tag(self) -> str | None:
        name = self.is_git and _git(self.root, "describe", "--tags", "--exact-match", "HEAD")
        return name or None

    @cached_property
    def default_branch(self) -> str:
        """origin's HEAD branch, else main or master if present, else the current branch."""
        if self.gitdir is not None:
            try:
                head = (self.gitdir.path / "refs/remotes/origin/HEAD").read_text().strip()
            except OSError:
                head = ""
            if head.startswith("ref: refs/remotes/origin/"):
                return head[len("ref: refs/remotes/origin/") :]
            has: Callable[[str], str | None] = self.gitdir.ref
        else:
            origin_head = (
                _git(self.root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
                if self.is_git
                else None
            )
            if origin_head:
                return origin_head.split("/", 1)[1]

            def has(ref: str) -> str | None:
                if not self.is_git:
                    return None
                return _git(self.root, "rev-parse", "--verify", "--quiet", ref)

        for candidate in ("main", "master"):
            if has(f"refs/heads/{candidate}"):
                return candidate
        return self.branch or "main"

    def _config(self, key: str) -> str | None:
        if self.gitdir is not None:
            return self.gitdir.config.get(key)
        return (self.is_git and _git(self.root, "config", "--get", key)) or None

    @cached_property
    def owner_and_name(self) -> tuple[str, str]:
        url = self._config("remote.origin.url")
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
        """Who the run is for, as a GitHub login: git's ``github.user`` when set, else
        ``user.name`` in a login's shape (letters, digits, single hyphens), else mlops."""
        login = self._config("github.user") or self._config("user.name") or ""
        return login_shaped(login) or "mlops"

    @cached_property
    def head_commit(self) -> dict[str, Any]:
        """HEAD's ``parents``, ``tree``, full ``message``, and ``author`` and ``committer``
        (each ``{"name", "email", "date"}``, the date in ISO 8601); empty outside git."""
        raw = self.gitdir.commit(self.sha) if self.gitdir is not None else None
        if raw is not None:
            return {**raw, **{k: _identity(raw.get(k, "")) for k in ("author", "committer")}}
        fields = "%P%x00%T%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B"
        text = (self.is_git and _git(self.root, "log", "-1", f"--format={fields}")) or ""
        parts = text.split("\0")
        if len(parts) < 9:
            return {}
        parents, tree, an, ae, ad, cn, ce, cd, message = parts[:9]
        return {
            "parents": parents.split(),
            "tree": tree,
            "message": message.strip(),
            "author": {"name": an, "email": ae, "date": ad},
            "committer": {"name": cn, "email": ce, "date": cd},
        }

    @property
    def head_subject(self) -> str:
        message = self.head_commit.get("message", "")
        return message.splitlines()[0] if message else ""

    @property
    def parent_sha(self) -> str | None:
        parents = self.head_commit.get("parents") or []
        return parents[0] if parents else None

    def resolve(self, revision: str) -> str | None:
        if self.gitdir is not None and "~" not in revision and "^" not in revision:
            for ref in (
                f"refs/remotes/{revision}",
                f"refs/heads/{revision}",
                f"refs/tags/{revision}",
                revision,
            ):
                sha = self.gitdir.ref(ref) if ref.startswith("refs/") else None
                if sha and len(sha) == 40:
                    return sha
            if revision.startswith("origin/") or "/" not in revision:
                return None
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
