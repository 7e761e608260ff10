"""GitHub's command templates for ``shell:`` (GitHub's "jobs.<job_id>.steps[*].shell" reference,
https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax)."""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Callable

TEMPLATES: dict[str, tuple[list[str], str]] = {
    "bash": (["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"], ".sh"),
    "sh": (["sh", "-e", "{0}"], ".sh"),
    "python": (["python", "{0}"], ".py"),
    "pwsh": (["pwsh", "-command", ". '{0}'"], ".ps1"),
    "powershell": (["powershell", "-command", ". '{0}'"], ".ps1"),
}


class ShellError(ValueError):
    pass


def command_for(
    shell: str | None,
    script_path: str,
    path_env: str,
    which: Callable[[str, str], str | None] | None = None,
) -> list[str]:
    """The argv that runs ``script_path`` with ``shell`` (None: GitHub's default: bash when
    ``which`` finds it on ``path_env`` where the step runs, else sh)."""
    if not shell:
        found = which("bash", path_env) if which else shutil.which("bash", path=path_env)
        if found:
            return ["bash", "-e", script_path]
        return ["sh", "-e", script_path]
    if shell in TEMPLATES:
        return [part.replace("{0}", script_path) for part in TEMPLATES[shell][0]]
    if "{0}" not in shell:
        raise ShellError(
            f"shell {shell!r} is not one of {', '.join(TEMPLATES)} and has no {{0}} placeholder"
        )
    return [part.replace("{0}", script_path) for part in shlex.split(shell)]


def suffix_for(shell: str | None) -> str:
    if shell in TEMPLATES:
        return TEMPLATES[shell][1]
    return ".sh"
