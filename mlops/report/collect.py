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
import posixpath
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.errors import UsageError
from mlops.report.base import git, show_file
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
    # metrics files the base's dvc.lock records (so they existed) that DVC could not load,
    # as "`path`: DVC's reason" (not in the cache, remote unreachable, ...)
    base_unreadable: list[str] = field(default_factory=list)
    head_unloaded: list[str] = field(default_factory=list)  # the same for this revision


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
    """DVC's message on one line, with the causes it chains (its own "SCM error" says
    nothing; the clone failure and git's reason beneath it do)."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | str | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = " ".join((str(current) or type(current).__name__).split())
        if text and text not in parts:
            parts.append(text)
        current = current.__cause__ if isinstance(current, BaseException) else None
    return ": ".join(parts)


def _describe(error: Any) -> str:
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, BaseException):
        return _one_line(error)
    return _one_line(str(error))


def _split_results(
    result: dict[str, Any],
    rev: str,
    what: str,
    label: str,
    warnings: list[str],
    failed: list[str] | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """``{file: {dotted.name: value}}`` for one revision of metrics/params show output,
    and the files that could not be found there, with DVC's reason."""
    entry = result.get(rev) or {}
    values: dict[str, dict[str, Any]] = {}
    missing: dict[str, str] = {}
    if entry.get("error") is not None:
        warnings.append(f"could not read {what} at {label}: {_describe(entry['error'])}")
    for path, content in (entry.get("data") or {}).items():
        if "error" in content:
            if isinstance(content["error"], FileNotFoundError):
                error = content["error"]
                missing[path] = _one_line(error.strerror or str(error))
            else:
                warnings.append(
                    f"could not read {what} file `{path}` at {label}: {_describe(content['error'])}"
                )
                if failed is not None:
                    failed.append(f"`{path}`: {_describe(content['error'])}")
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
        metrics, base_sha, "metrics", labels["base"], out.warnings, out.base_unreadable
    )
    out.metrics_head, missing_head = _split_results(
        metrics, WORKSPACE, "metrics", labels["head"], out.warnings
    )
    out.head_unreadable = (metrics.get(WORKSPACE) or {}).get("error") is not None
    base_error = (metrics.get(base_sha) or {}).get("error")
    if base_error is not None:
        out.base_unreadable.insert(0, _describe(base_error))
    # DVC says "No storage files available" both for an output the base never produced
    # and for one it produced but whose data is not here: the base's dvc.lock tells which.
    produced = _locked_outputs(Path(repo.root_dir), base_sha)
    never = [p for p in missing_base if p not in produced]
    out.base_unreadable += [f"`{p}`: {missing_base[p]}" for p in missing_base if p in produced]
    if never:
        out.notes.append(
            f"no metrics at {labels['base']}: "
            + ", ".join(f"`{p}`" for p in never)
            + " did not exist there"
        )
    if missing_head:
        out.head_unloaded = [f"`{p}`: {reason}" for p, reason in missing_head.items()]
        out.warnings.append(
            "metrics file "
            + ", ".join(f"`{p}`" for p in missing_head)
            + f" is missing in {labels['head']}: run `dvc repro`"
            + f" (DVC: {'; '.join(out.head_unloaded)})"
        )
    out.params_base, _ = _split_results(params, base_sha, "params", labels["base"], out.warnings)
    out.params_head, _ = _split_results(params, WORKSPACE, "params", labels["head"], out.warnings)

    if want_plots:
        _collect_plots(repo, revs, out, labels)
    out.stages = _collect_stages(repo, base_sha, out, repro_log, head_sha, labels["head"])
    return out


def _locked_outputs(root: Path, sha: str) -> set[str]:
    """Paths (relative to ``root``) of the outputs every dvc.lock at ``sha`` records."""
    if not sha:
        return set()
    listing = git(root, "ls-tree", "-r", "--name-only", sha, "--", ".")
    outputs: set[str] = set()
    for lock in listing.stdout.splitlines() if listing.returncode == 0 else []:
        if lock.rsplit("/", 1)[-1] != "dvc.lock":
            continue
        document = _load_yaml(show_file(root, sha, lock)) or {}
        folder = posixpath.dirname(lock)
        for entry in (document.get("stages") or {}).values():
            outs = entry.get("outs") if isinstance(entry, dict) else None
            for out in outs if isinstance(outs, list) else []:
                if isinstance(out, dict) and out.get("path"):
                    outputs.add(posixpath.normpath(posixpath.join(folder, str(out["path"]))))
    return outputs


def metrics_at(repo: Any, revs: list[str], warnings: list[str]) -> dict[str, dict[str, Any]]:
    """The metrics of each commit in ``revs`` (``{rev: {file: {name: value}}}``), in one read."""
    from dvc.exceptions import DvcException

    try:
        with _quiet_dvc():
            shown = repo.metrics.show(revs=list(revs), hide_workspace=True)
    except DvcException as error:
        warnings.append(f"could not read metrics of the registry's versions: {_one_line(error)}")
        return {}
    return {rev: _split_results(shown, rev, "metrics", rev[:7], warnings)[0] for rev in revs}


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
            definitions_error = (content.get("definitions") or {}).get("error")
            if definitions_error is not None:
                label = labels.get(rev_key.get(rev, ""), rev)
                out.warnings.append(
                    f"could not read plot definitions at {label}: {_describe(definitions_error)}"
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
                for source, source_error in per_source.items():
                    if which == "base" and (
                        isinstance(source_error, FileNotFoundError) or _is_image_output(source)
                    ):
                        plot.notes.append(f"no data at {labels['base']} (`{source}` missing)")
                    elif which:
                        plot.notes.append(
                            f"`{source}` unreadable at {labels[which]}: {_describe(source_error)}"
                        )
            for rev, definition_error in item.definition_errors.items():
                which = rev_key.get(rev)
                if which:
                    plot.notes.append(
                        f"not drawn for {labels[which]}: {_describe(definition_error)}"
                    )
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
    # DVC keeps one series per revision, data file and field (its vega data carries
    # rev, filename and field per point): never merge two files' points.
    grouped: dict[tuple[str, str, str], list[tuple[Any, Any]]] = {}
    for point in renderer.datapoints:
        which = rev_key.get(point.get("rev"))
        if which is None or x not in point or y not in point:
            continue
        key = (which, str(point.get("filename", "")), str(point.get("field", "")))
        grouped.setdefault(key, []).append((point[x], point[y]))
    files = sorted({file for _, file, _ in grouped})
    fields = {field for _, _, field in grouped}
    shown_file = _short_names(files)
    for (which, file, field_name), points in grouped.items():
        parts = []
        if len(files) > 1:
            parts.append(shown_file[file])
        if len(fields) > 1:
            parts.append(field_name)
        plot.series.append(Series(which, ": ".join(parts), points))
    return plot


def _short_names(files: list[str]) -> dict[str, str]:
    """Data files as a legend shows them: without the directory they all share."""
    if len(files) < 2:
        return {file: file for file in files}
    common = posixpath.commonpath([posixpath.dirname(file) or "." for file in files])
    return {
        file: posixpath.relpath(file, common) if common not in ("", ".") else file for file in files
    }


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
