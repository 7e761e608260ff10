"""Real workflows of well-known projects (data/real/, sources in SOURCES.md) list and dry-run.

Each file is copied into a fresh git repository and planned for every event it declares, as
``mlops run EVENT -n`` does; the listing and dry run must succeed without an error.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mlops.runner.runplan import plan_run
from mlops.workflow.schema.loader import load_workflow
from tests.conftest import run_mlops

DATA = Path(__file__).parent / "data" / "real"
SINGLE_FILES = sorted(DATA.glob("*.yml"))
REPOSITORIES = sorted(p for p in DATA.iterdir() if p.is_dir())
PLANNABLE_EVENTS = {
    "push",
    "pull_request",
    "pull_request_target",
    "workflow_dispatch",
    "schedule",
    "workflow_call",
    "merge_group",
    "workflow_run",
    "release",
    "repository_dispatch",
}


def test_collection_is_large_enough() -> None:
    assert len(SINGLE_FILES) + len(REPOSITORIES) >= 20
    sources = (DATA / "SOURCES.md").read_text()
    for path in SINGLE_FILES:
        assert path.name in sources, f"{path.name} has no source in SOURCES.md"


def _as_repository(tmp_path: Path, source: Path) -> Path:
    root = tmp_path / "repo"
    if source.is_dir():
        shutil.copytree(source, root)
    else:
        (root / ".github" / "workflows").mkdir(parents=True)
        shutil.copy(source, root / ".github" / "workflows" / source.name)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    return root


def _required_inputs(root: Path) -> dict[str, str]:
    inputs = {}
    for path in sorted((root / ".github" / "workflows").glob("*.yml")):
        for spec in load_workflow(path).dispatch_inputs.values():
            if spec.required and spec.default is None:
                inputs[spec.name] = spec.options[0] if spec.options else "x"
    return inputs


@pytest.mark.parametrize("source", SINGLE_FILES + REPOSITORIES, ids=lambda p: p.name)
def test_lists_and_dry_runs_for_every_event(tmp_path: Path, source: Path) -> None:
    root = _as_repository(tmp_path, source)
    listing = plan_run(
        mode="list",
        as_json=False,
        directory=str(root),
        workflows=None,
        event_name=None,
        event_path=None,
        job=None,
    )
    assert listing.splitlines()[0].startswith("Stage")
    events = {e for p in (root / ".github/workflows").glob("*.yml") for e in load_workflow(p).on}
    for event in sorted(events & PLANNABLE_EVENTS):
        text = plan_run(
            mode="dry-run",
            as_json=False,
            directory=str(root),
            workflows=None,
            event_name=event,
            event_path=None,
            job=None,
            inputs=_required_inputs(root) if event == "workflow_dispatch" else None,
        )
        assert text.startswith(f"Event: {event}")
        assert "Stage 0:" in text or "Not triggered:" in text


def test_cli_dry_run_of_a_real_ml_workflow(tmp_path: Path) -> None:
    root = _as_repository(tmp_path, DATA / "iterative__example-get-started__cml.yml")
    result = run_mlops("run", "-n", "-C", str(root))
    assert result.returncode == 0, result.stderr
    assert "Stage 0:" in result.stdout
