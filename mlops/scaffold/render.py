"""Render a copier template into a scratch directory, with one-line errors.

A template source is the template built into mlops (one of its components), a local
directory or a git URL (copier's model: versions are the repository's tags). The answers
file records the built-in template as ``mlops:<component>`` and its version (the mlops
version that shipped it), never a path on the machine that rendered it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlops import DISTRIBUTION, __version__
from mlops.errors import UsageError
from mlops.scaffold.templates import project_template

BUILTIN_PREFIX = "mlops:"
_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|gh:|gl:)")


@dataclass(frozen=True)
class Source:
    """Where a template comes from, and what the answers file records about it."""

    location: str  # what copier opens: an absolute directory or a URL
    recorded: str  # the answers file's _src_path
    component: str | None = None  # the built-in template's component, else None

    @property
    def builtin(self) -> bool:
        return self.component is not None

    @property
    def remote(self) -> bool:
        return bool(_REMOTE.match(self.location))


def builtin_source(component: str = "project") -> Source:
    return Source(str(project_template()), f"{BUILTIN_PREFIX}{component}", component)


def user_source(template: str) -> Source:
    """``--template SRC``: a git URL as given, a local directory made absolute (copier
    records it, and a relative path breaks a later update from another directory)."""
    if _REMOTE.match(template):
        return Source(template, template)
    local = Path(template).expanduser().absolute()
    if not local.is_dir():
        raise UsageError(f"--template {template}: no such directory")
    return Source(str(local), str(local))


def recorded_source(recorded: str, answers_file: Path) -> Source:
    """The source an answers file names."""
    if recorded.startswith(BUILTIN_PREFIX):
        return builtin_source(recorded.removeprefix(BUILTIN_PREFIX))
    if _REMOTE.match(recorded):
        return Source(recorded, recorded)
    if not Path(recorded).is_dir():
        raise UsageError(
            f"{answers_file}: the template {recorded} is not there any more; "
            "pass --template SRC to say where it is now"
        )
    return Source(recorded, recorded)


def render(
    source: Source,
    target: Path,
    answers: dict[str, Any],
    *,
    answers_file: str,
    defaults: bool = True,
    vcs_ref: str | None = None,
) -> str:
    """Render ``source`` into ``target``; return the template version rendered ("" when
    the template has none: a plain directory)."""
    import copier  # heavy (~0.7 s): imported only when something is rendered
    from copier.errors import CopierAnswersInterrupt, CopierError

    data = dict(answers)
    if source.builtin:
        data["mlops_requirement"] = f"{DISTRIBUTION}=={__version__}"
        data["running_python"] = f"{sys.version_info[0]}.{sys.version_info[1]}"
        if source.component != "project":
            data["component"] = source.component
    try:
        copier.run_copy(
            source.location,
            target,
            data=data,
            defaults=defaults,
            overwrite=True,
            quiet=True,
            unsafe=False,
            cleanup_on_error=True,
            answers_file=answers_file,
            vcs_ref=vcs_ref,
        )
    except CopierAnswersInterrupt:
        raise KeyboardInterrupt from None
    except (CopierError, ValueError) as error:
        raise UsageError(_one_line(str(error))) from None
    except Exception as error:  # git failures from copier's plumbing (missing tag, bad URL)
        if type(error).__name__ != "ProcessExecutionError":
            raise
        raise UsageError(f"template {source.recorded}: {_git_reason(error)}") from None
    stamped = target / answers_file
    if source.builtin:
        _stamp(stamped, source.recorded, __version__)
        return __version__
    return str(read_answers(stamped).get("_commit") or "") if stamped.is_file() else ""


def read_answers(answers_file: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise UsageError(f"{answers_file}: cannot read the answers: {error}") from None
    if not isinstance(loaded, dict):
        raise UsageError(f"{answers_file}: not an answers file (expected a mapping)")
    return loaded


def _stamp(answers_file: Path, recorded: str, version: str) -> None:
    """Record the built-in template by name and version instead of copier's absolute path."""
    if not answers_file.is_file():
        return
    lines = [
        line
        for line in answers_file.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith(("_src_path:", "_commit:"))
    ]
    first_answer = next(
        (i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")),
        len(lines),
    )
    lines[first_answer:first_answer] = [f"_commit: '{version}'\n", f"_src_path: {recorded}\n"]
    answers_file.write_text("".join(lines), encoding="utf-8")


def _git_reason(error: Exception) -> str:
    stderr = str(getattr(error, "stderr", "") or error).strip().splitlines()
    fatal = [line for line in stderr if line.startswith(("fatal:", "error:"))]
    return (fatal or stderr or ["git failed"])[-1]


def _one_line(message: str) -> str:
    return " ".join(message.split())
