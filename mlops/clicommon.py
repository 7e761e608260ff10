"""What every command shares: Click settings and stderr output."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import click

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def echo_err(message: str) -> None:
    """Human output goes to stderr; stdout is kept for machine-readable output."""
    click.echo(message, err=True)


@contextmanager
def loading() -> Iterator[None]:
    """While a command imports what it needs and sets up: no garbage collection (it allocates
    much and frees little), then what was loaded is frozen out of later collections."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
