"""The workflow cache: an unchanged file is served from it, a changed or broken one is not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlops.workflow.model import WorkflowError
from mlops.workflow.workflowcache import load_workflow

GOOD = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo {}\n"


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("MLOPS_CACHE_DIR", str(directory))
    return directory


def test_unchanged_file_comes_from_the_cache(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text(GOOD.format("one"))
    first = load_workflow(path, display_path="w.yml")
    entries = list((cache / "workflows").glob("*.pickle"))
    assert len(entries) == 1
    second = load_workflow(path, display_path="w.yml")
    assert second.jobs["a"].steps[0].run == first.jobs["a"].steps[0].run == "echo one"


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text(GOOD.format("one"))
    load_workflow(path)
    path.write_text(GOOD.format("two-longer"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_workflow(path).jobs["a"].steps[0].run == "echo two-longer"


def test_a_broken_file_is_never_cached(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text("on: push\njobs: {}\n")
    for _ in range(2):
        with pytest.raises(WorkflowError, match="at least one job"):
            load_workflow(path)
    assert not list(cache.glob("workflows/*.pickle"))


def test_a_corrupt_entry_is_ignored(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text(GOOD.format("one"))
    load_workflow(path)
    for entry in (cache / "workflows").glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert load_workflow(path).jobs["a"].steps[0].run == "echo one"
