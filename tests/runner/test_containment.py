"""Paths named by built-in action inputs stay in the job's own directories."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from tests.runner.conftest import Repo


@pytest.mark.parametrize("path", ["../..", "ABSOLUTE"])
def test_checkout_path_outside_the_workspace_is_refused(repo: Repo, path: str) -> None:
    repo.write("uncommitted.txt", "precious\n")
    target = str(repo.root) if path == "ABSOLUTE" else path
    repo.workflow(f"""\
        on: push
        jobs:
          wipe:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
                with:
                  path: {target}
              - run: echo should-not-run
    """)
    before = repo.snapshot()
    run = repo.run("push")
    assert run.returncode == 1, run.stderr
    assert "path: repository path '" in run.stderr and "is not under '" in run.stderr
    assert "should-not-run" not in run.stderr
    assert "Traceback" not in run.stderr
    assert repo.snapshot() == before


def test_cache_of_home_paths_is_contained_in_the_jobs_home(repo: Repo) -> None:
    name = f"mlops-cache-{uuid.uuid4().hex[:8]}"
    real = Path.home() / ".cache" / name
    repo.workflow(f"""\
        on: push
        jobs:
          pip:
            runs-on: ubuntu-latest
            steps:
              - id: cache
                uses: actions/cache@v4
                with:
                  path: ~/.cache/{name}
                  key: home-{name}
              - run: |
                  echo "hit=${{{{ steps.cache.outputs.cache-hit }}}}"
                  cat "$HOME/.cache/{name}/item" 2>/dev/null || true
                  mkdir -p "$HOME/.cache/{name}" && echo cached-item > "$HOME/.cache/{name}/item"
    """)
    try:
        first = repo.run("push")
        second = repo.run("push")
        assert not real.exists(), "the user's own home was written"
    finally:
        shutil.rmtree(real, ignore_errors=True)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert "hit=false" in first.stderr
    assert "hit=true" in second.stderr and "cached-item" in second.stderr


def test_cache_path_outside_fails_and_neither_saves_nor_restores(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          escape:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/cache@v4
                with:
                  path: ../../escaped
                  key: escape
              - if: always()
                run: echo after
    """)
    run = repo.run("push")
    assert run.returncode == 1
    assert "path: '../../escaped' resolves to" in run.stderr
    assert "not under the job's directories" in run.stderr
    entries = list((repo.cache / "actions-cache").rglob("meta.json"))
    assert entries == []


def test_cache_entries_are_kept_per_repository(repo: Repo, tmp_path: Path) -> None:
    workflow = """\
        on: push
        jobs:
          c:
            runs-on: ubuntu-latest
            steps:
              - id: cache
                uses: actions/cache@v4
                with:
                  path: stuff
                  key: shared-key
              - run: |
                  echo "hit=${{ steps.cache.outputs.cache-hit }}"
                  mkdir -p stuff && echo "from $GITHUB_REPOSITORY" > stuff/x
    """
    other_root = tmp_path / "other"
    other_root.mkdir()
    other = Repo(other_root, repo.cache)  # same mlops cache, another repository
    other.git("init", "-q", "-b", "main")
    other.git("remote", "add", "origin", "https://github.com/evil/poison.git")
    for project in (repo, other):
        project.workflow(workflow)
        project.commit("wf")
    assert "hit=false" in other.run("push").stderr
    run = repo.run("push")
    assert "hit=false" in run.stderr, run.stderr
    assert "hit=true" in repo.run("push").stderr


def test_artifact_and_local_action_paths_outside_are_refused(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          upload:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/upload-artifact@v4
                with:
                  name: secrets
                  path: /etc/hostname
          download:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/download-artifact@v4
                with:
                  path: ../../../elsewhere
          local:
            runs-on: ubuntu-latest
            steps:
              - uses: ./../../../../..
    """)
    run = repo.run("push")
    assert run.returncode == 1
    assert "path: '/etc/hostname' resolves to" in run.stderr
    assert "path: '../../../elsewhere' resolves to" in run.stderr
    assert "uses: './../../../../..' resolves to" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.record is not None and not (run.record / "artifacts" / "secrets").exists()
