"""The ``mlops new`` command: flags and output; the work is in :mod:`mlops.scaffold.new`."""

from __future__ import annotations

import os
import sys

import click

from mlops.clicommon import CONTEXT_SETTINGS
from mlops.clicommon import echo_err as _err


@click.command("new", context_settings=CONTEXT_SETTINGS)
@click.argument("path", type=click.Path(file_okay=True, dir_okay=True, path_type=str))
@click.option(
    "--template",
    metavar="SRC",
    help="Copier template directory or git URL (default: the bundled project template).",
)
@click.option(
    "--data",
    "-d",
    "data",
    metavar="KEY=VALUE",
    multiple=True,
    help="Answer a template question; repeatable.",
)
@click.option(
    "--defaults",
    is_flag=True,
    help="Use the default answer for every question not given with --data.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write into a non-empty directory, overwriting files of the same name.",
)
@click.option("--pretend", "-n", is_flag=True, help="Show what would be written; write nothing.")
def new_command(
    path: str,
    template: str | None,
    data: tuple[str, ...],
    defaults: bool,
    force: bool,
    pretend: bool,
) -> None:
    """Create a ready-to-use ML project at PATH.

    The project has a DVC pipeline (prepare -> train -> evaluate) on a dataset that ships
    with scikit-learn, its tests, GitHub Actions workflows and a Dockerfile.

    \b
    Examples:
      mlops new churn-model --defaults
      mlops new churn-model --defaults -d dataset=wine -d model=random_forest
      mlops new churn-model              # asks each question on a terminal
    """
    from mlops.scaffold.new import new_project

    result = new_project(
        path,
        template=template,
        data=data,
        defaults=defaults,
        force=force,
        pretend=pretend,
        interactive=sys.stdin.isatty() and sys.stdout.isatty(),
        echo=_err,
    )
    shown = (
        os.path.relpath(result.path)
        if not os.path.relpath(result.path).startswith("..")
        else str(result.path)
    )
    if result.pretend:
        _err(f"Would write {len(result.files)} files to {shown} (nothing written):")
        overwritten = set(result.overwritten)
        for name in result.files:
            _err(f"  {'overwrite' if name in overwritten else 'create   '}  {name}")
        return
    _err(f"Created {shown} ({len(result.files)} files).")
    if result.git == "initialized":
        _err(
            "Initialized a git repository (branch main) with a first commit, so DVC works at once."
        )
    elif result.git == "existing":
        _err("The project is inside an existing git repository: its files are left uncommitted.")
    _err("")
    _err("Next steps:")
    _err(f"  cd {shown}")
    _err("  pip install -r requirements.txt -r requirements-dev.txt")
    _err("  dvc repro    # train and evaluate")
    _err("  pytest       # run the project's tests")
