"""A workflow whose steps leave links, hard links and secrets where the runner's own code
(built-in actions, the cml stand-in, the run record) comes next: that code never reaches out
of the job's directories through them, never writes through them, and stores no secret in a
name or a file (issue 19, "one way to touch files"). Host mode; tests/docker/ has the same
with a container planting the links."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner.conftest import Repo


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A file outside every job directory that no run may change."""
    path = tmp_path / "outside" / "canary.txt"
    path.parent.mkdir()
    path.write_text("canary\n")
    return path


def test_checkout_clean_false_replaces_planted_links_instead_of_writing_through(
    repo: Repo, canary: Path
) -> None:
    repo.write("docs/guide.md", "guide\n")
    repo.workflow(
        f"""\
        on: push
        jobs:
          plant:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: |
                  ln -sf {canary} README.md
                  rm -rf docs && ln -s {canary.parent} docs
              - uses: actions/checkout@v4
                with:
                  clean: false
              - run: |
                  test ! -L README.md && test ! -L docs
                  echo "readme: $(cat README.md) guide: $(cat docs/guide.md)"
        """
    )
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "readme: hello guide: guide" in run.stderr
    assert canary.read_text() == "canary\n"
    assert sorted(p.name for p in canary.parent.iterdir()) == ["canary.txt"]
