"""Read metrics, params, plots and stage state for two revisions through DVC's Python API.

One ``dvc.repo.Repo`` serves every query, so DVC is imported once (the CLI calls this
replaces cost about a second each). DVC's own console messages ("DVC failed to load some
metrics ...") are kept out of our stderr: what went wrong is reported in the report.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.errors import UsageError
from mlops.report.base import show_file
from mlops.report.compare import flatten
from mlops.report.stages import StageRow, stage_rows

WORKSPACE = "workspace"


@dataclass
class Series:
    rev: str  # "base" | "head"
    name: str  # which file/field, when a plot has several
    points: list[tuple[Any, Any]]


@dataclass
class PlotData:
    """A data plot (DVC "vega" plot): its definition and points per revision."""

    id: str
    title: str
    template: str
    x: str
    y: str
    x_label: str
    y_label: str
    series: list[Series] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def revs(self) -> list[str]:
        return [rev for rev in ("base", "head") if any(s.rev == rev for s in self.series)]

    def changed(self) -> bool:
        base = sorted((s.name, s.points) for s in self.series if s.rev == "base")
        head = sorted((s.name, s.points) for s in self.series if s.rev == "head")
        return repr(base) != repr(head)


@dataclass
class ImagePlot:
    """An image DVC tracks as a plot (e.g. a PNG the pipeline draws), per revision."""

    id: str
    images: dict[str, bytes] = field(default_factory=dict)  # "base"/"head" -> bytes

    def changed(self) -> bool:
        return self.images.get("base") != self.images.get("head")


@dataclass
class Collected:
    metrics_base: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics_head: dict[str, dict[str, Any]] = field(default_factory=dict)
    params_base: dict[str, dict[str, Any]] = field(default_factory=dict)
    params_head: dict[str, dict[str, Any]] = field(default_factory=dict)
    plots: list[PlotData] = field(default_factory=list)
    images: list[ImagePlot] = field(default_factory=list)
    stages: list[StageRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # stages whose workspace dvc.lock entry differs from the one committed at HEAD
    lock_stale: list[str] = field(default_factory=list)
    head_unreadable: bool = False  # DVC could not read this revision's metrics at all


@contextlib.contextmanager
def _quiet_dvc() -> Iterator[None]:
    """Silence DVC's console and logger while the API runs; errors come back as data."""
    dvc_logger = logging.getLogger("dvc")
    level, propagate = dvc_logger.level, dvc_logger.propagate
    dvc_logger.setLevel(logging.CRITICAL + 1)
    dvc_logger.propagate = False
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        dvc_logger.setLevel(level)
        dvc_logger.propagate = propagate


def open_repo(start: Path) -> Any:
    """The DVC repository containing ``start`` (a ``dvc.repo.Repo``; close it when done)."""
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    from dvc.exceptions import DvcException, NotDvcRepoError
    from dvc.repo import Repo

    try:
        with _quiet_dvc():
            return Repo(str(start), uninitialized=False)
    except NotDvcRepoError:
        raise UsageError(
            f"{start} is not inside a DVC project (no .dvc directory found); "
            "run mlops report in a project made by `mlops new`, or `dvc init` first"
        ) from None
    except DvcException as error:
        raise UsageError(f"cannot open the DVC project: {_one_line(error)}") from None


def _one_line(error: BaseException | str) -> str:
    text = str(error) or type(error).__name__
    return " ".join(text.split())


def _describe(error: Any) -> str:
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, BaseException):
        return _one_line(error)
    return _one_line(str(error))


def _split_results(
    result: dict[str, Any], rev: str, what: str, label: str, warnings: list[str]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """``{file: {dotted.name: value}}`` for one revision of metrics/params show output,
    and the files that do not exist there."""
    entry = result.get(rev) or {}
    values: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    if entry.get("error") is not None:
        warnings.append(f"could not read {what} at {label}: {_describe(entry['error'])}")
    for path, content in (entry.get("data") or {}).items():
        if "error" in content:
            if isinstance(content["error"], FileNotFoundError):
                missing.append(path)
            else:
                warnings.append(
                    f"could not read {what} file `{path}` at {label}: {_describe(content['error'])}"
                )
            continue
        values[path] = flatten(content.get("data") or {})
    return values, missing


def collect(
    repo: Any,
    base_sha: str,
    labels: dict[str, str],
    *,
    want_plots: bool = True,
    repro_log: str | None = None,
    head_sha: str | None = None,
) -> Collected:
    """Everything the report shows; ``labels`` maps "base"/"head" to display names."""
    from dvc.exceptions import DvcException

    out = Collected()
    revs = [base_sha, WORKSPACE]
    try:
        with _quiet_dvc():
            metrics = repo.metrics.show(revs=list(revs), hide_workspace=False)
            params = repo.params.show(revs=list(revs), hide_workspace=False)
    except DvcException as error:
        raise UsageError(f"DVC could not read metrics or params: {_one_line(error)}") from None

    out.metrics_base, missing_base = _split_results(
        metrics, base_sha, "metrics", labels["base"], out.warnings
    )
    out.metrics_head, missing_head = _split_results(
        metrics, WORKSPACE, "metrics", labels["head"], out.warnings
    )
    out.head_unreadable = (metrics.get(WORKSPACE) or {}).get("error") is not None
    if missing_base:
        out.notes.append(
            f"no metrics at {labels['base']}: "
            + ", ".join(f"`{p}`" for p in missing_base)
            + " did not exist there"
        )
    if missing_head:
        out.warnings.append(
            "metrics file "
            + ", ".join(f"`{p}`" for p in missing_head)
            + f" is missing in {labels['head']}: run `dvc repro`"
        )
    out.params_base, _ = _split_results(params, base_sha, "params", labels["base"], out.warnings)
    out.params_head, _ = _split_results(params, WORKSPACE, "params", labels["head"], out.warnings)

    if want_plots:
        _collect_plots(repo, revs, out, labels)
    out.stages = _collect_stages(repo, base_sha, out, repro_log, head_sha, labels["head"])
    return out


def _collect_plots(repo: Any, revs: list[str], out: Collected, labels: dict[str, str]) -> None:
    from dvc.exceptions import DvcException
    from dvc.render.match import match_defs_renderers

    rev_key = {revs[0]: "base", revs[1]: "head"}
    with tempfile.TemporaryDirectory(prefix="mlops-report-") as scratch:
        try:
            with _quiet_dvc():
                data = repo.plots.show(revs=list(revs))
                renderers = match_defs_renderers(data=data, out=scratch)
        except DvcException as error:
            out.warnings.append(f"DVC could not read the plots: {_one_line(error)}")
            return
        for rev, content in data.items():
            error = (content.get("definitions") or {}).get("error")
            if error is not None:
                label = labels.get(rev_key.get(rev, ""), rev)
                out.warnings.append(
                    f"could not read plot definitions at {label}: {_describe(error)}"
                )
        for item in renderers:
            renderer = item.renderer
            kind = getattr(renderer, "TYPE", "")
            if kind == "image":
                image = ImagePlot(renderer.name)
                for point in renderer.datapoints:
                    which = rev_key.get(point.get("rev"))
                    src = point.get("src")
                    if which and src and Path(src).is_file():
                        image.images[which] = Path(src).read_bytes()
                if image.images:
                    out.images.append(image)
                continue
            plot = _vega_plot(renderer, rev_key)
            for rev, per_source in item.source_errors.items():
                which = rev_key.get(rev)
                for source, error in per_source.items():
                    if which == "base" and (
                        isinstance(error, FileNotFoundError) or _is_image_output(source)
                    ):
                        plot.notes.append(f"no data at {labels['base']} (`{source}` missing)")
                    elif which:
                        plot.notes.append(
                            f"`{source}` unreadable at {labels[which]}: {_describe(error)}"
                        )
            for rev, error in item.definition_errors.items():
                which = rev_key.get(rev)
                if which:
                    plot.notes.append(f"not drawn for {labels[which]}: {_describe(error)}")
            if plot.series or plot.notes:
                out.plots.append(plot)


def _is_image_output(source: str) -> bool:
    """A plot output of images (a directory of PNGs, or one image) that DVC, at a revision
    without it, tries to parse as data; there it just means the base had no such plot."""
    path = Path(source)
    return path.is_dir() or path.suffix.lower() in (".png", ".jpg", ".jpeg", ".svg", ".gif")


def _vega_plot(renderer: Any, rev_key: dict[str, str]) -> PlotData:
    props = renderer.properties
    x, y = str(props.get("x") or "step"), str(props.get("y") or "y")
    plot = PlotData(
        id=renderer.name,
        title=str(props.get("title") or renderer.name),
        template=str(props.get("template") or "linear"),
        x=x,
        y=y,
        x_label=str(props.get("x_label") or x),
        y_label=str(props.get("y_label") or y),
    )
    grouped: dict[tuple[str, str], list[tuple[Any, Any]]] = {}
    for point in renderer.datapoints:
        which = rev_key.get(point.get("rev"))
        if which is None or x not in point or y not in point:
            continue
        name = f"{point.get('filename', '')}:{point.get('field', '')}"
        grouped.setdefault((which, name), []).append((point[x], point[y]))
    names = {name for _, name in grouped}
    for (which, name), points in grouped.items():
        shown = name.rsplit(":", 1)[-1] if len(names) > 1 else ""
        plot.series.append(Series(which, shown, points))
    return plot


def _load_yaml(text: str | None) -> dict[str, Any] | None:
    import yaml

    if text is None:
        return None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return document if isinstance(document, dict) else None


def _collect_stages(
    repo: Any,
    base_sha: str,
    out: Collected,
    repro_log: str | None,
    head_sha: str | None = None,
    head_label: str = "HEAD",
) -> list[StageRow]:
    from dvc.exceptions import DvcException
    from dvc.stage import PipelineStage

    from mlops.report.stages import parse_repro_log

    root = Path(repo.root_dir)
    try:
        with _quiet_dvc():
            stages = [s for s in repo.index.stages if isinstance(s, PipelineStage)]
    except DvcException as error:
        out.warnings.append(f"could not read the pipeline: {_one_line(error)}")
        return []
    order: list[str] = []
    addressing: dict[tuple[str, str], str] = {}  # (lock file, stage name) -> dvc name
    lock_files: list[str] = []
    for stage in stages:
        lock = os.path.relpath(Path(stage.path).parent / "dvc.lock", root)
        if lock not in lock_files:
            lock_files.append(lock)
        addressing[(lock, stage.name)] = stage.addressing
        order.append(stage.addressing)
    base_lock: dict[str, Any] | None = None
    work_lock: dict[str, Any] = {}
    committed_lock: dict[str, Any] | None = None
    for lock in lock_files or ["dvc.lock"]:
        prefix_of = {name: addr for (file, name), addr in addressing.items() if file == lock}
        base_doc = _load_yaml(show_file(root, base_sha, lock))
        if base_doc is not None:
            base_lock = base_lock or {}
            for name, entry in (base_doc.get("stages") or {}).items():
                base_lock[prefix_of.get(name, name if lock == "dvc.lock" else f"{lock}:{name}")] = (
                    entry
                )
        path = root / lock
        work_doc = _load_yaml(path.read_text(encoding="utf-8")) if path.is_file() else None
        for name, entry in ((work_doc or {}).get("stages") or {}).items():
            work_lock[prefix_of.get(name, name)] = entry
        head_doc = _load_yaml(show_file(root, head_sha, lock)) if head_sha else None
        if head_doc is not None:
            committed_lock = committed_lock or {}
            for name, entry in (head_doc.get("stages") or {}).items():
                committed_lock[prefix_of.get(name, name)] = entry
    if head_sha and work_lock:
        _check_committed_lock(committed_lock, work_lock, out, head_label)
    try:
        with _quiet_dvc():
            status = repo.status()
    except DvcException as error:
        out.warnings.append(f"`dvc status` failed: {_one_line(error)}")
        status = {}
    log = None
    if repro_log is not None:
        log = parse_repro_log(repro_log)
    return stage_rows(order, base_lock, work_lock, status or {}, log)


def _check_committed_lock(
    committed: dict[str, Any] | None,
    work: dict[str, Any],
    out: Collected,
    head_label: str,
) -> None:
    """Warn when the workspace's dvc.lock differs from the one committed at HEAD: in CI,
    after ``dvc repro``, that means the branch's lock (and what ``dvc push`` stored for it)
    does not describe the results shown here."""
    from mlops.report.stages import lock_changes

    if committed is None:
        out.lock_stale = sorted(work)
        out.warnings.append(
            f"`dvc.lock` is not committed on `{head_label}`: run `dvc repro`, commit "
            "`dvc.lock` and `dvc push`, so the branch records what these results came from"
        )
        return
    stale = [
        name
        for name in [*work, *(n for n in committed if n not in work)]
        if name not in committed or name not in work or lock_changes(committed[name], work[name])
    ]
    if stale:
        out.lock_stale = stale
        names = ", ".join(f"`{name}`" for name in stale)
        out.warnings.append(
            f"`dvc.lock` on `{head_label}` is stale: reproducing the pipeline changed "
            f"{names}. Run `dvc repro`, commit `dvc.lock` and `dvc push`, so the branch "
            "records what these results came from"
        )


def finite_points(points: list[tuple[Any, Any]]) -> tuple[list[tuple[Any, Any]], int]:
    """Points usable on numeric axes (numbers parsed from text), and how many were dropped."""
    kept, dropped = [], 0
    for x, y in points:
        fx, fy = _as_float(x), _as_float(y)
        if fx is None or fy is None or not (math.isfinite(fx) and math.isfinite(fy)):
            dropped += 1
            continue
        kept.append((fx, fy))
    return kept, dropped


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
