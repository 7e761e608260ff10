"""Time `mlops lint` on a repository of 50 workflows, against running the linters by hand.

The repository is a freshly generated project (its 2 workflows, dvc.yaml, params.yaml,
Dockerfile) plus 48 workflows copied from the template's and the real ones under
tests/workflow/data/real/. `mlops lint` runs its own checks and actionlint, shellcheck (the
run: scripts actionlint would give it, batched), zizmor and hadolint: each tool once over all
its files, the tools in parallel. "By hand" is the four tools of the clean-workflow checklist
run one after another, each once over all files: actionlint (with shellcheck),
zizmor, check-jsonschema (the SchemaStore workflow schema) and hadolint.
Goal: under 3 s. Usage: python bench/lint.py [RUNS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "tests" / "workflow" / "data" / "real"
BIN = Path(sysconfig.get_path("scripts"))
WORKFLOWS = 50


def _tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}


def make_repository(target: Path) -> Path:
    project = target / "project"
    subprocess.run(
        [_tool("mlops"), "new", str(project), "--defaults"], capture_output=True, check=True
    )
    workflows = project / ".github" / "workflows"
    sources = sorted(workflows.glob("*.yml")) + sorted(REAL.glob("*.yml"))
    # The reusable-workflow pair keeps its names so the caller's ./ reference resolves.
    for pair in sorted((REAL / "huggingface__transformers" / ".github" / "workflows").glob("*")):
        shutil.copy(pair, workflows / pair.name)
    count = len(list(workflows.glob("*.yml")))
    index = 0
    while count < WORKFLOWS:
        source = sources[index % len(sources)]
        shutil.copy(source, workflows / f"w{index:02d}-{source.name}")
        index += 1
        count += 1
    subprocess.run(["git", "add", "-A"], cwd=project, capture_output=True, check=True)
    return project


def seconds(argv: list[str], cwd: Path, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory(prefix="mlops-bench-lint-") as scratch:
        project = make_repository(Path(scratch))
        workflows = sorted(str(p) for p in (project / ".github" / "workflows").glob("*.yml"))
        print(f"repository: {len(workflows)} workflows, dvc.yaml, params.yaml, Dockerfile")
        result = subprocess.run(
            [_tool("mlops"), "lint", "--format", "json"],
            cwd=project,
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        print(f"mlops lint exit {result.returncode}; {result.stderr.strip().splitlines()[-1]}")
        ours = seconds([_tool("mlops"), "lint"], project, runs)
        own_only = seconds([_tool("mlops"), "lint", "--no-tools"], project, runs)
        by_hand = {
            "actionlint": [
                _tool("actionlint"),
                "-no-color",
                f"-shellcheck={_tool('shellcheck')}",
                "-pyflakes=",
                *workflows,
            ],
            "zizmor": [
                _tool("zizmor"),
                "--offline",
                "--no-progress",
                "--no-config",
                *workflows,
            ],
            "check-jsonschema": [
                _tool("check-jsonschema"),
                "--builtin-schema",
                "vendor.github-workflows",
                *workflows,
            ],
            "hadolint": [_tool("hadolint"), "--no-color", "Dockerfile"],
        }
        each = {name: seconds(argv, project, runs) for name, argv in by_hand.items()}
        total = sum(each.values())
        print(f"mlops lint (own checks + 4 tools in parallel): {ours:.3f} s (goal < 3 s)")
        print(f"mlops lint --no-tools (own checks only):       {own_only:.3f} s")
        for name, value in each.items():
            print(f"  by hand: {name:<17} {value:.3f} s")
        print(f"the four tools by hand, one after another:     {total:.3f} s")
        print(f"ratio mlops lint / by hand: {ours / total:.2f}")


if __name__ == "__main__":
    main()
