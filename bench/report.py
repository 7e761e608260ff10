"""Time `mlops report` against the dvc CLI calls it replaces, on a generated project.

Setup (once): `mlops new --defaults`, `dvc repro` and commit on main, then a branch that
changes train C and runs `dvc repro` again. Then, N times each, in fresh processes:
- mlops report --base main --out report.md        (one process: metrics, params, plots
                                                   drawn to PNG, stage status)
- mlops report --base main --no-plots             (the same without drawing)
- dvc metrics diff main --json + dvc params diff main --json + dvc plots diff main --json
  (three processes; tables and vega specs only: nothing drawn, no verdict, no stages)
Prints medians and the ratio. Usage: python bench/report.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return {**env, **IDENTITY, "DVC_NO_ANALYTICS": "1"}


def _run(argv: list[str], cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, check=True)


def _setup(root: Path) -> None:
    python = sys.executable
    _run([python, "-m", "mlops", "new", str(root), "--defaults"], root.parent)
    _run([python, "-m", "dvc", "repro"], root)
    _run(["git", "add", "-A"], root)
    _run(["git", "commit", "-qm", "baseline"], root)
    _run(["git", "checkout", "-qb", "exp"], root)
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("C: 1.0", "C: 0.01"))
    _run([python, "-m", "dvc", "repro"], root)


def _median(argvs: list[list[str]], cwd: Path, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for argv in argvs:
            _run(argv, cwd)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        root = Path(scratch) / "project"
        _setup(root)
        mlops = [python, "-m", "mlops", "report", "--base", "main"]
        full = _median([[*mlops, "--out", "report.md"]], root, runs)
        tables = _median([[*mlops, "--no-plots", "--out", "tables.md"]], root, runs)
        dvc = [python, "-m", "dvc"]
        peer = _median(
            [
                [*dvc, "metrics", "diff", "main", "--json"],
                [*dvc, "params", "diff", "main", "--json"],
                [*dvc, "plots", "diff", "main", "--json", "-o", "dvc_plots"],
            ],
            root,
            runs,
        )
        chars = len((root / "report.md").read_text())
    print(f"runs: {runs} (median)")
    print(f"mlops report --out report.md (with PNG plots): {full:.2f} s  ({chars:,} chars)")
    print(f"mlops report --no-plots:                      {tables:.2f} s")
    print(f"dvc metrics diff + params diff + plots diff:  {peer:.2f} s  (3 processes)")
    print(
        f"ratio mlops report / dvc CLI calls: {full / peer:.2f} (with plots), "
        f"{tables / peer:.2f} (without)"
    )


if __name__ == "__main__":
    main()
