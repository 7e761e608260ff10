"""Data drift: compare a batch of production inputs with the training data, feature by feature.

    python -m <package>.monitor [--current PATH] [--reference PATH] [--drift-share X]

Settings default to params.yaml's ``monitor`` section. The batch (``current``) is a file or a
folder of serving logs (``*.jsonl``: what ``<package>.serve`` appends, one
``{"features": ..., "prediction": ...}`` per line) and CSV files (one column per feature).

Each feature gets the test Evidently's data-drift preset picks by default, by the size of the
reference and the feature's type (https://docs.evidentlyai.com/metrics/preset_data_drift;
the rules: https://docs-old.evidentlyai.com/reference/data-drift-algorithm):

- reference of at most 1000 rows: numerical features (more than 5 distinct values) the
  two-sample Kolmogorov-Smirnov test; categorical ones (5 or fewer) the chi-squared test, or
  with 2 or fewer values the Z-test of the difference of proportions; drift when p < 0.05;
- more than 1000 rows: numerical features the Wasserstein distance divided by the reference's
  standard deviation; categorical ones the Jensen-Shannon distance; drift when >= 0.1.

The batch drifted when at least ``drift_share`` of the features did (Evidently's default 0.5).
Writes ``<report>/report.md`` (a table of every feature, a plot per drifted one) and
``<report>/drift.json``; exits 1 when the batch drifted, 2 when the input is unusable.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from .data import TARGET
from .params import load_params

SMALL_REFERENCE = 1000  # rows; above it, distances instead of tests
MIN_NUMERICAL_VALUES = 6  # distinct values; fewer makes a feature categorical
P_VALUE_THRESHOLD = 0.05
DISTANCE_THRESHOLD = 0.1
NOT_FEATURES = {TARGET, "prediction"}


class MonitorError(Exception):
    """The comparison cannot run; the message says why."""


@dataclass
class FeatureDrift:
    feature: str
    kind: str  # numerical | categorical
    test: str
    statistic: float
    p_value: float | None  # tests
    distance: float | None  # distances
    threshold: float
    drifted: bool


def is_numerical(reference: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(reference) and (
        reference.nunique() >= MIN_NUMERICAL_VALUES
    )


def compare(feature: str, reference: pd.Series, current: pd.Series) -> FeatureDrift:
    """One feature's drift, with the test chosen as Evidently's preset does."""
    reference, current = reference.dropna(), current.dropna()
    if reference.empty or current.empty:
        raise MonitorError(f"feature {feature!r} has no values in the reference or the batch")
    small = len(reference) <= SMALL_REFERENCE
    if is_numerical(reference):
        ref, cur = reference.to_numpy(float), current.to_numpy(float)
        if small:
            result = stats.ks_2samp(ref, cur)
            return _tested(
                feature, "numerical", "Kolmogorov-Smirnov", result.statistic, result.pvalue
            )
        scale = max(float(np.std(ref)), 0.001)
        value = stats.wasserstein_distance(ref, cur) / scale
        return _distanced(feature, "numerical", "Wasserstein distance (normed)", value)
    values = sorted(set(reference) | set(current), key=str)
    ref_counts = reference.value_counts().reindex(values, fill_value=0).to_numpy(float)
    cur_counts = current.value_counts().reindex(values, fill_value=0).to_numpy(float)
    if small and len(values) <= 2:
        statistic, p_value = _proportions_z_test(ref_counts, cur_counts)
        return _tested(feature, "categorical", "Z-test (proportions)", statistic, p_value)
    if small:
        if len(values) == 1:  # one value in both: nothing changed
            return _tested(feature, "categorical", "chi-squared", 0.0, 1.0)
        chi2, p_value, _, _ = stats.chi2_contingency(np.vstack([ref_counts, cur_counts]))
        return _tested(feature, "categorical", "chi-squared", chi2, p_value)
    # Empty categories get a small share, as Evidently does, so the distance stays finite.
    ref_share = np.where(ref_counts == 0, 1e-4, ref_counts / ref_counts.sum())
    cur_share = np.where(cur_counts == 0, 1e-4, cur_counts / cur_counts.sum())
    value = float(distance.jensenshannon(ref_share, cur_share))
    return _distanced(feature, "categorical", "Jensen-Shannon distance", value)


def _proportions_z_test(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[float, float]:
    """Two-sided Z-test that the first value's share is the same in both samples."""
    n1, n2 = ref_counts.sum(), cur_counts.sum()
    p1, p2 = ref_counts[0] / n1, cur_counts[0] / n2
    pooled = (ref_counts[0] + cur_counts[0]) / (n1 + n2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:  # the same single value in both
        return 0.0, 1.0
    z = (p1 - p2) / spread
    return float(z), float(2 * stats.norm.sf(abs(z)))


def _tested(feature: str, kind: str, test: str, statistic: float, p_value: float) -> FeatureDrift:
    p = float(p_value)
    return FeatureDrift(
        feature, kind, test, float(statistic), p, None, P_VALUE_THRESHOLD, p < P_VALUE_THRESHOLD
    )


def _distanced(feature: str, kind: str, test: str, value: float) -> FeatureDrift:
    value = float(value)
    return FeatureDrift(
        feature, kind, test, value, None, value, DISTANCE_THRESHOLD, value >= DISTANCE_THRESHOLD
    )


def detect(reference: pd.DataFrame, current: pd.DataFrame) -> list[FeatureDrift]:
    """Every feature of the reference, compared with the batch."""
    features = [c for c in reference.columns if c not in NOT_FEATURES]
    missing = [c for c in features if c not in current.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise MonitorError(f"the batch lacks {len(missing)} of the features: {shown}")
    return [compare(c, reference[c], current[c]) for c in features]


def load_batch(path: Path, columns: list[str]) -> pd.DataFrame:
    """The production inputs in ``path`` (a file, or a folder of *.jsonl and *.csv files)."""
    if not path.exists():
        raise MonitorError(f"{path}: no such file or folder")
    files = (
        sorted(p for p in path.rglob("*") if p.suffix in (".jsonl", ".csv") and p.is_file())
        if path.is_dir()
        else [path]
    )
    frames = [_read_log(f, columns) if f.suffix == ".jsonl" else pd.read_csv(f) for f in files]
    frames = [f for f in frames if not f.empty]
    if not frames:
        raise MonitorError(f"{path}: no production inputs (*.jsonl serving logs, *.csv files)")
    return pd.concat(frames, ignore_index=True)


def _read_log(path: Path, columns: list[str]) -> pd.DataFrame:
    rows = []
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                features = json.loads(line)["features"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise MonitorError(
                    f'{path}:{number}: not a prediction log line ({{"features": ...}})'
                ) from None
            if isinstance(features, list):  # a model without column names: training's order
                features = dict(zip(columns, features, strict=False))
            rows.append(features)
    return pd.DataFrame(rows)


def write_report(
    results: list[FeatureDrift],
    drift_share: float,
    directory: Path,
    sources: dict[str, Any],
    reference: pd.DataFrame,
    current: pd.DataFrame,
) -> dict[str, Any]:
    """report.md (a table, a plot per drifted feature) and drift.json; the summary."""
    directory.mkdir(parents=True, exist_ok=True)
    drifted = [r for r in results if r.drifted]
    share = len(drifted) / len(results) if results else 0.0
    summary = {
        "dataset_drift": bool(results) and share >= drift_share,
        "drifted_features": [r.feature for r in drifted],
        "share": share,
        "drift_share": drift_share,
        **sources,
        "features": [asdict(r) for r in results],
    }
    verdict = "**Drift detected**" if summary["dataset_drift"] else "No dataset drift"
    lines = [
        "## Data drift report",
        "",
        f"{verdict}: {len(drifted)} of {len(results)} features drifted ({share:.1%}; "
        f"the threshold is {drift_share:.1%}).",
        "",
        f"Reference: `{sources['reference']}` ({sources['reference_rows']} rows). "
        f"Batch: `{sources['current']}` ({sources['current_rows']} rows).",
        "",
        "| feature | type | test | statistic | p-value | distance | threshold | drifted |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in sorted(results, key=lambda r: not r.drifted):  # drifted first, else in order
        lines.append(
            f"| {r.feature} | {r.kind} | {r.test} | {r.statistic:.4g} | "
            f"{'' if r.p_value is None else f'{r.p_value:.3g}'} | "
            f"{'' if r.distance is None else f'{r.distance:.4g}'} | {r.threshold:g} | "
            f"{'**yes**' if r.drifted else 'no'} |"
        )
    if drifted:
        lines += ["", "### Drifted features", ""]
    for number, r in enumerate(drifted):
        name = f"drift-{number:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', r.feature)}.png"
        _plot(r, reference[r.feature], current[r.feature], directory / name)
        lines.append(f"![{r.feature}](./{name})")
    (directory / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (directory / "drift.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _plot(result: FeatureDrift, reference: pd.Series, current: pd.Series, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display in CI
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 3.5), dpi=100)
    if result.kind == "numerical":
        both = pd.concat([reference, current]).dropna().to_numpy(float)
        bins = np.histogram_bin_edges(both, bins="auto").tolist()
        axes.hist(reference.dropna(), bins=bins, density=True, alpha=0.5, label="reference")
        axes.hist(current.dropna(), bins=bins, density=True, alpha=0.5, label="batch")
    else:
        shares = pd.DataFrame(
            {
                "reference": reference.value_counts(normalize=True),
                "batch": current.value_counts(normalize=True),
            }
        ).fillna(0)
        shares.plot.bar(ax=axes, alpha=0.7)
    score = result.p_value if result.p_value is not None else result.distance
    label = "p" if result.p_value is not None else "distance"
    axes.set_title(f"{result.feature}: {result.test}, {label} = {score:.3g}", fontsize=9)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not in (0, 1]")
    return value


def main(argv: list[str] | None = None) -> int:
    settings = load_params().get("monitor") or {}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=settings.get("reference"))
    parser.add_argument("--current", type=Path, default=settings.get("current"))
    parser.add_argument("--drift-share", type=share, default=str(settings.get("drift_share", 0.5)))
    parser.add_argument("--report", type=Path, default=settings.get("report", "reports/drift"))
    args = parser.parse_args(argv)
    if args.reference is None or args.current is None:
        parser.error("set monitor.reference and monitor.current in params.yaml, or the flags")
    try:
        if not args.reference.is_file():
            raise MonitorError(f"{args.reference}: no training data; run `dvc repro` first")
        reference = pd.read_csv(args.reference)
        features = [c for c in reference.columns if c not in NOT_FEATURES]
        current = load_batch(args.current, features)
        results = detect(reference, current)
    except (MonitorError, OSError, ValueError) as error:
        print(f"monitor: {error}", file=sys.stderr)
        return 2
    sources = {
        "reference": str(args.reference),
        "reference_rows": len(reference),
        "current": str(args.current),
        "current_rows": len(current),
    }
    summary = write_report(results, args.drift_share, args.report, sources, reference, current)
    drifted = summary["drifted_features"]
    print(
        f"monitor: {len(drifted)} of {len(results)} features drifted "
        f"({summary['share']:.1%}, threshold {args.drift_share:.1%})"
        + (f": {', '.join(drifted)}" if drifted else "")
        + f"; report in {args.report / 'report.md'}"
    )
    if summary["dataset_drift"]:
        print(f"monitor: data drift: {', '.join(drifted)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
