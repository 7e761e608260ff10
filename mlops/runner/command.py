"""The ``mlops run`` command: flags and output; planning is in :mod:`mlops.runner.runplan`,
execution in :mod:`mlops.runner.run`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from mlops.clicommon import CONTEXT_SETTINGS, loading

if TYPE_CHECKING:
    from mlops.runner.runplan import PlanOptions


@click.command("run", context_settings=CONTEXT_SETTINGS)
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
@click.option(
    "-a",
    "--actor",
    metavar="LOGIN",
    help="The GitHub login the event comes from (github.actor; default: git's github.user, "
    "else user.name as a login).",
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
    help="Image for a runs-on label (docker backend; IMAGE -self-hosted runs on this machine).",
)
@click.option(
    "--pull",
    is_flag=True,
    help="Pull missing images (docker backend); without it a missing image is an error.",
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
    actor: str | None,
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
    pull: bool,
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
    from mlops.flagvalues import assignments, checked_names, split_pairs

    if var_file:  # (the run module only when a file is read: -l and -n start fast)
        from mlops.runner.run import read_dotenv

        file_variables = checked_names(read_dotenv(var_file, "--var-file"), "--var-file")
    else:
        file_variables = {}
    if actor is not None:
        from mlops.errors import UsageError
        from mlops.workflow.repository import login_shaped

        if not actor or login_shaped(actor) != actor:
            raise UsageError(
                f"-a {actor!r}: not a GitHub login (letters, digits and single hyphens)"
            )
    # The planner's static skip (what -n shows) sees the same vars as the run.
    run_variables = {**file_variables, **checked_names(assignments(variables, "--var"), "--var")}
    matrix_pairs = split_pairs(matrix_filters, "--matrix", separator=":")
    plan_options: PlanOptions = {
        "directory": directory,
        "workflows": workflows,
        "event_name": event,
        "event_path": event_path,
        "job": job,
        "matrix_filters": matrix_pairs,
        "inputs": assignments(inputs, "--input"),
        "variables": run_variables,
        "actor": actor,
    }
    if list_jobs or show_graph or dry_run:
        from mlops.runner.runplan import plan_run

        mode = "list" if list_jobs else "graph" if show_graph else "dry-run"
        click.echo(plan_run(mode=mode, as_json=as_json, **plan_options))
        return
    from mlops.errors import UsageError

    platform_images = assignments(platforms, "-P")
    if backend == "host":
        for label, image in platform_images.items():
            if not image.startswith("-self-hosted"):
                raise UsageError(
                    f"-P {label}={image}: images need --backend docker; the host backend "
                    "runs every Linux label on this machine"
                )
    with loading():  # the runner's modules, as mlops.cli.main does for click's
        from pathlib import Path

        from mlops.runner.run import execute, parse_local_repositories, read_dotenv
        from mlops.runner.runplan import make_plan
        from mlops.runner.state import RunOptions
        from mlops.workflow.repository import Repository

        options = RunOptions(
            secrets={
                **checked_names(
                    read_dotenv(secret_file, "--secret-file") if secret_file else {},
                    "--secret-file",
                ),
                **checked_names(assignments(secrets, "-s", from_env=True), "-s"),
            },
            variables=run_variables,
            env={
                **(read_dotenv(env_file, "--env-file") if env_file else {}),
                **assignments(env, "--env"),
            },
            concurrent_jobs=concurrent_jobs,
            as_json=as_json,
            local_repositories=parse_local_repositories(local_repositories),
            matrix_filters=matrix_pairs,
            backend=backend,
            platforms=platform_images,
            pull=pull,
        )
        # As on GitHub: ::debug:: lines show when the ACTIONS_STEP_DEBUG secret or variable is true.
        options.step_debug = "true" in (
            options.secrets.get("ACTIONS_STEP_DEBUG", "").lower(),
            options.variables.get("ACTIONS_STEP_DEBUG", "").lower(),
        )
        plan = make_plan(**plan_options)
    code = execute(plan, Repository.at(Path(directory)), options)
    if code:
        sys.exit(code)
