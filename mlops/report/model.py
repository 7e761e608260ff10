"""The report's content: what was compared and found, apart from how it is rendered."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlops import __version__
from mlops.report.base import Revision
from mlops.report.compare import MetricRow, ParamRow, Verdict
from mlops.report.gate import GateResult
from mlops.report.registry import StageVersion
from mlops.report.stages import StageRow

if TYPE_CHECKING:  # importing plots at run time pulls matplotlib
    from mlops.report.plots import RenderedPlot


@dataclass
class Report:
    base: Revision
    head: Revision
    dirty: bool
    metrics: list[MetricRow]
    verdict: Verdict
    params: list[ParamRow]
    stages: list[StageRow]
    has_log: bool
    plots: list[RenderedPlot] = field(default_factory=list)
    plots_dir: Path | None = None  # where the PNG files are
    plots_dir_rel: str | None = None  # how the markdown refers to it
    plots_note: str | None = None  # why there are no plots, when there are none
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run_url: str | None = None
    config_source: str | None = None
    gate: GateResult | None = None  # --fail-on: whether this report fails the check
    lock_stale: list[str] = field(default_factory=list)  # stages whose lock != HEAD's
    # metrics DVC could not load, as "`path`: DVC's reason": at the base (its dvc.lock
    # records them) and in this revision
    base_unreadable: list[str] = field(default_factory=list)
    head_unloaded: list[str] = field(default_factory=list)
    registry: list[StageVersion] = field(default_factory=list)  # what is in each stage now
    version: str = __version__

    def image_count(self) -> int:
        return sum(len(p.files) for p in self.plots)
