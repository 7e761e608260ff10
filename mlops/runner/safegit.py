"""The one way the runner's machinery runs git: a fixed environment and configuration that no
repository, global config or host variable can turn into running a program.

A step (or a container, under the docker backend) can write ``.git/config`` in the workspace
before checkout or the cml stand-in runs git there. So every git call here:

- starts from an empty environment (no host variable reaches git or what it starts): a fixed
  ``PATH``, ``HOME`` and ``XDG_CONFIG_HOME`` an empty private directory, no system or global
  config, only the ``file`` transport (no ``ext::``, ssh or http helpers);
- overrides, from the command-line level that beats every config file, each setting able to
  run a program: ``core.fsmonitor``, hooks, pager, editor, askpass, credential helpers,
  ``core.sshCommand``, ``diff.external``, signing, submodule recursion, auto gc (a detached
  process); and, for the named sections the repository's config (includes followed) declares,
  ``filter.<name>`` smudge/clean/process, ``diff.<name>`` command/textconv, ``merge.<name>``
  drivers, ``remote.<name>`` upload/receive-pack and per-URL credential helpers. Overrides go
  through ``GIT_CONFIG_COUNT``/``KEY``/``VALUE``, never ``-c``, so no name is parsed;
- never passes a user value as an option: callers put ``--end-of-options`` before revisions
  and ``--`` before paths, and refs are checked (``ref_name``) before use.

The named sections are found by listing the config before git runs, so a config that changes
between that listing and git's own reading of it is not covered: callers never run git on a
repository a step or a container can write while git runs. Checkout runs git only on its own
clone outside the workspace (moved in last); the cml stand-in runs git as the step's own
process (host backend; the relay refuses its git commands from a container).

Aliases are not neutralised because only built-in commands are run here, and git never lets
an alias shadow a built-in. The ownership check (``safe.directory``) is lifted: a container
may own the workspace's files, and the repository's config is neutralised instead.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

from mlops.gitutil import GitNotFound, failure

FIXED_CONFIG = {
    "core.fsmonitor": "false",
    "core.hooksPath": os.devnull,
    "core.sshCommand": "false",
    "core.pager": "cat",
    "core.editor": ":",
    "sequence.editor": ":",
    "core.askPass": "",
    "core.attributesFile": os.devnull,
    "core.alternateRefsCommand": "",
    "core.gitProxy": "",
    "credential.helper": "",
    "diff.external": "",
    "commit.gpgSign": "false",
    "tag.gpgSign": "false",
    "gpg.program": "false",
    "protocol.allow": "never",
    "protocol.file.allow": "always",
    "submodule.recurse": "false",
    "fetch.recurseSubmodules": "false",
    "gc.auto": "0",
    "maintenance.auto": "false",
    "safe.directory": "*",
}

# Keys of named sections that name a program, and the value that makes them run nothing.
NAMED = [
    (re.compile(r"filter\..+\.(clean|smudge|process)", re.S), ""),
    (re.compile(r"filter\..+\.required", re.S), "false"),
    (re.compile(r"diff\..+\.(command|textconv)", re.S), ""),
    (re.compile(r"merge\..+\.driver", re.S), ""),
    (re.compile(r"remote\..+\.uploadpack", re.S), "git-upload-pack"),
    (re.compile(r"remote\..+\.receivepack", re.S), "git-receive-pack"),
    (re.compile(r"credential\..+\.helper", re.S), ""),
    (re.compile(r"gpg\..+\.program", re.S), "false"),
]

_REF = re.compile(r"[^\x00-\x20\x7f~^:?*\[\\]+")
_home: str | None = None


class UnsafeValue(ValueError):
    """A value that git would read as an option or that is no valid ref name."""


def ref_name(value: str, what: str = "ref") -> str:
    """``value`` if it can only be a ref, branch, tag or commit name (git's rules, and never
    starting with ``-``); else UnsafeValue saying why."""
    if (
        not value
        or value.startswith(("-", "/", "."))
        or value.endswith(("/", ".", ".lock"))
        or ".." in value
        or "//" in value
        or "@{" in value
        or "/." in value
        or value == "@"
        or not _REF.fullmatch(value)
    ):
        raise UnsafeValue(f"{what}: {value!r} is not a valid git ref name")
    return value


def _empty_home() -> str:
    global _home
    if _home is None or not os.path.isdir(_home):  # noqa: PTH112  (one stat)
        import tempfile  # only when git runs: kept off the start-up path

        _home = tempfile.mkdtemp(prefix="mlops-git-home-")
        atexit.register(shutil.rmtree, _home, ignore_errors=True)
    return _home


def _git_program() -> str:
    found = shutil.which("git")
    if found is None:
        raise GitNotFound("git is not installed")
    return found


def environment(config: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The whole environment of a hardened git: nothing from this process's own."""
    program = _git_program()
    home = _empty_home()
    settings = {**FIXED_CONFIG, **(config or {})}
    env = {
        "PATH": os.pathsep.join(dict.fromkeys([str(Path(program).parent), *os.defpath.split(":")])),
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_SYSTEM": os.devnull,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": "file",
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_PAGER": "cat",
        "GIT_EDITOR": ":",
        "GIT_CONFIG_COUNT": str(len(settings)),
    }
    for index, (key, value) in enumerate(settings.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    env.update(extra)
    return env


def _repository_overrides(cwd: Path | str | None, extra: dict[str, str]) -> dict[str, str]:
    """Neutral values for the named sections the repository's config declares."""
    listing = _spawn(["config", "--list", "--name-only", "-z"], cwd, environment(None, **extra))
    if listing.returncode != 0:  # not in a repository, or a config git cannot parse
        return {}
    overrides = {}
    for key in listing.stdout.split("\0"):
        for pattern, neutral in NAMED:
            if pattern.fullmatch(key):
                overrides[key] = neutral
    return overrides


def _spawn(
    args: list[str],
    cwd: Path | str | None,
    env: dict[str, str],
    *,
    input: str | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [_git_program(), *args],
            cwd=cwd,
            env=env,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", f"timed out after {timeout}s")


def run(
    args: list[str],
    cwd: Path | str | None,
    *,
    git_dir: Path | None = None,
    work_tree: Path | None = None,
    input: str | None = None,
    timeout: float | None = 600,
) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``cwd``, hardened; ``git_dir``/``work_tree`` pin the repository (no
    ``.git`` file or ``core.worktree`` can move it elsewhere)."""
    extra = {}
    if git_dir is not None:
        extra["GIT_DIR"] = str(git_dir)
        extra["GIT_WORK_TREE"] = str(work_tree or git_dir.parent)
    overrides = _repository_overrides(cwd, extra)
    return _spawn(args, cwd, environment(overrides, **extra), input=input, timeout=timeout)


def check(
    args: list[str],
    cwd: Path | str | None,
    *,
    error: type[Exception],
    git_dir: Path | None = None,
    work_tree: Path | None = None,
    input: str | None = None,
) -> str:
    """git's stdout; ``error(one line)`` when it exits non-zero."""
    process = run(args, cwd, git_dir=git_dir, work_tree=work_tree, input=input)
    if process.returncode != 0:
        raise error(failure(args, process))
    return process.stdout


def own_git_dir(top: Path) -> Path | None:
    """``top/.git`` if it is a real directory (not a link, not a ``gitdir:`` file that could
    send git to another repository); None otherwise."""
    git_dir = top / ".git"
    try:
        return git_dir if stat.S_ISDIR(os.lstat(git_dir).st_mode) else None
    except OSError:
        return None
