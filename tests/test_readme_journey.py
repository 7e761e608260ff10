"""The README's "Try it" command, verbatim, as a newcomer runs it: a fresh clone of this
repository, a fresh ``python3 -m venv`` (its own pip, not the one the dev extra pins), a fresh
mlops cache, today's package index, no Docker engine needed — and the variant the README
suggests next (``C: 0.01``: a worse model, so the pull request's training job fails after
posting the report that says why).

The first run makes the clone and its venv (shared: ``build_once``); the variant reuses them,
as a user trying it next would, and is scheduled last (tests/conftest.py) so it never waits.
Its pip (the venv's, 23.2 with Python 3.11) is upgraded by ``pip install .`` itself (mlops
requires pip >= 25.1, the pip its jobs get); the lock files' installs with the old pip are
tests/test_locks.py's.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, build_once
from tests.docker.test_deploy import _build_stages, _remove_images

pytestmark = pytest.mark.slow

# what a newcomer's shell would not have: this suite's venv, its imports, CI, pytest's state
_DROPPED = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CI", "MLOPS_CACHE_DIR", "MLOPS_DEBUG")


def readme_command(step: str) -> str:
    """The command of the README's **step** paragraph (Try it, Ship it, Watch it)."""
    readme = (REPO_ROOT / "README.md").read_text()
    found = re.search(rf"\*\*{step}\*\*.*?```bash\n(.*?)\n```", readme, re.S)
    assert found, f"README.md has no **{step}** command"
    return found.group(1)


def try_it_command() -> str:
    return readme_command("Try it")


def _newcomer_env(cache: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _DROPPED and not k.startswith(("PYTEST", "COV_", "GIT_"))
    }
    here = os.environ.get("VIRTUAL_ENV")
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not here or not p.startswith(here)
    )
    env["MLOPS_CACHE_DIR"] = str(cache)
    return env


def _run(
    command: str, cwd: Path, cache: Path, env: dict[str, str] | None = None
) -> dict[str, object]:
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env={**_newcomer_env(cache), **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    return {
        "exit": result.returncode,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "seconds": round(time.monotonic() - started, 1),
    }


def _journey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def verbatim(directory: Path) -> None:
        subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(directory / "clone")], check=True)
        outcome = _run(try_it_command(), directory / "clone", directory / "cache")
        (directory / "outcome.json").write_text(json.dumps(outcome))

    return build_once(tmp_path_factory, "readme-journey", verbatim)


def _table(stderr: str) -> dict[str, str]:
    table = stderr.split("\nJob ")[-1].split("\n\n")[0].splitlines()[1:]
    return {line.split()[0]: line.split()[2] for line in table}


def test_readme_try_it_passes_and_prints_the_report(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    journey = _journey(tmp_path_factory)
    outcome = json.loads((journey / "outcome.json").read_text())
    stderr = str(outcome["stderr"])
    print(f"README journey: exit {outcome['exit']} in {outcome['seconds']} s")
    assert outcome["exit"] == 0, (str(outcome["stdout"])[-2000:], stderr[-6000:])
    assert _table(stderr) == {
        "lint": "success",
        "test": "success",
        "template-updates": "success",
        "train": "success",
        "fork-notice": "skipped",
        "push-data": "skipped",
    }
    # the README says why no lock check ran: no requirements file changed
    assert "Not triggered: .github/workflows/lock.yml (no changed file matches 'paths')" in stderr
    assert "── CML comment" in stderr
    comment = stderr.split("── CML comment")[1]
    assert "train.logistic_regression.C" in comment  # the changed param is named
    assert "**Verdict: ✅ improved**" in comment  # so the train job's gate passes
    accuracy = next(line for line in comment.splitlines() if line.startswith("| `accuracy`"))
    cells = [cell.strip() for cell in accuracy.strip("|").split("|")]
    assert cells[1] != "—" and cells[2] != "—"  # a value at main and on the branch
    assert float(cells[3]) == pytest.approx(float(cells[2]) - float(cells[1]), abs=1e-3)
    assert "> ✅ This check passes (`mlops report --fail-on regressed`)" in comment
    assert "is stale" not in comment  # the branch committed its dvc.lock
    # the demo project is left as the user committed it
    demo = journey / "mlops-demo"
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=demo, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
    record = Path(stderr.split("Run record: ")[-1].strip().splitlines()[0])
    assert str(record).startswith(str(journey / "cache"))  # the fresh cache, not ~/.cache


@pytest.mark.readme_variant
def test_readme_variant_with_a_worse_model_fails_saying_it_regressed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    journey = _journey(tmp_path_factory)
    command = try_it_command()
    assert "s/C: 1.0/C: 2.0/" in command
    variant = command.replace("s/C: 1.0/C: 2.0/", "s/C: 1.0/C: 0.01/").replace(
        "../mlops-demo", "../mlops-demo-worse"
    )
    outcome = _run(variant, journey / "clone", journey / "cache-worse")
    stderr = str(outcome["stderr"])
    print(f"README C: 0.01 variant: exit {outcome['exit']} in {outcome['seconds']} s")
    assert outcome["exit"] == 1, stderr[-6000:]
    assert _table(stderr)["train"] == "failure"
    assert _table(stderr)["test"] == "success"
    assert "Model regressed" in stderr
    assert "metrics regressed: accuracy" in stderr
    comment = stderr.split("── CML comment")[1]
    assert "**Verdict: ⚠️ regressed**" in comment
    assert "> ❌ **This check fails** (`mlops report --fail-on regressed`)" in comment


@pytest.mark.readme_variant
@pytest.mark.docker
def test_readme_ship_it_and_watch_it_after_the_journey(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """The README's next two commands, verbatim, in a copy of the journey's demo project with
    the journey's venv: the model registered and promoted with GTO, the stage tag's deploy run
    (image built, smoke-tested, its container removed), then the monitor on a clean batch
    (passes) and a drifted one (fails naming the features)."""
    journey = _journey(tmp_path_factory)
    assert json.loads((journey / "outcome.json").read_text())["exit"] == 0
    demo = tmp_path / "mlops-demo"  # the README's image name: ghcr.io/local/mlops-demo/model
    shutil.copytree(journey / "mlops-demo", demo, symlinks=True)
    activate = f". {shlex.quote(str(journey / 'clone' / '.venv' / 'bin' / 'activate'))} && "
    image = "ghcr.io/local/mlops-demo/model"
    stages = _build_stages()
    # A newcomer may have no git identity (gto reads ~/.gitconfig itself): the README's
    # commands must not need one.
    (tmp_path / "home").mkdir()
    no_identity = {"HOME": str(tmp_path / "home"), "GIT_CONFIG_NOSYSTEM": "1"}
    try:
        ship = _run(activate + readme_command("Ship it"), demo, tmp_path / "cache", no_identity)
        watch = _run(activate + readme_command("Watch it"), demo, tmp_path / "cache", no_identity)
        labels = subprocess.run(
            ["docker", "inspect", "-f", "{{json .Config.Labels}}", f"{image}:prod"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    finally:
        _remove_images(image, stages)
    stderr = str(ship["stderr"])
    print(f"README Ship it: exit {ship['exit']} in {ship['seconds']} s")
    assert ship["exit"] == 0, (str(ship["stdout"])[-2000:], stderr[-6000:])
    assert "│ model  │ v1.0.0   │ v1.0.0  │" in str(ship["stdout"])  # gto show: v1.0.0 in #prod
    assert _table(stderr) == {"parse": "success", "deploy": "success"}
    assert "Smoke test passed" in stderr
    assert '"org.opencontainers.image.version":"v1.0.0"' in labels
    running = subprocess.run(
        ["docker", "ps", "-a", "-q", "--filter", "name=deploy-smoke-"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert running.stdout == ""  # the smoke test's container was removed
    out = str(watch["stderr"])
    print(f"README Watch it: exit {watch['exit']} in {watch['seconds']} s")
    assert watch["exit"] == 1, out[-6000:]  # the drifted batch fails the second run
    assert "monitor: 0 of 30 features drifted" in out  # the clean batch
    assert "monitor: 30 of 30 features drifted" in out
    assert "error: Data drift: The production inputs drifted: mean radius," in out
