"""Time `mlops new --defaults` against `copier copy --defaults` of the same template.

mlops adds answer checks, an atomic render-then-move and `git init` + first commit on
top of copier; this shows what that costs. Usage: python bench/new.py [N]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _median_seconds(make_argv, runs: int) -> float:
    samples = []
    for index in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            target = Path(scratch) / f"p{index}"
            start = time.perf_counter()
            subprocess.run(make_argv(target), capture_output=True, check=True)
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    template = str(REPO / "templates" / "project")
    mlops = _median_seconds(lambda t: [str(BIN / "mlops"), "new", str(t), "--defaults"], runs)
    print(f"mlops new --defaults (render + git init + commit): {mlops:.3f} s")
    copier = shutil.which("copier") or str(BIN / "copier")
    peer = _median_seconds(lambda t: [copier, "copy", "--defaults", template, str(t)], runs)
    print(f"copier copy --defaults (render only):              {peer:.3f} s")
    print(f"ratio mlops/copier: {mlops / peer:.2f}")


if __name__ == "__main__":
    main()
