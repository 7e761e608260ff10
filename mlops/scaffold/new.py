"""``mlops new``: render the project template into a new directory, atomically.

The template is rendered into a temporary directory first, so a failed answer or a
template error leaves nothing behind; only then are the files copied into place.
A directory that is not inside a git repository becomes one, with a first commit,
so DVC works at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops import gitutil
from mlops.errors import UsageError
from mlops.flagvalues import split_pairs
from mlops.scaffold.generate import record_pristine
from mlops.scaffold.questions import check_answers, load_questions
from mlops.scaffold.render import builtin_source, render, user_source

CSV_DESTINATION = Path("data/raw/dataset.csv")
ANSWERS_FILE = ".copier-answers.yml"


@dataclass
class NewResult:
    path: Path
    files: list[str]
    overwritten: list[str] = field(default_factory=list)
    git: str = "none"  # "initialized" | "existing" | "none"
    pretend: bool = False


def new_project(
    path: str | Path,
    *,
    template: str | None = None,
    data: tuple[str, ...] | list[str] = (),
    defaults: bool = False,
    force: bool = False,
    pretend: bool = False,
    interactive: bool = False,
    echo: Callable[[str], None] = lambda _: None,
) -> NewResult:
    """Create a project at ``path``; see ``mlops new --help`` for the options."""
    destination = Path(path).expanduser().absolute()
    _check_destination(destination, force)
    source = user_source(template) if template else builtin_source()
    answers: dict[str, Any] = dict(split_pairs(data, "--data", name="KEY"))
    if not source.remote:
        answers = check_answers(answers, load_questions(Path(source.location)))
    csv_source = _csv_source(answers)
    if not defaults and not interactive:
        raise UsageError(
            "no terminal to ask the template's questions on: pass --defaults "
            "(and --data KEY=VALUE for the answers to change)"
        )

    with tempfile.TemporaryDirectory(prefix="mlops-new-") as scratch:
        rendered = Path(scratch) / destination.name
        version = render(source, rendered, answers, answers_file=ANSWERS_FILE, defaults=defaults)
        if csv_source is not None:
            (rendered / CSV_DESTINATION).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(csv_source, rendered / CSV_DESTINATION)
        files = sorted(
            p.relative_to(rendered).as_posix() for p in rendered.rglob("*") if not p.is_dir()
        )
        overwritten = [f for f in files if (destination / f).exists()]
        result = NewResult(destination, files, overwritten, pretend=pretend)
        if pretend:
            return result
        csv_files = [CSV_DESTINATION] if csv_source is not None else []
        for name in csv_files:  # the user's data, not the template's: not in the pristine tree
            (rendered / name).unlink()
        _copy_into_place(rendered, destination)
        if csv_source is not None:
            shutil.copyfile(csv_source, destination / CSV_DESTINATION)
        result.git = _set_up_repository(destination, track_csv=bool(csv_files), echo=echo)
        if result.git != "none" and (rendered / ANSWERS_FILE).is_file():
            record_pristine(source, destination, rendered, ANSWERS_FILE, version)
    return result


def _check_destination(destination: Path, force: bool) -> None:
    if destination.exists() and not destination.is_dir():
        raise UsageError(f"{destination} exists and is not a directory")
    existing = destination
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{destination}: cannot write in {existing} (permission denied)")
    if destination.is_dir() and not force:
        entries = sorted(p.name for p in destination.iterdir())
        if entries:
            shown = ", ".join(entries[:8]) + (
                f", … ({len(entries)} entries)" if len(entries) > 8 else ""
            )
            raise UsageError(
                f"{destination} is not empty ({shown}); nothing was written. "
                "Pass --force to write the project into it, overwriting files of the same name"
            )


def _csv_source(answers: dict[str, Any]) -> Path | None:
    if answers.get("dataset") != "csv":
        return None
    raw = str(answers.get("csv_path") or "")
    if not raw:
        raise UsageError("--data dataset=csv needs --data csv_path=FILE (the CSV to train on)")
    csv_file = Path(raw).expanduser().absolute()
    if not csv_file.is_file():
        raise UsageError(f"--data csv_path={raw}: no such file")
    return csv_file


def _copy_into_place(rendered: Path, destination: Path) -> None:
    created = not destination.exists()
    try:
        shutil.copytree(rendered, destination, dirs_exist_ok=True, symlinks=True)
    except BaseException as error:
        if created:
            shutil.rmtree(destination, ignore_errors=True)
        if isinstance(error, shutil.Error):  # copytree's list of (source, target, why)
            target, why = error.args[0][0][1:] if error.args and error.args[0] else ("", error)
            raise UsageError(f"cannot write {target}: {why}") from None
        if isinstance(error, OSError):
            where = error.filename or destination
            raise UsageError(f"cannot write {where}: {error.strerror or error}") from None
        raise


def _git(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return gitutil.run(args, cwd, env=env)


def _set_up_repository(destination: Path, *, track_csv: bool, echo: Callable[[str], None]) -> str:
    if shutil.which("git") is None:
        echo("git is not installed: the project was not put under version control")
        return "none"
    inside = _git(["rev-parse", "--is-inside-work-tree"], destination)
    state = (
        "existing" if inside.returncode == 0 and inside.stdout.strip() == "true" else "initialized"
    )
    if state == "initialized":
        _check(_git(["init", "-q", "-b", "main"], destination), "git init")
    if track_csv:
        dvc = subprocess.run(
            [sys.executable, "-m", "dvc", "add", "-q", CSV_DESTINATION.as_posix()],
            cwd=destination,
            capture_output=True,
            text=True,
            check=False,
        )
        _check(dvc, f"dvc add {CSV_DESTINATION}")
    if state == "initialized":
        _check(_git(["add", "-A"], destination), "git add")
        commit = _git(
            ["commit", "-q", "-m", "Initial commit from mlops new"],
            destination,
            _identity_env(destination),
        )
        _check(commit, "git commit")
    return state


def _identity_env(destination: Path) -> dict[str, str] | None:
    """Fill in a placeholder for whatever part of git's identity is missing, so the first
    commit works on a machine where git was never configured."""
    configured = {
        key: _git(["config", f"user.{key.lower()}"], destination).stdout.strip()
        for key in ("NAME", "EMAIL")
    }
    if all(configured.values()):
        return None
    env = dict(os.environ)
    for role in ("AUTHOR", "COMMITTER"):
        for key, fallback in (("NAME", "mlops"), ("EMAIL", "mlops@localhost")):
            if not configured[key] and not env.get(f"GIT_{role}_{key}"):
                env[f"GIT_{role}_{key}"] = fallback
    return env


def _check(process: subprocess.CompletedProcess[str], what: str) -> None:
    if process.returncode != 0:
        detail = (process.stderr or process.stdout).strip().splitlines()
        raise UsageError(f"{what} failed: {detail[-1] if detail else f'exit {process.returncode}'}")
