"""The built-in setup actions in a container job against the same on the host.

One job — setup-python, setup-cml, then a step running ``cml comment create`` — runs with
``--backend host`` and ``--backend docker`` (the default ``ubuntu-latest`` image, built
locally by ``python -m tests.dockerimages``), alternating, N runs each. Prints the median
seconds of each step per backend and the ratio docker/host. On the host setup-python must
stay within 0.2 s (bench/run.py); in a container it costs one probe of the container.
Usage: python bench/builtins_docker.py [N]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

WORKFLOW = f"""\
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: "{sys.version_info[0]}.{sys.version_info[1]}"
      - uses: iterative/setup-cml@v2
      - name: comment
        run: echo '## report' > report.md && cml comment create report.md
"""
STEPS = {"setup-python": "setup-python", "setup-cml": "setup-cml", "cml comment": "comment"}


def _repo() -> Path:
    root = Path(tempfile.mkdtemp(prefix="bench-builtins-"))
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/w.yml").write_text(WORKFLOW)
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b"}
    env.update(GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@b")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return root


def _steps(root: Path, backend: str, env: dict[str, str]) -> dict[str, float]:
    argv = [sys.executable, "-m", "mlops", "run", "push", "--json", "--backend", backend]
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    seconds = {}
    for line in done.stdout.splitlines():
        event = json.loads(line)
        if event.get("event") != "step_finished":
            continue
        for label, needle in STEPS.items():
            if needle in event["step"]:
                seconds[label] = event["seconds"]
    return seconds


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    root = _repo()
    cache = Path(tempfile.mkdtemp(prefix="bench-builtins-cache-"))
    env = {**os.environ, "MLOPS_CACHE_DIR": str(cache)}
    samples: dict[str, dict[str, list[float]]] = {"host": {}, "docker": {}}
    for _ in range(runs):
        for backend in ("host", "docker"):
            for label, value in _steps(root, backend, env).items():
                samples[backend].setdefault(label, []).append(value)
    for label in STEPS:
        host = statistics.median(samples["host"][label])
        docker = statistics.median(samples["docker"][label])
        ratio = docker / host if host else float("inf")
        print(f"{label:13} host {host:.3f}s  docker {docker:.3f}s  ({ratio:.1f}x)")


if __name__ == "__main__":
    main()
