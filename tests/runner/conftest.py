"""Helpers for runner tests: a git repository with workflows, and `mlops run` on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import tree_snapshot

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    record: Path | None

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def record_bytes(self) -> bytes:
        assert self.record is not None
        return b"".join(p.read_bytes() for p in sorted(self.record.rglob("*")) if p.is_file())


class Repo:
    def __init__(self, root: Path, cache: Path) -> None:
        self.root = root
        self.cache = cache

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={**os.environ, **GIT_ENV},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def workflow(self, text: str, name: str = "w.yml") -> Path:
        return self.write(f".github/workflows/{name}", text)

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-qm", message)

    def snapshot(self) -> dict[str, bytes]:
        return {
            **tree_snapshot(self.root),
            **{
                f".git/{p.relative_to(self.root / '.git')}": p.read_bytes()
                for p in (self.root / ".git").rglob("*")
                if p.is_file()
            },
        }

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
        result = subprocess.run(
            [sys.executable, "-m", "mlops", "run", *args, "-C", str(self.root)],
            env={**os.environ, "MLOPS_CACHE_DIR": str(self.cache), **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(result.returncode, result.stdout, result.stderr, newest_record(self.cache))


def newest_record(cache: Path) -> Path | None:
    runs = sorted((cache / "runs").glob("*")) if (cache / "runs").is_dir() else []
    return max(runs, key=lambda p: p.stat().st_mtime) if runs else None


def new_repo(tmp_path: Path) -> Repo:
    """A git repository with one commit and a GitHub origin, its own run-record cache."""
    root = tmp_path / "repo"
    root.mkdir()
    project = Repo(root, tmp_path / "cache")
    project.git("init", "-q", "-b", "main")
    project.git("remote", "add", "origin", "https://github.com/acme/widgets.git")
    project.write("README.md", "hello\n")
    project.commit("init")
    return project


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return new_repo(tmp_path)
