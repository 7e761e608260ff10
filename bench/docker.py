"""The docker backend's overhead per job against the host backend.

One workflow with J independent jobs of one short step each runs with ``--backend host``
and ``--backend docker`` (the default ``ubuntu-latest`` image, built locally by
``python -m tests.dockerimages``), alternating, N runs each, then once more with
J jobs in sequence (``--concurrent-jobs 1``) so the per-job cost is not hidden by
parallelism. Prints the medians, the extra seconds per job and the ratio.
Usage: python bench/docker.py [N] [J]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _repo(jobs: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="bench-docker-"))
    step = 'echo job >> "$GITHUB_STEP_SUMMARY"'
    body = "".join(
        f"  j{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {step}\n"
        for i in range(jobs)
    )
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/w.yml").write_text(f"on: push\njobs:\n{body}")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b"}
    env.update(GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@b")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return root


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    sys.path.insert(0, str(HERE.parent))
    from tests.dockerimages import ensure_runner_image

    ensure_runner_image()
    root = _repo(jobs)
    env = {**os.environ, "MLOPS_CACHE_DIR": tempfile.mkdtemp(prefix="bench-cache-")}
    base = [sys.executable, "-m", "mlops", "run", "push", "-C", str(root)]
    print(f"{jobs} jobs of one step, median of {runs} runs")
    for label, extra in (("parallel", []), ("sequential", ["--concurrent-jobs", "1"])):
        times: dict[str, list[float]] = {"host": [], "docker": []}
        for _ in range(runs):
            for backend in times:
                times[backend].append(_time([*base, "--backend", backend, *extra], env))
        host, docker = (statistics.median(times[b]) for b in ("host", "docker"))
        print(
            f"{label:>10}: host {host:.2f}s  docker {docker:.2f}s  "
            f"docker-host per job {(docker - host) / jobs:+.2f}s  ratio {docker / host:.2f}x"
        )


if __name__ == "__main__":
    main()
