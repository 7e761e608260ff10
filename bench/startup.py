"""Cold start-up of the mlops CLI against peers, in fresh processes.

Prints the median and min of N runs for each command and its ratio to `mlops --help`.
The bar (DESIGN.md §5): `mlops --help` under 0.3 s. Usage: python bench/startup.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from _tools import find_tool

BIN = Path(sys.executable).parent


def _command(name: str, *args: str) -> list[str] | None:
    path = find_tool(name)
    return [path, *args] if path else None


def time_command(argv: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "mlops --help": _command("mlops", "--help"),
        "mlops new --help": _command("mlops", "new", "--help"),
        "copier --version": _command("copier", "--version"),
        "dvc --version": _command("dvc", "--version"),
        "act --help": _command("act", "--help"),
    }
    base = None
    print(f"{'command':<20} {'median':>9} {'min':>9} {'vs mlops --help':>16}")
    for label, argv in cases.items():
        if argv is None:
            print(f"{label:<20} {'not installed':>9}")
            continue
        samples = time_command(argv, runs)
        median = statistics.median(samples)
        if label == "mlops --help":
            base = median
        ratio = f"{median / base:.2f}x" if base else "-"
        print(f"{label:<20} {median * 1000:>7.0f}ms {min(samples) * 1000:>7.0f}ms {ratio:>16}")
    if base is not None:
        verdict = "OK" if base < 0.3 else "OVER BUDGET"
        print(f"\nmlops --help median {base * 1000:.0f} ms (bar 300 ms): {verdict}")


if __name__ == "__main__":
    main()
