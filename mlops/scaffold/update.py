"""``mlops update``: bring a project (or one component) to the current template version,
keeping the user's edits.

A 3-way merge done by git itself (``git merge-recursive``): the base is the pristine
rendering recorded when the project was rendered (:mod:`mlops.scaffold.pristine`), "ours"
is HEAD, "theirs" is what the template renders now with the recorded answers (plus
``--data``). Template changes to files the user edited elsewhere merge; an edit of the
same lines gives standard conflict markers, listed; a file the user deleted stays
deleted; new template files arrive. The result is left in the work tree and index for
review, like ``git merge --no-commit``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.errors import UsageError
from mlops.flagvalues import split_pairs
from mlops.scaffold import pristine
from mlops.scaffold.pristine import git
from mlops.scaffold.questions import check_answers, load_questions
from mlops.scaffold.render import (
    Source,
    read_answers,
    recorded_source,
    render,
    user_source,
)

ANSWERS_GLOB = ".copier-answers*.yml"


@dataclass
class ComponentUpdate:
    answers_file: str  # relative to the repository top
    source: str
    old_version: str
    new_version: str


@dataclass
class UpdateResult:
    components: list[ComponentUpdate]
    changes: list[tuple[str, str]] = field(default_factory=list)  # (status, path)
    conflicts: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    up_to_date: bool = False
    exact: bool = True  # False: versions compared, files unknown (no pristine rendering)


def update(
    path: Path,
    *,
    template: str | None = None,
    data: tuple[str, ...] | list[str] = (),
    pretend: bool = False,
    check: bool = False,
) -> UpdateResult:
    path = path.absolute()
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    directory = path if path.is_dir() else path.parent
    top = pristine.repository_top(directory)
    if top is None:
        raise UsageError(
            f"{directory} is not inside a git repository: mlops update merges with git "
            "(git init, and commit the project first)"
        )
    top = top.resolve()
    answers_files = [path] if path.is_file() else sorted(directory.glob(ANSWERS_GLOB))
    if not answers_files:
        raise UsageError(
            f"{directory} has no {ANSWERS_GLOB}: it was not made by mlops new or mlops generate"
        )
    overrides = dict(split_pairs(data, "--data", name="KEY"))
    if not check and not pretend:
        _require_clean(top)

    components: list[ComponentUpdate] = []
    old_entries: list[str] = []
    new_entries: list[str] = []
    renderings: list[tuple[bytes, str]] = []  # (new answers file, its pristine commit)
    exact = True
    with tempfile.TemporaryDirectory(prefix="mlops-update-") as scratch:
        for index, answers_path in enumerate(answers_files):
            answers_path = answers_path.resolve()
            prefix = answers_path.parent.relative_to(top).as_posix()
            prefix = "" if prefix == "." else prefix
            recorded = read_answers(answers_path)
            source = (
                user_source(template)
                if template
                else recorded_source(str(recorded.get("_src_path") or ""), answers_path)
            )
            old_version = str(recorded.get("_commit") or "")
            answers = {k: v for k, v in recorded.items() if not str(k).startswith("_")}
            answers.update(_checked(overrides, source))
            new_dir = Path(scratch) / f"new{index}"
            new_version = render(source, new_dir, answers, answers_file=answers_path.name)
            entries = pristine.tree_entries(new_dir, prefix, top)
            new_entries += entries
            renderings.append(
                (
                    (new_dir / answers_path.name).read_bytes(),
                    pristine.commit_tree(
                        top,
                        entries,
                        f"mlops: pristine rendering of {source.recorded} {new_version}",
                    ),
                )
            )
            base = pristine.load(top, answers_path.read_bytes())
            if base is None:
                base = _render_old(
                    source,
                    recorded,
                    answers_path,
                    old_version,
                    new_version,
                    Path(scratch) / f"old{index}",
                    top,
                    prefix,
                )
            if base is None:
                exact = False
            else:
                old_entries += pristine.entries_of(top, base)
            components.append(
                ComponentUpdate(
                    answers_path.relative_to(top).as_posix(),
                    source.recorded,
                    old_version,
                    new_version,
                )
            )
        new_commit = pristine.commit_tree(top, new_entries, "mlops: pristine rendering (update)")
        result = UpdateResult(components, exact=exact)
        if not exact:
            moved = any(c.old_version != c.new_version for c in components)
            if check or pretend or not moved:
                result.up_to_date = not moved
                return result
            raise UsageError(
                "the pristine rendering this update merges from is not in this clone "
                f"({pristine.REF_PREFIX}*, which git clone does not fetch): run "
                f"`git fetch origin '+{pristine.REF_PREFIX}*:{pristine.REF_PREFIX}*'` in a "
                "clone of the repository where the project was made"
            )
        old_commit = pristine.commit_tree(top, old_entries, "mlops: pristine rendering (before)")
        result.changes = _diff(top, old_commit, new_commit)
        result.up_to_date = not result.changes
        if check or pretend or result.up_to_date:
            if not (check or pretend):
                _store_all(top, renderings)
            return result
        _merge(top, old_commit, new_commit, components, result)
        _store_all(top, renderings)
    return result


def _checked(overrides: dict[str, str], source: Source) -> dict[str, Any]:
    if not overrides:
        return {}
    if source.builtin or Path(source.location).is_dir():
        return check_answers(overrides, load_questions(Path(source.location)))
    return dict(overrides)


def _render_old(
    source: Source,
    recorded: dict[str, Any],
    answers_path: Path,
    old_version: str,
    new_version: str,
    target: Path,
    top: Path,
    prefix: str,
) -> str | None:
    """No pristine rendering stored (a fresh clone): render the recorded version again
    when that is possible offline — the same built-in version, or a tag of a git template."""
    answers = {k: v for k, v in recorded.items() if not str(k).startswith("_")}
    if source.builtin and old_version != new_version:
        return None
    if not source.builtin and not old_version:
        return None
    try:
        render(
            source,
            target,
            answers,
            answers_file=answers_path.name,
            vcs_ref=None if source.builtin else old_version,
        )
    except UsageError as error:
        raise UsageError(
            f"{answers_path.name}: cannot render the recorded version {old_version} of "
            f"{source.recorded} again ({error})"
        ) from None
    return pristine.commit_tree(
        top, pristine.tree_entries(target, prefix, top), "mlops: pristine rendering (again)"
    )


def _require_clean(top: Path) -> None:
    if git(["rev-parse", "--verify", "--quiet", "HEAD"], top, check=False).returncode != 0:
        raise UsageError(f"{top} has no commit yet: commit the project, then update it")
    status = git(["status", "--porcelain", "--untracked-files=all"], top).stdout.splitlines()
    if status:
        shown = ", ".join(line[3:] for line in status[:5]) + (", …" if len(status) > 5 else "")
        raise UsageError(
            f"{top} has uncommitted changes ({shown}): commit or stash them first, so the "
            "update can be reviewed (and undone) on its own"
        )


def _diff(top: Path, old: str, new: str) -> list[tuple[str, str]]:
    lines = git(["diff-tree", "-r", "--no-renames", "--name-status", old, new], top).stdout
    return [(line[0], line[2:]) for line in lines.splitlines() if line]


def _merge(
    top: Path, old: str, new: str, components: list[ComponentUpdate], result: UpdateResult
) -> None:
    head_files = set(git(["ls-tree", "-r", "--name-only", "HEAD"], top).stdout.splitlines())
    old_files = set(git(["ls-tree", "-r", "--name-only", old], top).stdout.splitlines())
    deleted_by_user = old_files - head_files
    versions = ", ".join(sorted({c.new_version or "current" for c in components}))
    env = {f"GITHEAD_{new}": f"template {versions}", f"GITHEAD_{old}": "template before"}
    merged = git(["merge-recursive", old, "--", "HEAD", new], top, env=env, check=False)
    if merged.returncode not in (0, 1):  # 1: conflicts, left as markers
        detail = (merged.stderr or merged.stdout).strip().splitlines()
        raise UsageError(
            f"git merge-recursive failed: {detail[-1] if detail else merged.returncode}"
        )
    for name in sorted(deleted_by_user):
        if (top / name).exists() or name in _unmerged(top):
            git(["rm", "-q", "--force", "--", name], top, check=False)
            result.kept_deleted.append(name)
    for component in components:  # the tool's own file: always the new one
        answers_path = top / component.answers_file
        git(["checkout", new, "--", component.answers_file], top, check=False)
        if answers_path.exists():
            git(["add", "--", component.answers_file], top, check=False)
    result.conflicts = sorted(_unmerged(top))
    staged = git(["diff", "--cached", "--no-renames", "--name-status", "HEAD"], top).stdout
    result.changes = [
        (line[0], line[2:])
        for line in staged.splitlines()
        if line and line[2:] not in result.conflicts
    ]


def _unmerged(top: Path) -> set[str]:
    return set(git(["diff", "--name-only", "--diff-filter=U"], top).stdout.splitlines())


def _store_all(top: Path, renderings: list[tuple[bytes, str]]) -> None:
    """Each new rendering becomes the base of the next update (keyed by its answers)."""
    for answers_content, commit in renderings:
        pristine.store(top, answers_content, commit)
