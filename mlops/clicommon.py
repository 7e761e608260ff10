"""What every command shares: Click settings and stderr output."""

from __future__ import annotations

import click

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def echo_err(message: str) -> None:
    """Human output goes to stderr; stdout is kept for machine-readable output."""
    click.echo(message, err=True)
