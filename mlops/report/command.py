"""``mlops report``: the Click command. Imports only click at module level; the report's
modules (and DVC, matplotlib) load when the command runs, so ``mlops --help`` stays fast."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from mlops.errors import UsageError


@click.command("report")
@click.option(
    "--base",
    metavar="REV",
    help="Revision to compare with. Default: the pull request's base branch "
    "(origin/<base.ref> from $GITHUB_EVENT_PATH on pull_request events), else the "
    "default branch (origin/HEAD, main, master).",
)
@click.option(
    "--out",
    "-o",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE (default: stdout). Plots are drawn as PNG files in "
    "FILE's directory, in <name>-plots/ (report.md -> report-plots/), and linked by "
    "relative path, as `cml comment` expects.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default="md",
    show_default=True,
    help="Markdown for a PR comment, or the same content as JSON.",
)
@click.option(
    "--plots/--no-plots",
    default=True,
    show_default=True,
    help="Draw the plots DVC tracks (needs --out).",
)
@click.option(
    "--repro-log",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output of `dvc repro` from this run, to tell which stages ran, were restored "
    "from the run-cache or skipped (e.g. `dvc repro --pull 2>&1 | tee dvc-repro.log`).",
)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(["regressed", "threshold"]),
    multiple=True,
    help="Exit 1 after writing the report when it shows a worse model: `regressed` when "
    "any metric got worse by at least its threshold (or went missing), `threshold` only "
    "for metrics with a threshold above 0 in [tool.mlops.report] that regressed by at "
    "least it. The report says whether the check passes; stderr says why it failed.",
)
@click.option(
    "--allow-missing-base",
    is_flag=True,
    help="With --fail-on: pass when the base declares metrics that DVC cannot load (not "
    "in the cache, remote unreachable) instead of failing closed; the report still "
    "quotes DVC's reason.",
)
@click.option(
    "-C",
    "--directory",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    help="Run in DIR (a DVC project) instead of the current directory.",
)
def report_command(
    base: str | None,
    out: Path | None,
    fmt: str,
    plots: bool,
    repro_log: Path | None,
    fail_on: tuple[str, ...],
    allow_missing_base: bool,
    directory: Path,
) -> None:
    """Compare the workspace with a base revision: the pull-request model report.

    Reads metrics, params, plots and the pipeline's state through DVC's Python API and
    writes a verdict (improved / regressed / unchanged), a metrics table with deltas,
    the changed params, plots (base and this revision overlaid) and which stages changed.
    The markdown stays under GitHub's 65,536-character comment limit and carries a hidden
    `<!-- mlops-report ... -->` marker; when $GITHUB_STEP_SUMMARY is set it is also
    appended to the job summary (with images as links).

    \b
    Metric direction and thresholds, in the project's pyproject.toml (all optional):
      [tool.mlops.report]
      threshold = 0.01             # |change| below this shows as "≈" (default 0)
      [tool.mlops.report.metrics]
      log_loss = { direction = "lower" }
      "reports/metrics.json:f1" = { threshold = 0.005 }
      "latency_*" = { direction = "lower" }
    Higher is better unless the name contains a loss- or error-like word
    (loss, error, mae, mse, rmse, ...).

    \b
    Examples:
      mlops report --base main
      mlops report --base origin/main --out report.md && cml comment update report.md
      mlops report --format json
      mlops report --base main --out report.md --fail-on regressed   # a CI gate
    A base whose metrics DVC cannot load fails the gate (it cannot tell a worse
    model); --allow-missing-base accepts that as "no baseline".
    """
    from mlops.errors import WorkFailedError
    from mlops.report.build import build_report, to_json
    from mlops.report.markdown import render, without_images

    if not directory.is_dir():
        raise click.BadParameter(f"{directory}: no such directory", param_hint="'-C'")
    out_path = out.absolute() if out is not None else None
    if out_path is not None:
        _check_writable(out_path)
    report = build_report(
        start=directory.absolute(),
        base_spec=base,
        out=out_path,
        plots=plots,
        repro_log=repro_log,
        fail_on=tuple(dict.fromkeys(fail_on)),
        allow_missing_base=allow_missing_base,
    )
    markdown = render(report) if fmt == "md" else ""
    text = markdown if fmt == "md" else to_json(report)
    if out_path is None:
        sys.stdout.write(text)
    else:
        try:
            out_path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"--out {out_path}: {error.strerror or error}") from None
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and fmt == "md":
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(without_images(markdown) + "\n")

    verdict = report.verdict
    where = "stdout" if out_path is None else _shown(out_path)
    extra = ""
    if report.plots_dir is not None and report.image_count():
        extra = f", {report.image_count()} images in {_shown(report.plots_dir)}/"
    click.echo(
        f"mlops report: {verdict.word} ({verdict.total} metrics) vs {report.base.spec}"
        f"@{report.base.short} -> {where} ({len(text):,} characters{extra})",
        err=True,
    )
    gate = report.gate
    if gate is not None and gate.failed:
        flags = " ".join(f"--fail-on {mode}" for mode in gate.modes)
        raise WorkFailedError(f"report check failed ({flags}): {gate.reason}")


def _check_writable(out: Path) -> None:
    """Fail before any work when the report (and its plots beside it) cannot be written."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {out}: {error.strerror or error}") from None
    if out.is_dir():
        raise UsageError(f"--out {out}: is a directory")
    if not os.access(out.parent, os.W_OK | os.X_OK) or (
        out.exists() and not os.access(out, os.W_OK)
    ):
        raise UsageError(f"--out {out}: permission denied (cannot write in {out.parent})")


def _shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else relative
