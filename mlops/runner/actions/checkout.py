"""actions/checkout, locally: the job's workspace becomes a copy of the local repository.

The copy holds the committed history (a local ``git clone``; shallow unless
``fetch-depth: 0``, as on GitHub) plus the working tree as it is now — tracked files with
their uncommitted changes and untracked files git does not ignore. The user's tree is only
read. ``origin/<branch>`` refs in the copy are the local branches, so ``git diff origin/main``
and ``dvc metrics diff origin/main`` compare against the local main.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner import safegit
from mlops.runner.containment import OutsideJob, contained
from mlops.runner.files import Tree
from mlops.runner.steps.base import StepFailure

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


def _git(args: list[str], cwd: Path, *, git_dir: Path | None = None) -> str:
    """Hardened git in ``cwd``: in the repository ``git_dir`` with ``cwd`` as its work tree
    when given, else in the one git finds there (the user's own repository)."""
    return safegit.check(args, cwd, error=StepFailure, git_dir=git_dir, work_tree=cwd)


def working_tree_files(source: Path, *, git_dir: Path | None = None) -> list[str]:
    """Tracked files that exist now, plus untracked files that are not ignored."""
    out = _git(
        ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], source, git_dir=git_dir
    )
    return sorted(
        {
            name
            for name in out.split("\0")
            if (name and (source / name).is_file()) or (name and (source / name).is_symlink())
        }
    )


def copy_repository(
    source: Path,
    target: Tree,
    into: str,
    *,
    depth: int,
    scratch: Path,
    shared: bool = True,
    ref: str = "",
) -> tuple[int, str]:
    """The copy, in ``into`` below ``target``: (files in it, its HEAD commit). ``shared``
    borrows the full history's objects from ``source`` (fast, but only where ``source`` can
    be read: not in a container, which gets its own copy); ``ref`` is then checked out.

    git clones into ``scratch``, a directory no step can reach, and every git command on the
    copy runs with that repository (``GIT_DIR``): git never reads a ``.git/config`` a step or
    a container can write while it runs, so there is no window between checking that config
    and git reading it. git never writes in the workspace either: a ref is checked out in
    ``scratch``'s own work tree. The files are written through :mod:`mlops.runner.files` (a
    link a step left in the workspace is replaced, never written through) and the repository
    moves into the workspace last."""
    target.mkdir(into)
    work_tree = target.path / into
    if not (source / ".git").exists():
        names = _all(source)
        with Tree(source) as tree:
            for name in names:
                tree.copy(name, target, f"{into}/{name}")
        return len(names), ""
    clone = ["clone", "--quiet", "--no-checkout"]
    if depth:
        clone += [f"--depth={depth}", "--", f"file://{source}"]
    else:  # copies, not hard links: a container must not reach the user's objects
        clone += ["--shared" if shared else "--no-hardlinks", "--", str(source)]
    try:
        _git([*clone, str(scratch)], source)
        git_dir = scratch / ".git"
        names = working_tree_files(source)
        with Tree(source) as user_files, Tree(scratch) as private:
            origin = user_files
            if ref:  # the user's files, then the ref's, in scratch; the result is copied
                for name in names:
                    user_files.copy(name, private, name)
                _git(["reset", "--quiet"], scratch, git_dir=git_dir)
                # ref_name: never an option (git 2.39's checkout has no --end-of-options)
                _git(["checkout", "--quiet", "--force", ref, "--"], scratch, git_dir=git_dir)
                checked_out = working_tree_files(scratch, git_dir=git_dir)
                for name in set(names) - set(checked_out):  # files the ref does not have
                    target.remove(f"{into}/{name}")
                origin, names = private, checked_out
            for name in names:
                origin.copy(name, target, f"{into}/{name}")
        _git(["reset", "--quiet"], work_tree, git_dir=git_dir)  # index = HEAD; changes show
        files = len(working_tree_files(work_tree, git_dir=git_dir))
        sha = _git(["rev-parse", "HEAD"], work_tree, git_dir=git_dir).strip()
        target.remove(f"{into}/.git")
        with target.directory(into) as directory:
            os.rename(git_dir, ".git", dst_dir_fd=directory)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return files, sha


def _all(source: Path) -> list[str]:
    return [str(p.relative_to(source)) for p in source.rglob("*") if p.is_file()]


def run(
    job: JobRun, step: Step, inputs: dict[str, str], env: dict[str, str], timeout: float
) -> tuple[dict[str, str], bool, str]:
    repository = inputs.get("repository", "")
    own = job.contexts["github"]["repository"]
    if repository and repository.lower() != own.lower():
        mapped = next(
            (
                path
                for key, path in job.state.options.local_repositories.items()
                if key.split("@")[0].lower() == repository.lower()
            ),
            None,
        )
        if mapped is None:
            raise StepFailure(
                f"checkout of another repository ({repository}) needs "
                f"--local-repository {repository}@REF=PATH"
            )
        source = mapped
    else:
        source = job.state.repo.root
    target = job.workspace
    if inputs.get("path"):  # GitHub's checkout refuses a path outside the workspace too
        try:
            target = contained(job, inputs["path"], "path", [job.workspace])
        except OutsideJob:
            resolved = (job.workspace / inputs["path"]).resolve()
            raise StepFailure(
                f"path: repository path '{resolved}' is not under '{job.workspace}'"
            ) from None
    try:
        depth = int(inputs.get("fetch-depth", "1") or "1")
    except ValueError:
        raise StepFailure(f"fetch-depth must be a number, got {inputs['fetch-depth']!r}") from None
    ref = inputs.get("ref", "")
    if ref:
        try:
            safegit.ref_name(ref, "ref")
        except safegit.UnsafeValue as error:
            raise StepFailure(str(error)) from None
    scratch = job.state.work_root / f"checkout-{os.urandom(6).hex()}"  # never mounted
    with Tree(job.workspace) as workspace:
        into = os.path.relpath(target, os.path.realpath(job.workspace))
        if inputs.get("clean", "true") == "true":
            with contextlib.suppress(FileNotFoundError):
                for name, _info in workspace.scandir(into):
                    workspace.remove(f"{into}/{name}")
        files, sha = copy_repository(
            source,
            workspace,
            into,
            depth=max(depth, 0),
            scratch=scratch,
            shared=job.backend.local,
            ref=ref,
        )
    job.state.reporter.line(
        job.key,
        f"checkout: copied {source} into the job's workspace "
        f"({files} files, {'full history' if depth == 0 else f'depth {depth}'})",
    )
    return {"ref": ref, "commit": sha}, False, ""
