"""The ``mlops`` command line: the command group and the mapping of errors to exit codes.

Each command lives beside the library it drives (``scaffold/command.py``,
``runner/command.py``, ``report/command.py``, ``lint/command.py``) and is imported only
when used; heavy modules (copier, dvc, matplotlib) are imported inside the commands, so
``mlops --help`` stays fast.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from typing import ClassVar, NoReturn

import click

from mlops import __version__
from mlops.clicommon import CONTEXT_SETTINGS
from mlops.clicommon import echo_err as _err
from mlops.errors import EXIT_INVALID, MlopsError


class LazyGroup(click.Group):
    """The commands, each in its own module, imported only when used (or listed by --help)."""

    lazy_commands: ClassVar[dict[str, tuple[str, str]]] = {
        "new": ("mlops.scaffold.command", "new_command"),
        "generate": ("mlops.scaffold.lifecycle_command", "generate_command"),
        "update": ("mlops.scaffold.lifecycle_command", "update_command"),
        "run": ("mlops.runner.command", "run_command"),
        "report": ("mlops.report.command", "report_command"),
        "lint": ("mlops.lint.command", "lint_command"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands:
            import importlib

            module, attribute = self.lazy_commands[name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="mlops")
def cli() -> None:
    """GitOps-driven CI/CD for machine-learning projects.

    Start a project with `mlops new`, then work with dvc, git and pull requests as usual.
    """


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one line on stderr and an exit code for every user error."""
    # What is imported lives until exit: keep it out of every garbage collection, the one
    # at interpreter exit included (tens of ms for a short command). Commands that import
    # much more load it the same way (``clicommon.loading``). The console script turned the
    # collector off while it loaded this module (mlops.__main__).
    gc.freeze()
    gc.enable()
    try:
        cli.main(args=argv, prog_name="mlops", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:  # bare `mlops`: help on stdout, exit 0
        click.echo(error.ctx.get_help() if error.ctx else str(error))
        sys.exit(0)
    except click.UsageError as error:
        command = error.ctx.command_path if error.ctx else "mlops"
        _err(f"{command}: error: {error.format_message()} (see '{command} --help')")
        sys.exit(EXIT_INVALID)
    except click.exceptions.Exit as exit_:
        sys.exit(exit_.exit_code)
    except click.Abort:
        _err("Aborted.")
        sys.exit(130)
    except KeyboardInterrupt:
        _err("Interrupted.")
        sys.exit(130)
    except MlopsError as error:
        _err(f"mlops: error: {error}")
        sys.exit(error.exit_code)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as error:  # a bug in mlops: still one line (and no secret), never a trace
        _err(f"mlops: internal error: {_masked_line(error)}")
        sys.exit(1)
    sys.exit(0)


def entry() -> NoReturn:
    """The console script and ``python -m mlops``: ``main``, then a quick exit.

    When nothing is registered to run at exit and no other thread is alive, the process ends
    with ``os._exit`` once stdout and stderr are flushed: the interpreter's teardown (freeing
    every imported module) is ~10 ms, a sixth of a one-step ``mlops run``.
    """
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code
    else:  # pragma: no cover  (main always exits)
        code = 0
    if not isinstance(code, int) or not _nothing_waits_for_exit():
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a reader that went away (a closed pipe): nothing more can be said
        os._exit(code or 1)
    os._exit(code)


def _nothing_waits_for_exit() -> bool:
    pending = getattr(atexit, "_ncallbacks", None)  # CPython's count of atexit handlers
    return pending is not None and pending() == 0 and threading.active_count() == 1


def _masked_line(error: BaseException) -> str:
    """The error in one line, secrets masked; the traceback too under ``MLOPS_DEBUG=1``."""
    from mlops.runner.failures import debug_traceback, one_line
    from mlops.runner.masking import current_masker

    text = one_line(error)
    trace = debug_traceback(error)
    if trace:
        text = f"{trace}\n{text}"
    else:
        text += " (set MLOPS_DEBUG=1 to see the traceback)"
    return current_masker()(text)
