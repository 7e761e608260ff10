"""The ``mlops generate`` and ``mlops update`` commands: flags and output; the work is in
:mod:`mlops.scaffold.generate` and :mod:`mlops.scaffold.update`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from mlops.clicommon import CONTEXT_SETTINGS
from mlops.clicommon import echo_err as _err
from mlops.errors import EXIT_FAILED

_TEMPLATE_HELP = (
    "Copier template: a directory or a git URL whose version tags are the template's "
    "versions (default: the template built into mlops)."
)
_DATA_HELP = "Answer a template question; repeatable."

_Command = TypeVar("_Command", bound=Callable[..., None])

_STATUS = {"A": "add   ", "M": "update", "D": "delete"}


def _generate_options(function: _Command) -> _Command:
    for decorator in reversed(
        [
            click.option(
                "-C",
                "--directory",
                default=".",
                metavar="DIR",
                help="The repository (default: here).",
            ),
            click.option("--template", metavar="SRC", help=_TEMPLATE_HELP),
            click.option(
                "--data", "-d", "data", metavar="KEY=VALUE", multiple=True, help=_DATA_HELP
            ),
            click.option("--force", is_flag=True, help="Overwrite files that exist."),
            click.option(
                "--pretend", "-n", is_flag=True, help="List what would be written; write nothing."
            ),
        ]
    ):
        function = decorator(function)
    return function


@click.group("generate", context_settings=CONTEXT_SETTINGS)
def generate_command() -> None:
    """Add a workflow or a Dockerfile to an existing repository.

    What the repository has (dvc.yaml, requirements*.txt or pyproject.toml, the Python
    version, the DVC remote) gives the answers; --data overrides them. Each component keeps
    its own answers file (.copier-answers.<component>.yml), so `mlops update` updates it on
    its own. An existing file is never overwritten without --force.

    \b
    Examples:
      mlops generate workflow ci
      mlops generate workflow release       # Docker image to ghcr.io on version tags
      mlops generate workflow monitor       # daily data-drift check of production inputs
      mlops generate workflow deploy        # serving image on GTO stage tags (model#prod#1)
      mlops generate dockerfile train -d python_version=3.12
    """


@generate_command.command("workflow", context_settings=CONTEXT_SETTINGS)
@click.argument("name", type=click.Choice(["ci", "train", "release", "monitor", "deploy"]))
@_generate_options
def generate_workflow(
    name: str,
    directory: str,
    template: str | None,
    data: tuple[str, ...],
    force: bool,
    pretend: bool,
) -> None:
    """Add .github/workflows/NAME.yml: ci (ruff and pytest), train (DVC pipeline and a
    report comment on pull requests), release (Docker image published on version tags),
    monitor (production inputs compared with the training data daily; fails on drift),
    deploy (on a GTO stage tag: the model version's serving image built from
    Dockerfile.serve, smoke-tested and published)."""
    _generate("workflow", name, directory, template, data, force, pretend)


@generate_command.command("dockerfile", context_settings=CONTEXT_SETTINGS)
@click.argument("name", type=click.Choice(["train", "serve"]), default="train")
@_generate_options
def generate_dockerfile(
    name: str,
    directory: str,
    template: str | None,
    data: tuple[str, ...],
    force: bool,
    pretend: bool,
) -> None:
    """Add a Dockerfile and .dockerignore: train (runs the DVC pipeline; non-root, pinned
    base), or Dockerfile.serve: serve (trains in a build stage, serves the model on 8080)."""
    _generate("dockerfile", name, directory, template, data, force, pretend)


def _generate(
    kind: str,
    name: str,
    directory: str,
    template: str | None,
    data: tuple[str, ...],
    force: bool,
    pretend: bool,
) -> None:
    from mlops.scaffold.generate import generate

    result = generate(
        kind, name, Path(directory), template=template, data=data, force=force, pretend=pretend
    )
    overwritten, unchanged = set(result.overwritten), set(result.unchanged)
    verb = "Would write" if pretend else "Wrote"
    nothing = " (nothing written)" if pretend else ""
    _err(f"{verb} {result.component} ({len(result.files)} files){nothing}:")
    for file in result.files:
        action = (
            "overwrite"
            if file in overwritten
            else "unchanged"
            if file in unchanged
            else "create   "
        )
        _err(f"  {action}  {file}")
    if not pretend and not result.recorded:
        _err("Not in a git repository: `mlops update` will need git to update this component.")


@click.command("update", context_settings=CONTEXT_SETTINGS)
@click.argument("path", default=".", type=click.Path(path_type=str))
@click.option("--template", metavar="SRC", help=_TEMPLATE_HELP + " Moves the project to it.")
@click.option("--data", "-d", "data", metavar="KEY=VALUE", multiple=True, help=_DATA_HELP)
@click.option("--pretend", "-n", is_flag=True, help="List what would change; change nothing.")
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 if an update would change the project (listing the files), 0 if up to date.",
)
def update_command(
    path: str, template: str | None, data: tuple[str, ...], pretend: bool, check: bool
) -> None:
    """Bring a project (or the component of one answers file) to the template's current
    version, keeping your edits.

    A 3-way merge by git between what the template rendered before, what you have now and
    what it renders now: your edits stay, the template's changes merge in, edits of the same
    lines become standard conflict markers (listed), files you deleted stay deleted. The
    tree must be clean; the result is left staged for review, like `git merge --no-commit`.

    \b
    Examples:
      mlops update                       # the project in this directory
      mlops update --check               # exit 1 if a template update is available
      mlops update .copier-answers.workflow-ci.yml -d runner=self-hosted
    """
    from mlops.scaffold.update import update

    result = update(Path(path), template=template, data=data, pretend=pretend, check=check)
    for component in result.components:
        moved = (
            f"{component.old_version or '?'} -> {component.new_version or '?'}"
            if component.old_version != component.new_version
            else f"{component.new_version or 'unversioned'} (same version)"
        )
        _err(f"{component.answers_file}: {component.source} {moved}")
    if result.up_to_date:
        _err("Up to date: the template renders what it rendered before.")
        return
    if not result.exact:
        _err("A newer template version is available (the files it changes are unknown here:")
        _err("the pristine rendering is not in this clone).")
    verb = "Would change" if (check or pretend) else "Changed"
    if result.changes:
        _err(f"{verb}:")
        for status, name in result.changes:
            _err(f"  {_STATUS.get(status, status)}  {name}")
    if result.kept_deleted:
        _err("Kept deleted (you deleted them; the template still has them):")
        for name in result.kept_deleted:
            _err(f"  {name}")
    if result.conflicts:
        _err("Conflicts (your edit and the template's touch the same lines; resolve the markers):")
        for name in result.conflicts:
            _err(f"  {name}")
    if check:
        sys.exit(EXIT_FAILED)
    if not pretend:
        _err("Review with `git diff --cached`, then commit.")
    if result.conflicts and not pretend:
        sys.exit(EXIT_FAILED)  # the update ran; a person must finish it
