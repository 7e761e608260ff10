"""``mlops lint``: the Click command. Only click is imported here; the linting happens inside."""

from __future__ import annotations

import click


@click.command("lint")
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=str))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="Output on stdout: text, JSON, SARIF 2.1.0, or GitHub annotations (::error ...).",
)
@click.option(
    "--min-severity",
    type=click.Choice(["note", "warning", "error"]),
    default="note",
    show_default=True,
    help="Report (and fail on) findings of this severity and above.",
)
@click.option(
    "--no-tools",
    is_flag=True,
    help="Only mlops's own checks: do not run actionlint, zizmor or hadolint.",
)
def lint_command(
    paths: tuple[str, ...], output_format: str, min_severity: str, no_tools: bool
) -> None:
    """Check workflows, action.yml files, DVC pipelines and Dockerfiles in one pass.

    PATH is a file or directory; the default is the repository around the current
    directory (.github/workflows/*, action.yml files, dvc.yaml, params.yaml, Dockerfile*).
    Our own checks run always; actionlint (with shellcheck), zizmor (offline) and hadolint
    run when installed (pip install 'mlops-gitops[lint]'), and their findings are merged with ours,
    duplicates removed. Silence one finding with a '# mlops-lint: ignore[RULE]' comment on
    its line.

    Exit status: 0 no findings at --min-severity or above, 1 findings, 2 invalid usage or a
    wrapped tool that failed to run.

    \b
    Examples:
      mlops lint                               # the whole repository
      mlops lint .github/workflows/train.yml Dockerfile
      mlops lint --format sarif > lint.sarif   # for GitHub code scanning
      mlops lint --format github               # annotations in a GitHub Actions log
    """
    import os
    import sys
    from pathlib import Path

    from mlops.errors import MlopsError, WorkFailedError
    from mlops.lint import output
    from mlops.lint.engine import lint

    result = lint(list(paths), tools=not no_tools, min_severity=min_severity)
    for notice in result.notices:
        click.echo(f"mlops lint: notice: {notice}", err=True)
    if output_format == "text":
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        rendered = output.render_text(result, colour=colour)
    elif output_format == "json":
        rendered = output.render_json(result)
    elif output_format == "sarif":
        rendered = output.render_sarif(result, cwd=Path.cwd())
    else:
        rendered = output.render_github(result)
    if rendered:
        click.echo(rendered)
    if result.tool_failed:  # the notices above say which tool and why
        raise MlopsError(f"a wrapped linter failed to run; {output.summary(result)}")
    if result.findings:
        raise WorkFailedError(output.summary(result))
    click.echo(output.summary(result), err=True)
