"""The local ``cml``: CML's commands as its docs and example workflows use them, offline.

CML itself runs only against GitHub; ``iterative/setup-cml`` in ``mlops run`` puts this on
PATH instead. What CML would send (comments, checks, pull requests, published files) goes
to the run record (``$MLOPS_RUN_RECORD``, see :mod:`mlops.runner.cml.store`) and is printed
at the end of the run. Commands that cannot work offline (``runner launch``,
``tensorboard connect``, ``workflow rerun``) exit 2 with one line saying so.

Usage: python -m mlops.runner.cml COMMAND [OPTIONS] [ARGS]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops.runner.cml.args import Option, Parsed, UsageError, parse

if TYPE_CHECKING:
    from mlops.runner.cml.store import Store

EXIT_FAILED = 1
EXIT_INVALID = 2

_COMMENT = {
    "target": Option(),
    "pr": Option("bool"),
    "commit-sha": Option(aliases=("head-sha",)),
    "watch": Option("bool"),
    "trigger-file": Option(),
    "publish": Option("bool", default=True),
    "publish-url": Option(default="https://asset.cml.dev"),
    "publish-native": Option("bool", aliases=("native",)),
    "update": Option("bool"),
    "rm-watermark": Option("bool"),
    "watermark-title": Option(default=""),
}
_CHECK = {
    "token": Option(),
    "commit-sha": Option(aliases=("head-sha",)),
    "conclusion": Option(
        default="success",
        choices=("success", "failure", "neutral", "cancelled", "skipped", "timed_out"),
    ),
    "status": Option(default="completed", choices=("queued", "in_progress", "completed")),
    "title": Option(default="CML Report"),
}
_PUBLISH = {
    "url": Option(),
    "md": Option("bool"),
    "title": Option(aliases=("t",)),
    "native": Option("bool"),
    "gitlab-uploads": Option("bool"),
    "rm-watermark": Option("bool"),
    "mime-type": Option(),
    "file": Option(aliases=("f",)),
}
_IDENTITY = {"user-email": Option(), "user-name": Option()}
_CI = {"fetch-depth": Option("number"), "unshallow": Option("bool"), **_IDENTITY}
_PR = {
    "md": Option("bool"),
    "skip-ci": Option("bool"),
    "merge": Option("bool", aliases=("auto-merge",)),
    "rebase": Option("bool"),
    "squash": Option("bool"),
    "branch": Option(),
    "target-branch": Option(),
    "title": Option(),
    "body": Option(),
    "message": Option(),
    "remote": Option(default="origin"),
    **_IDENTITY,
}

OFFLINE = {
    "runner": "cml runner launch registers a self-hosted runner with GitHub or provisions a "
    "cloud machine; it cannot work locally, where mlops run already runs the jobs on this machine",
    "tensorboard": "cml tensorboard connect cannot work: TensorBoard.dev has been shut down "
    "as of January 1, 2024 (CML fails on GitHub too)",
    "tensorboard-dev": "cml tensorboard-dev cannot work: TensorBoard.dev has been shut down "
    "as of January 1, 2024 (CML fails on GitHub too)",
    "workflow": "cml workflow rerun needs GitHub's API; it cannot work locally",
    "rerun-workflow": "cml rerun-workflow needs GitHub's API; it cannot work locally",
}


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    options: dict[str, Option]
    env_prefix: str
    run: Callable[..., str]
    deprecated: str = ""


def _commands() -> list[Command]:
    from mlops.runner.cml import comment, repo

    def create(store: Store, parsed: Parsed) -> str:
        return comment.comment_create(store, parsed, update=bool(parsed.values.get("update")))

    def update(store: Store, parsed: Parsed) -> str:
        return comment.comment_create(store, parsed, update=True)

    def ci(store: Store, parsed: Parsed) -> str:
        repo.no_positionals(parsed)
        return repo.ci(store, parsed)

    return [
        Command(("comment", "create"), _COMMENT, "CML_COMMENT", create),
        Command(("comment", "update"), _COMMENT, "CML_COMMENT", update),
        Command(
            ("send-comment",),
            _COMMENT,
            "CML_COMMENT",
            create,
            '"cml send-comment" is deprecated, please use "cml comment create"',
        ),
        Command(("check", "create"), _CHECK, "CML_CHECK", comment.check_create),
        Command(
            ("send-github-check",),
            _CHECK,
            "CML_CHECK",
            comment.check_create,
            '"cml send-github-check" is deprecated, please use "cml check create"',
        ),
        Command(("asset", "publish"), _PUBLISH, "CML_ASSET", comment.publish),
        Command(
            ("publish",),
            _PUBLISH,
            "CML_ASSET",
            comment.publish,
            '"cml publish" is deprecated since "cml comment" now supports "![inline](./asset.png)"',
        ),
        Command(("ci",), _CI, "CML_REPO", ci),
        Command(("repo", "prepare"), _CI, "CML_REPO", ci),
        Command(("pr", "create"), _PR, "CML_PR", repo.pr_create),
        Command(("pr",), _PR, "CML_PR", repo.pr_create),  # `cml pr [globs]`, as EGS uses it
    ]


def _find(argv: list[str]) -> tuple[Command | None, list[str]]:
    best: Command | None = None
    for command in _commands():
        size = len(command.words)
        if tuple(argv[:size]) == command.words and (best is None or size > len(best.words)):
            best = command
    return best, argv[len(best.words) :] if best else argv


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__.strip())
        return 0
    if argv[0] in OFFLINE:
        print(f"cml: {OFFLINE[argv[0]]}", file=sys.stderr)
        return EXIT_INVALID
    command, rest = _find(argv)
    if command is None:
        print(f"cml: unknown command {' '.join(argv[:2])!r}", file=sys.stderr)
        return EXIT_INVALID
    name = " ".join(command.words)
    try:
        parsed: Parsed = parse(rest, command.options, command.env_prefix)
    except UsageError as error:
        print(f"cml {name}: {error}", file=sys.stderr)
        return EXIT_INVALID
    from mlops.runner.cml.comment import CommandFailed, warn
    from mlops.runner.cml.store import from_environment

    store = from_environment()
    if store is None:
        print("cml: this local cml only runs inside `mlops run`", file=sys.stderr)
        return EXIT_INVALID
    if command.deprecated:
        warn(command.deprecated)
    try:
        output = command.run(store, parsed)
    except UsageError as error:
        print(f"cml {name}: {error}", file=sys.stderr)
        return EXIT_INVALID
    except CommandFailed as error:
        print(f"cml {name}: {error}", file=sys.stderr)
        return EXIT_FAILED
    if output:
        print(output)
    return 0
