"""Why a workflow is not triggered, said where a user meets it (issue 20, finding 9).

GitHub ("Workflow syntax", ``on.push.<branches|tags|branches-ignore|tags-ignore>``): "If you
define only tags/tags-ignore or only branches/branches-ignore, the workflow won't run for
events affecting the undefined Git ref." So ``push: {tags-ignore: ['**']}`` names only tags:
branch pushes never run it, and every tag is ignored -- no push runs it at all.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_mlops
from tests.workflow.test_run_plan import commit_all, git, listed, repo, write

__all__ = ["repo"]  # the fixture


def test_tags_ignore_everything_is_explained_as_no_push(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/ci.yml",
        """\
        on:
          push:
            tags-ignore: ['**']
        jobs:
          test:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    commit_all(repo)
    assert listed(repo, "push") == []
    result = run_mlops("run", "push", "-n", "-C", str(repo))
    assert "only tag pushes trigger it" not in result.stderr + result.stdout
    assert "no push triggers it: its filter names only tags" in result.stderr + result.stdout
    git(repo, "tag", "v1.0.0")
    git(repo, "checkout", "-q", "--detach", "v1.0.0")
    assert listed(repo, "push") == []


def test_job_of_a_workflow_filtered_out_names_the_reason(repo: Path) -> None:
    write(
        repo,
        ".github/workflows/code.yml",
        """\
        on:
          push:
            paths-ignore: ['docs/**']
        jobs:
          test:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """,
    )
    commit_all(repo)
    write(repo, "docs/guide.md", "guide\n")
    commit_all(repo)
    result = run_mlops("run", "push", "-j", "test", "-n", "-C", str(repo))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0] == (
        "mlops: error: -j test: its workflow is not triggered by this push event "
        "(.github/workflows/code.yml: every changed file matches 'paths-ignore')"
    )
