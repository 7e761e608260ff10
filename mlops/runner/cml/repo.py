"""``cml ci`` (``cml repo prepare``) and ``cml pr create``, confined to the job's own copy.

``cml ci`` sets the git identity in the job's workspace and honours ``--fetch-depth`` and
``--unshallow`` by fetching from ``origin`` — in a local run the user's repository, which a
fetch only reads. It does not point ``origin`` at GitHub with a token, as CML does: nothing
could use it offline, and ``git fetch origin main:main`` after ``cml ci`` must keep working.

``cml pr create`` does what CML does up to the push (src/cml.js prCreate): it commits the
changed files its globs name on a new branch ``<branch>-cml-pr-<sha8>`` in the job's
workspace; then, instead of pushing and opening the pull request, it records the would-be
pull request (title, body, branches, the commit as a patch) in the run record. The user's
repository and branches are never written.
"""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path
from typing import Any

from mlops.runner import safegit
from mlops.runner.cml import forge
from mlops.runner.cml.args import Parsed, UsageError
from mlops.runner.cml.comment import CommandFailed, warn
from mlops.runner.cml.store import Store, read_index

GIT_USER_NAME = "Olivaw[bot]"
GIT_USER_EMAIL = "olivaw@iterative.ai"


def _git(*args: str, cwd: Path | None = None, check: bool = True) -> str:
    result = safegit.run(list(args), cwd)
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise CommandFailed(f"git {args[0]}: {detail[-1] if detail else result.returncode}")
    return result.stdout.strip()


def workspace_root() -> Path:
    """The git work tree around the current directory; it must be inside the job's own files."""
    top = _git("rev-parse", "--show-toplevel", check=False)
    if not top:
        raise CommandFailed(f"{Path.cwd()} is not inside a git repository")
    root = Path(top).resolve()
    job_root = os.environ.get("MLOPS_JOB_ROOT")
    if job_root and not root.is_relative_to(Path(job_root).resolve()):
        raise CommandFailed(
            f"{root} is outside the job's workspace; the local cml changes only the job's copy"
        )
    # A `gitdir:` file or a link as .git would send the commits to another repository.
    for kind in ("--absolute-git-dir", "--git-common-dir"):
        where = Path(root, _git("rev-parse", kind, cwd=root)).resolve()
        if job_root and not where.is_relative_to(Path(job_root).resolve()):
            raise CommandFailed(
                f"{root}'s repository is {where}, outside the job's workspace; "
                "the local cml changes only the job's copy"
            )
    return root


def ci(store: Store, parsed: Parsed, *, log: bool = True) -> str:
    values = parsed.values
    root = workspace_root()
    _git("config", "--unset", "http.https://github.com/.extraheader", cwd=root, check=False)
    name = values.get("user-name") or GIT_USER_NAME
    email = values.get("user-email") or GIT_USER_EMAIL
    _git("config", "user.name", name, cwd=root)
    _git("config", "user.email", email, cwd=root)
    depth = values.get("fetch-depth")
    if depth is None and values.get("unshallow"):
        depth = 0
    fetched = ""
    if depth is not None:
        if depth <= 0:
            if _git("rev-parse", "--is-shallow-repository", cwd=root) == "true":
                _git("fetch", "--all", "--tags", "--unshallow", cwd=root)
                fetched = "unshallowed (all branches and tags)"
        else:
            _git("fetch", "--all", "--tags", "--depth", str(depth), cwd=root)
            fetched = f"fetched all branches and tags to depth {depth}"
    note = "origin left as the local repository (CML would point it at GitHub with the token)"
    if log:
        with store.locked():
            store.log(
                "ci",
                user_name=name,
                user_email=email,
                fetch=fetched,
                notes=[note],
            )
        identity = f"{name} <{email}>"
        print(f"cml: git identity {identity} set in the job's workspace; {note}", file=sys.stderr)
        if fetched:
            print(f"cml: {fetched}", file=sys.stderr)
    return ""


def _expand(patterns: list[str], cwd: Path) -> list[str]:
    """Files the globs name, relative to ``cwd`` (as globby: dot files too, a directory's files)."""
    found: set[str] = set()
    for pattern in patterns:
        # glob.glob, not Path.glob: it takes "**", "." and absolute patterns as globby does
        matches = glob.glob(pattern, root_dir=cwd, recursive=True, include_hidden=True)  # noqa: PTH207
        for match in matches:
            path = cwd / match
            if path.is_dir():
                for file in path.rglob("*"):
                    if file.is_file() and ".git" not in file.relative_to(cwd).parts:
                        found.add(file.relative_to(cwd).as_posix())
            elif path.is_file():
                found.add(Path(os.path.normpath(match)).as_posix())
    return sorted(found)


def _changed_files(root: Path) -> set[str]:
    out = safegit.run(["status", "--porcelain", "-z", "--untracked-files=all"], root).stdout
    files: set[str] = set()
    entries = out.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        files.add(entry[3:])
        if entry[0] in "RC":
            index += 1  # a rename's second path is the old name
    return files


def pr_create(store: Store, parsed: Parsed) -> str:
    values = parsed.values
    globs = parsed.positionals
    ci(store, parsed, log=False)
    root = workspace_root()
    cwd = Path.cwd()
    changed = _changed_files(root)
    if not changed and globs:
        warn("No changed files matched by glob path. Nothing to do.")
        return ""
    prefix = _git("rev-parse", "--show-prefix", cwd=cwd)
    paths = [p for p in _expand(globs, cwd) if prefix + p in changed]
    if not paths and globs:
        warn("Input files are not affected. Nothing to do.")
        return ""
    sha = forge.trigger_sha() or _git("rev-parse", "HEAD", cwd=root)
    short = sha[:8]
    target = forge.branch() or _git("branch", "--show-current", cwd=root)
    if values.get("target-branch"):
        wanted = values["target-branch"]
        known = _git("branch", "-a", "--format=%(refname:short)", cwd=root).splitlines()
        if wanted not in known and f"origin/{wanted}" not in known:
            raise CommandFailed("The target branch does not exist.")
        target = wanted
    source = values.get("branch") or f"{target}-cml-pr-{short}"
    for what, name in (("--target-branch", target), ("--branch", source), ("GITHUB_SHA", sha)):
        try:
            safegit.ref_name(name, what)
        except safegit.UnsafeValue as error:
            raise UsageError(str(error)) from None
    merge = next((m for m in ("merge", "rebase", "squash") if values.get(m)), None)
    with store.locked():
        existing = next(
            (
                e
                for e in read_index(store.record)
                if e.get("command") == "pr create" and e.get("source") == source
            ),
            None,
        )
        if existing is not None:
            warn(f"Branch {source} already exists")
            return _render(Path(existing["path"]), values.get("md"))
        commit = ""
        sha_known = _git(
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{sha}^{{commit}}",
            cwd=root,
            check=False,
        )
        if paths and sha_known:
            _git("checkout", "-B", target, sha, "--", cwd=root)  # both are ref names
        _git("checkout", "-b", source, cwd=root)
        if paths:
            _git("add", "--", *paths, cwd=cwd)
            message = values.get("message") or f"CML PR for {short}"
            if values.get("skip-ci") or (not values.get("message") and merge is None):
                message += " [skip ci]"
            _git("-c", "commit.gpgsign=false", "commit", "-q", "-m", message, cwd=root)
            commit = _git("rev-parse", "HEAD", cwd=root)
        title = values.get("title") or f"CML PR for {target} {short}"
        body = (
            values.get("body")
            or f"\nAutomated commits for {forge.repository_url()}/commit/{sha} created by CML.\n"
        )
        path = store.next_path("pulls")
        patch = path.with_suffix(".patch")
        if commit:
            patch.write_text(
                _git("format-patch", "-1", "--stdout", commit, "--", cwd=root) + "\n",
                encoding="utf-8",
            )
        path.write_text(_describe(title, body, source, target, commit, paths, merge), "utf-8")
        store.log(
            "pr create",
            title=title,
            body=body,
            source=source,
            target=target,
            commit=commit,
            files=[prefix + p for p in paths],
            merge=merge,
            path=str(path),
            patch=str(patch) if commit else "",
            notes=["not pushed: the branch exists only in the job's workspace"],
        )
    print(
        f"cml: pull request {source} -> {target} recorded (not pushed, not opened): {title}",
        file=sys.stderr,
    )
    return _render(path, values.get("md"))


def _describe(
    title: str,
    body: str,
    source: str,
    target: str,
    commit: str,
    paths: list[str],
    merge: str | None,
) -> str:
    lines = [f"# {title}", "", body.strip(), "", f"- branch: `{source}` -> `{target}`"]
    if commit:
        lines.append(f"- commit: `{commit}`")
    lines += [f"- file: `{p}`" for p in paths]
    if merge:
        lines.append(f"- {merge} once checks pass (CML's auto-merge)")
    return "\n".join(lines) + "\n"


def _render(path: Path, md: Any) -> str:
    url = path.as_uri()
    return f"[CML's Pull Request]({url})" if md else url


def no_positionals(parsed: Parsed) -> None:
    if parsed.positionals:
        raise UsageError(f"unexpected argument {parsed.positionals[0]!r}")
