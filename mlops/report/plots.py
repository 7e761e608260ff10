"""Render DVC plot data to PNG offline with matplotlib (no browser, node or network).

- curves (templates ``simple``, ``linear``, ``smooth``, ``scatter`` and others): base and
  this revision overlaid in one chart: base dashed grey, this revision solid;
- confusion matrices (``confusion``, ``confusion_normalized``): base and this revision
  side by side, with the same class order;
- bar templates (``bar_horizontal``, ``bar_horizontal_sorted``): grouped bars.

Points that are not finite numbers (``Infinity``, ``NaN``, text on a numeric axis) are
left out and counted in the plot's notes, so one bad value never breaks the report.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.report.collect import ImagePlot, PlotData, finite_points

BASE_STYLE = {"color": "#7f7f7f", "linestyle": "--", "linewidth": 1.8}
HEAD_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
DPI = 100


@dataclass
class RenderedPlot:
    id: str
    title: str
    kind: str  # "curve" | "confusion" | "bars" | "image"
    files: dict[str, str] = field(default_factory=dict)  # "plot" or "base"/"head" -> file name
    notes: list[str] = field(default_factory=list)
    revs: list[str] = field(default_factory=list)
    changed: bool = True


def slug(text: str) -> str:
    stem = re.sub(r"\.(json|ya?ml|csv|tsv|png|jpe?g|svg|gif)$", "", text, flags=re.IGNORECASE)
    name = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()
    return name or "plot"


class _Names:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, base: str, suffix: str = ".png") -> str:
        name, index = f"{base}{suffix}", 2
        while name in self.used:
            name, index = f"{base}-{index}{suffix}", index + 1
        self.used.add(name)
        return name


def render_all(
    plots: list[PlotData], images: list[ImagePlot], out_dir: Path, labels: dict[str, str]
) -> list[RenderedPlot]:
    """Write one PNG per data plot (and copy changed image plots) into ``out_dir``."""
    from matplotlib.figure import Figure  # imported here: ~0.3 s, only when plots exist

    out_dir.mkdir(parents=True, exist_ok=True)
    names = _Names()
    rendered: list[RenderedPlot] = []
    for plot in plots:
        kind = _kind(plot.template)
        result = RenderedPlot(plot.id, plot.title, kind, notes=list(plot.notes))
        result.revs = plot.revs()
        result.changed = plot.changed()
        if not plot.series:
            rendered.append(result)
            continue
        name = names.take(_short_slug(plot.id, plot.title))
        if kind == "confusion":
            figure = _confusion(Figure, plot, labels, result.notes)
        elif kind == "bars":
            figure = _bars(Figure, plot, labels, result.notes)
        else:
            figure = _curve(Figure, plot, labels, result.notes)
        figure.savefig(out_dir / name, dpi=DPI)
        result.files["plot"] = name
        rendered.append(result)
    for image in images:
        result = RenderedPlot(image.id, image.id, "image", revs=sorted(image.images))
        result.changed = image.changed()
        for which in ("base", "head"):
            data = image.images.get(which)
            if data is None or (which == "base" and not result.changed):
                continue
            suffix = Path(image.id).suffix.lower() or ".png"
            name = names.take(f"{slug(image.id)}-{which}", suffix)
            (out_dir / name).write_bytes(data)
            result.files[which] = name
        rendered.append(result)
    return rendered


def _short_slug(plot_id: str, title: str) -> str:
    leaf = Path(plot_id).name if "/" in plot_id else plot_id
    return slug(leaf) or slug(title)


def _kind(template: str) -> str:
    if template.startswith("confusion"):
        return "confusion"
    if template.startswith("bar"):
        return "bars"
    return "curve"


def series_label(which: str, name: str, labels: dict[str, str]) -> str:
    rev = f"{labels['base']} (base)" if which == "base" else labels["head"]
    return f"{rev}: {name}" if name else rev


def _curve(figure_cls: Any, plot: PlotData, labels: dict[str, str], notes: list[str]) -> Any:
    figure = figure_cls(figsize=(6, 4.5))
    axes = figure.add_subplot()
    scatter = plot.template == "scatter"
    dropped_total = 0
    categorical = _categorical_x(plot)
    color_index: dict[str, int] = {}
    for series in sorted(plot.series, key=lambda s: (s.rev != "base", s.name)):
        if categorical:
            points = [(str(x), y) for x, y in series.points]
            kept = []
            for x, y in points:
                numbers, _ = finite_points([(0, y)])
                if numbers:
                    kept.append((x, numbers[0][1]))
            dropped = len(points) - len(kept)
        else:
            kept, dropped = finite_points(series.points)
        dropped_total += dropped
        if not kept:
            continue
        xs, ys = [p[0] for p in kept], [p[1] for p in kept]
        label = series_label(series.rev, series.name, labels)
        index = color_index.setdefault(series.name, len(color_index))
        if series.rev == "base":
            style = dict(BASE_STYLE)
            if len(color_index) > 1 or series.name:
                style["color"] = HEAD_COLORS[index % len(HEAD_COLORS)]
                style["alpha"] = 0.55
        else:
            style = {"color": HEAD_COLORS[index % len(HEAD_COLORS)], "linewidth": 2}
        if scatter:
            axes.scatter(
                xs,
                ys,
                label=label,
                s=14,
                color=style["color"],
                alpha=0.6 if series.rev == "base" else 0.9,
            )
        else:
            axes.plot(xs, ys, label=label, **style)
    if dropped_total:
        notes.append(
            f"{dropped_total} point{'s' if dropped_total != 1 else ''} left out "
            "(Infinity, NaN or not a number)"
        )
    axes.set(xlabel=plot.x_label, ylabel=plot.y_label, title=plot.title)
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="best", fontsize="small")
    else:
        axes.text(0.5, 0.5, "no finite data", ha="center", va="center", transform=axes.transAxes)
    # fixed margins: tight_layout would draw the figure once more just to measure it
    figure.subplots_adjust(left=0.13, right=0.96, bottom=0.12, top=0.92)
    return figure


def _categorical_x(plot: PlotData) -> bool:
    values = [x for series in plot.series for x, _ in series.points]
    if not values:
        return False
    numeric, _ = finite_points([(x, 0) for x in values])
    text = [x for x in values if isinstance(x, str)]
    # text that does not parse as a number (class names, dates) -> categorical axis
    return (
        len(numeric) < len(values)
        and len(text) > len(values) // 2
        and bool([t for t in text if _not_number(t)])
    )


def _not_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


def confusion_matrices(
    plot: PlotData,
) -> tuple[list[str], dict[tuple[str, str], list[list[float]]]]:
    """The classes, and one matrix per revision and data file (DVC draws a matrix per
    revision and file; counts of two files are never added up)."""
    normalized = plot.template.endswith("normalized")
    counts: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
    for series in sorted(plot.series, key=lambda s: (s.rev != "base", s.name)):
        counter = counts.setdefault((series.rev, series.name), Counter())
        for actual, predicted in series.points:
            counter[(_class(actual), _class(predicted))] += 1
    classes = sorted(
        {c for counter in counts.values() for pair in counter for c in pair}, key=_class_order
    )
    matrices: dict[tuple[str, str], list[list[float]]] = {}
    index = {c: i for i, c in enumerate(classes)}
    for key, counter in counts.items():
        matrix = [[0.0] * len(classes) for _ in classes]
        for (actual, predicted), count in counter.items():
            matrix[index[actual]][index[predicted]] += count
        if normalized:
            matrix = [[v / (sum(row) or 1) for v in row] for row in matrix]
        matrices[key] = matrix
    return classes, matrices


def _confusion(figure_cls: Any, plot: PlotData, labels: dict[str, str], notes: list[str]) -> Any:
    normalized = plot.template.endswith("normalized")
    classes, matrices = confusion_matrices(plot)
    revs = sorted({rev for rev, _ in matrices}, key=("base", "head").index)
    panels = list(matrices)
    # one colour scale for all, so equal counts look equal
    peak = max((v for m in matrices.values() for row in m for v in row), default=0) or 1
    size = max(3.6, 0.45 * len(classes) + 2.6)
    figure = figure_cls(figsize=(size * len(panels) + 0.4, size))
    for position, (rev, name) in enumerate(panels, start=1):
        axes = figure.add_subplot(1, len(panels), position)
        matrix = matrices[(rev, name)]
        axes.imshow(matrix, cmap="Blues", vmin=0, vmax=peak)
        if len(classes) <= 20:
            for i, row in enumerate(matrix):
                for j, value in enumerate(row):
                    text = f"{value:.2f}" if normalized else str(int(value))
                    color = "white" if value > peak * 0.6 else "black"
                    axes.text(j, i, text, ha="center", va="center", color=color, fontsize=9)
        ticks = range(len(classes))
        axes.set_xticks(list(ticks), classes, rotation=45 if len(classes) > 6 else 0)
        axes.set_yticks(list(ticks), classes)
        axes.set_xlabel(plot.y_label)  # predicted across
        axes.set_ylabel(plot.x_label)  # actual down
        axes.set_title(series_label(rev, name, labels), fontsize="medium")
    figure.suptitle(plot.title)
    figure.subplots_adjust(left=0.1, right=0.97, bottom=0.16, top=0.82, wspace=0.35)
    if len(revs) == 1:
        notes.append(f"only {labels[revs[0]]} has data")
    return figure


def _class(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _class_order(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def _bars(figure_cls: Any, plot: PlotData, labels: dict[str, str], notes: list[str]) -> Any:
    # horizontal bars: DVC's bar templates put the value on x and the category on y
    # a bar per revision and data file for each category
    values: dict[str, dict[tuple[str, str], float]] = {}
    dropped = 0
    groups = sorted({(s.rev, s.name) for s in plot.series}, key=lambda g: (g[0] != "base", g[1]))
    for series in plot.series:
        for x, y in series.points:
            numbers, _ = finite_points([(x, 0)])
            if not numbers:
                dropped += 1
                continue
            values.setdefault(str(y), {})[(series.rev, series.name)] = numbers[0][0]
    categories = list(values)
    if plot.template.endswith("sorted"):
        last = groups[-1] if groups else ("head", "")
        categories.sort(key=lambda c: values[c].get(last, 0))
    figure = figure_cls(figsize=(6.5, max(3.0, 0.35 * len(categories) * len(groups) / 2 + 1.5)))
    axes = figure.add_subplot()
    height = 0.8 / max(1, len(groups))
    for number, (rev, name) in enumerate(groups):
        offset = 0.4 - height * (number + 0.5)
        ys = [i + offset for i in range(len(categories))]
        widths = [values[c].get((rev, name), 0.0) for c in categories]
        color = (
            BASE_STYLE["color"]
            if rev == "base" and len(groups) <= 2
            else HEAD_COLORS[number % len(HEAD_COLORS)]
        )
        label = series_label(rev, name, labels)
        axes.barh(ys, widths, height=height, color=color, label=label)
    axes.set_yticks(list(range(len(categories))), categories)
    axes.set(xlabel=plot.x_label, ylabel=plot.y_label, title=plot.title)
    axes.legend(loc="best", fontsize="small")
    figure.subplots_adjust(left=0.3, right=0.96, bottom=0.12, top=0.9)
    if dropped:
        notes.append(f"{dropped} value{'s' if dropped != 1 else ''} left out (not a finite number)")
    return figure
