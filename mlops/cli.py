"""The ``mlops`` command line: parse flags, call the library, map errors to exit codes.

Heavy modules (copier, dvc, docker, rich) are imported inside the commands that use
them, so ``mlops --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from typing import ClassVar

import click

from mlops import __version__
from mlops.errors import EXIT_INVALID, MlopsError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _err(message: str) -> None:
    click.echo(message, err=True)


class LazyGroup(click.Group):
    """A group whose commands from other modules are imported only when they are used."""

    lazy_commands: ClassVar[dict[str, tuple[str, str]]] = {
        "report": ("mlops.report.command", "report_command"),
        "lint": ("mlops.lint.command", "lint_command"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands:
            import importlib

            module, attribute = self.lazy_commands[name]
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="mlops")
def cli() -> None:
    """GitOps-driven CI/CD for machine-learning projects.

    Start a project with `mlops new`, then work with dvc, git and pull requests as usual.
    """


@cli.command("new")
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


@cli.command("run")
@click.argument("event", required=False)
@click.option(
    "-C",
    "--directory",
    "directory",
    default=".",
    metavar="DIR",
    show_default=True,
    help="The repository to run in.",
)
@click.option(
    "-W",
    "--workflows",
    "workflows",
    metavar="PATH",
    help="A workflow file, or a directory of them (default: .github/workflows).",
)
@click.option("-j", "--job", metavar="JOB", help="Run only this job and the jobs it needs.")
@click.option(
    "-e",
    "--eventpath",
    "event_path",
    metavar="EVENT.json",
    help="Event payload (JSON), merged over the default one.",
)
@click.option("-l", "--list", "list_jobs", is_flag=True, help="List the jobs and exit.")
@click.option("-g", "--graph", "show_graph", is_flag=True, help="Draw the job graph and exit.")
@click.option(
    "-n",
    "--dryrun",
    "dry_run",
    is_flag=True,
    help="Validate and plan; print what would run; execute nothing.",
)
@click.option(
    "-s",
    "--secret",
    "secrets",
    metavar="NAME[=VALUE]",
    multiple=True,
    help="A secret; without a value it is read from the environment. Repeatable.",
)
@click.option("--secret-file", metavar="FILE", help="Secrets from a dotenv file.")
@click.option(
    "--env",
    "env",
    metavar="NAME=VALUE",
    multiple=True,
    help="An environment variable for every step; repeatable.",
)
@click.option("--env-file", metavar="FILE", help="Environment variables from a dotenv file.")
@click.option(
    "--var",
    "variables",
    metavar="NAME=VALUE",
    multiple=True,
    help="A configuration variable (the vars context); repeatable.",
)
@click.option("--var-file", metavar="FILE", help="Variables from a dotenv file.")
@click.option(
    "--input",
    "inputs",
    metavar="NAME=VALUE",
    multiple=True,
    help="A workflow_dispatch input; repeatable.",
)
@click.option(
    "--matrix",
    "matrix_filters",
    metavar="KEY:VALUE",
    multiple=True,
    help="Run only the matrix legs with this value; repeatable.",
)
@click.option(
    "--local-repository",
    "local_repositories",
    metavar="OWNER/REPO@REF=PATH",
    multiple=True,
    help="Use a local checkout for a remote action; repeatable.",
)
@click.option(
    "--backend",
    type=click.Choice(["host", "docker"]),
    default="host",
    show_default=True,
    help="Where steps run.",
)
@click.option(
    "-P",
    "--platform",
    "platforms",
    metavar="LABEL=IMAGE",
    multiple=True,
    help="Image for a runs-on label (docker backend).",
)
@click.option(
    "--concurrent-jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="At most N jobs at once (default: every ready job).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Machine-readable output on stdout (JSON lines when running).",
)
def run_command(
    event: str | None,
    directory: str,
    workflows: str | None,
    job: str | None,
    event_path: str | None,
    list_jobs: bool,
    show_graph: bool,
    dry_run: bool,
    secrets: tuple[str, ...],
    secret_file: str | None,
    env: tuple[str, ...],
    env_file: str | None,
    variables: tuple[str, ...],
    var_file: str | None,
    inputs: tuple[str, ...],
    matrix_filters: tuple[str, ...],
    local_repositories: tuple[str, ...],
    backend: str,
    platforms: tuple[str, ...],
    concurrent_jobs: int | None,
    as_json: bool,
) -> None:
    """Run the repository's GitHub Actions workflows locally, as GitHub would.

    EVENT is the triggering event (default: the only event the workflows use, else push).
    Trigger filters (branches, tags, paths, types) are honoured against the local repository.
    Jobs run in copies of the repository: your working tree is never written.

    \b
    Examples:
      mlops run pull_request         # what a pull request runs, executed here
      mlops run -l                   # every job, its stage and events
      mlops run pull_request -n      # the plan, executing nothing
      mlops run push -j test -s TOKEN --env-file .env
    """
    plan_options = {
        "directory": directory,
        "workflows": workflows,
        "event_name": event,
        "event_path": event_path,
        "job": job,
        "matrix_filters": matrix_filters,
        "inputs": inputs,
    }
    if list_jobs or show_graph or dry_run:
        from mlops.workflow.runplan import plan_run

        mode = "list" if list_jobs else "graph" if show_graph else "dry-run"
        click.echo(plan_run(mode=mode, as_json=as_json, **plan_options))
        return
    from mlops.errors import UsageError

    if backend == "docker":
        raise UsageError("--backend docker is not available in this version; use the host backend")
    for platform in platforms:
        if not platform.partition("=")[2].startswith("-self-hosted"):
            raise UsageError(
                f"-P {platform}: images need --backend docker; the host backend "
                "runs every Linux label on this machine"
            )
    from pathlib import Path

    from mlops.runner.engine import RunOptions
    from mlops.runner.run import execute, pairs, parse_local_repositories, read_dotenv
    from mlops.workflow.repository import Repository
    from mlops.workflow.runplan import make_plan, parse_pairs

    options = RunOptions(
        secrets={
            **(read_dotenv(secret_file, "--secret-file") if secret_file else {}),
            **pairs(secrets, "-s", from_env=True),
        },
        variables={
            **(read_dotenv(var_file, "--var-file") if var_file else {}),
            **pairs(variables, "--var"),
        },
        env={**(read_dotenv(env_file, "--env-file") if env_file else {}), **pairs(env, "--env")},
        inputs=dict(parse_pairs(inputs, "=", "--input")),
        concurrent_jobs=concurrent_jobs,
        as_json=as_json,
        local_repositories=parse_local_repositories(local_repositories),
        matrix_filters=parse_pairs(matrix_filters, ":", "--matrix"),
    )
    plan = make_plan(**plan_options)
    code = execute(plan, Repository.at(Path(directory)), options)
    if code:
        sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one line on stderr and an exit code for every user error."""
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
    sys.exit(0)
