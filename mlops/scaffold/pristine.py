"""The pristine rendering of a template, kept in the project's own git repository.

``mlops update`` merges three trees: what the template rendered last time (the pristine
rendering), what the project has now (HEAD) and what the template renders now. The first
is stored when a project or component is rendered, as a commit object (not on any branch)
under ``refs/mlops/pristine/<id of the answers file's content>``: the answers file names
the template version and the answers, so its content identifies the rendering, and a
reset or an edit of the answers can never pair a rendering with the wrong answers.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from mlops import gitutil
from mlops.errors import UsageError

REF_PREFIX = "refs/mlops/pristine/"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "mlops",
    "GIT_AUTHOR_EMAIL": "mlops@localhost",
    "GIT_COMMITTER_NAME": "mlops",
    "GIT_COMMITTER_EMAIL": "mlops@localhost",
}


def git(
    args: list[str],
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    input: str | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    process = gitutil.run(args, cwd, env=env, input=input)
    if check and process.returncode != 0:
        raise UsageError(gitutil.failure(args, process))
    return process


def repository_top(path: Path) -> Path | None:
    """The top of the git work tree holding ``path``, or None outside git."""
    try:
        process = git(["rev-parse", "--show-toplevel"], path, check=False)
    except FileNotFoundError:  # git is not installed
        return None
    return Path(process.stdout.strip()) if process.returncode == 0 else None


def answers_id(top: Path, content: bytes) -> str:
    args = ["hash-object", "--stdin"]
    process = gitutil.run(args, top, input=content, text=False)
    if process.returncode != 0:
        raise UsageError(gitutil.failure(args, process))
    return process.stdout.decode().strip()


def tree_entries(rendered: Path, prefix: str, top: Path) -> list[str]:
    """``git update-index --index-info`` lines for every file under ``rendered``, at
    ``prefix`` in the repository; the blobs are written to the object database."""
    files = sorted(p for p in rendered.rglob("*") if p.is_symlink() or p.is_file())
    regular = [p for p in files if not p.is_symlink()]
    shas = git(
        ["hash-object", "-w", "--no-filters", "--stdin-paths"],
        top,
        input="".join(f"{p}\n" for p in regular),
    ).stdout.split()
    sha_of = dict(zip(regular, shas, strict=True))
    lines = []
    for path in files:
        name = (Path(prefix) / path.relative_to(rendered)).as_posix()
        if path.is_symlink():
            target = str(path.readlink())
            sha = git(["hash-object", "-w", "--stdin"], top, input=target).stdout.strip()
            mode = "120000"
        else:
            sha = sha_of[path]
            mode = "100755" if os.access(path, os.X_OK) else "100644"
        lines.append(f"{mode} {sha}\t{name}\n")
    return lines


def commit_tree(top: Path, entries: Iterable[str], message: str) -> str:
    """A parentless commit of exactly ``entries`` (a temporary index; the user's index and
    work tree are not touched)."""
    with tempfile.TemporaryDirectory(prefix="mlops-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index"), **_IDENTITY}
        git(["update-index", "--index-info"], top, env=env, input="".join(entries))
        tree = git(["write-tree"], top, env=env).stdout.strip()
    return git(["commit-tree", tree, "-m", message], top, env=_IDENTITY).stdout.strip()


def entries_of(top: Path, commit: str) -> list[str]:
    listing = git(["ls-tree", "-r", "-z", "--full-tree", commit], top).stdout
    return [f"{item}\n" for item in listing.split("\0") if item]


def store(top: Path, answers_content: bytes, commit: str) -> str:
    ref = REF_PREFIX + answers_id(top, answers_content)
    git(["update-ref", ref, commit], top)
    return ref


def load(top: Path, answers_content: bytes) -> str | None:
    ref = REF_PREFIX + answers_id(top, answers_content)
    process = git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top, check=False)
    return process.stdout.strip() or None


def record(top: Path, rendered: Path, prefix: str, answers_file: str, message: str) -> str:
    """Store ``rendered`` (at ``prefix`` in the repository) as the pristine rendering of
    the answers file ``answers_file`` (relative to ``rendered``); return the commit."""
    commit = commit_tree(top, tree_entries(rendered, prefix, top), message)
    store(top, (rendered / answers_file).read_bytes(), commit)
    return commit
