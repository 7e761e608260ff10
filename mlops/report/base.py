"""Which revision the report compares with, and making sure git has it.

Default base: the pull request's base branch (``origin/<base.ref>``) from the event payload
at ``$GITHUB_EVENT_PATH`` on ``pull_request`` events, else the default branch
(``origin/HEAD``, then ``main``/``master``, local or on origin). A base that git does not
know is fetched from its remote once (``actions/checkout`` makes shallow clones); if that
fails the user gets one line with the fix, never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mlops import gitutil
from mlops.errors import UsageError

PR_EVENTS = ("pull_request", "pull_request_target")
FETCH_TIMEOUT = 120  # seconds


@dataclass(frozen=True)
class Revision:
    """A revision of the repository: what was asked for, and the commit it names."""

    spec: str  # as given or inferred, e.g. "origin/main"; "workspace" for the working tree
    sha: str | None  # full commit id; None for the workspace
    label: str  # short display name, e.g. "main"
    source: str = ""  # how it was chosen: "--base", "pull request event", "default branch"

    @property
    def short(self) -> str:
        return self.sha[:7] if self.sha else ""


def git(root: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    try:
        return gitutil.run(list(args), root, env={"LC_ALL": "C"}, timeout=timeout)
    except gitutil.GitNotFound:
        raise UsageError("git is not installed; mlops report compares git revisions") from None


def _rev_parse(root: Path, spec: str) -> str | None:
    result = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{spec}^{{commit}}")
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else None


def _remotes(root: Path) -> list[str]:
    return git(root, "remote").stdout.split()


def _is_shallow(root: Path) -> bool:
    return git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def _label(spec: str, remotes: list[str]) -> str:
    for remote in remotes:
        if spec.startswith(remote + "/"):
            return spec[len(remote) + 1 :]
    return spec


def event_base_ref(environ: dict[str, str] | None = None) -> str | None:
    """The pull request's base branch from the GitHub event, or None outside a PR event."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_EVENT_NAME") not in PR_EVENTS:
        return None
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path:
        try:
            payload = json.loads(Path(event_path).read_text(encoding="utf-8"))
            ref = payload["pull_request"]["base"]["ref"]
            if isinstance(ref, str) and ref:
                return ref
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return env.get("GITHUB_BASE_REF") or None


def default_base(root: Path, environ: dict[str, str] | None = None) -> tuple[str, str]:
    """(spec, how it was chosen) when --base is not given."""
    ref = event_base_ref(environ)
    if ref:
        return f"origin/{ref}", "pull request base"
    head = git(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD").stdout.strip()
    if head.startswith("refs/remotes/"):
        return head[len("refs/remotes/") :], "default branch (origin/HEAD)"
    for spec in ("main", "master", "origin/main", "origin/master"):
        if _rev_parse(root, spec):
            return spec, "default branch"
    raise UsageError(
        "no base revision to compare with: no origin/HEAD, main or master here; "
        "pass --base REV (a branch, tag or commit)"
    )


def _fetch(root: Path, remote: str, branch: str, shallow: bool) -> tuple[bool, str]:
    refspec = f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"
    args = ["fetch", "--no-tags", "--quiet"]
    if shallow:
        args.append("--depth=1")
    result = git(root, *args, remote, refspec, timeout=FETCH_TIMEOUT)
    lines = (result.stderr or result.stdout).strip().splitlines()
    return result.returncode == 0, (lines[-1] if lines else f"exit {result.returncode}")


def resolve_base(root: Path, spec: str | None, environ: dict[str, str] | None = None) -> Revision:
    """The base revision as a commit; fetch it once if git does not have it."""
    source = "--base"
    if spec is None:
        spec, source = default_base(root, environ)
    spec = spec.strip()
    if not spec or spec.startswith("-"):
        raise UsageError(
            f"invalid base revision {spec!r}: pass --base REV (a branch, tag or commit)"
        )
    if git(root, "rev-parse", "--git-dir").returncode != 0:
        raise UsageError(f"{root} is not inside a git repository; mlops report compares revisions")
    remotes = _remotes(root)
    sha = _rev_parse(root, spec)
    if sha:
        return Revision(spec, sha, _label(spec, remotes), source)

    shallow = _is_shallow(root)
    remote, branch = None, spec
    for name in remotes:
        if spec.startswith(name + "/"):
            remote, branch = name, spec[len(name) + 1 :]
            break
    else:
        remote = "origin" if "origin" in remotes else None
    fetch_note = ""
    if remote is not None and branch:
        fetched, detail = _fetch(root, remote, branch, shallow)
        if fetched:
            sha = _rev_parse(root, f"refs/remotes/{remote}/{branch}")
            if sha:
                return Revision(spec, sha, branch, source)
        fetch_note = f"; `git fetch {remote} {branch}` failed: {detail}"
    fetch_cmd = f"git fetch {remote or 'origin'} {branch}"
    if shallow:
        raise UsageError(
            f"base revision '{spec}' is not in this shallow clone{fetch_note}. "
            f"Fetch it first: set `fetch-depth: 0` on actions/checkout, or run `{fetch_cmd}`"
        )
    raise UsageError(
        f"unknown base revision '{spec}': not a branch, tag or commit in this repository"
        f"{fetch_note}. Pass an existing revision with --base, or run `{fetch_cmd}`"
    )


def head_revision(root: Path, environ: dict[str, str] | None = None) -> Revision:
    """The workspace, labelled with the PR's head branch, the current branch, or HEAD's id."""
    env = os.environ if environ is None else environ
    sha = _rev_parse(root, "HEAD")
    label = env.get("GITHUB_HEAD_REF") or ""
    if not label:
        branch = git(root, "symbolic-ref", "--quiet", "--short", "HEAD").stdout.strip()
        label = branch or (sha[:7] if sha else "workspace")
    return Revision("workspace", sha, label, "workspace")


def is_dirty(root: Path) -> bool:
    """Whether tracked files differ from HEAD (the report then includes uncommitted work)."""
    return bool(git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip())


def show_file(root: Path, sha: str, path: str) -> str | None:
    """A file's text at a commit (``path`` relative to ``root``), or None if absent there."""
    result = git(root, "show", f"{sha}:./{path}")  # ./ : relative to root, not the git top
    return result.stdout if result.returncode == 0 else None
