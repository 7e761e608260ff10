"""Bad input to any command: exit 2 and one line on stderr, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_mlops
from tests.runner.conftest import Repo


def _one_line_exit_2(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody may write into: immutable when running as root (root ignores modes)."""
    directory = tmp_path / "locked"
    directory.mkdir()
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        assert chattr, "chattr (e2fsprogs) is needed to make a directory unwritable for root"
        subprocess.run([chattr, "+i", str(directory)], check=True)
    else:
        directory.chmod(0o555)
    yield directory
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(directory)], check=True)
    directory.chmod(0o755)


@pytest.fixture
def flow_repo(tmp_path: Path) -> Repo:
    (tmp_path / "repo").mkdir()
    repo = Repo(tmp_path / "repo", tmp_path / "cache")
    repo.git("init", "-q", "-b", "main")
    repo.workflow("""\
        on: [push, pull_request, workflow_dispatch]
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: echo hi}]
    """)
    repo.commit("workflow")
    return repo


@pytest.mark.parametrize("flag", ["--secret-file", "--var-file", "--env-file"])
def test_dotenv_file_that_is_not_utf8(flow_repo: Repo, flag: str) -> None:
    bad = flow_repo.root.parent / "bad.env"
    bad.write_bytes(b"A=\xff\xfe\n")
    line = _one_line_exit_2(flow_repo.run("push", flag, str(bad)), flag, "not UTF-8")
    assert "0xff" in line


@pytest.mark.parametrize(
    ("event", "payload", "key"),
    [
        ("pull_request", '{"pull_request": 5}', "pull_request"),
        ("pull_request", '{"pull_request": {"base": "main"}}', "pull_request.base"),
        ("workflow_dispatch", '{"inputs": [1]}', "inputs"),
    ],
)
def test_event_payload_of_the_wrong_shape(
    flow_repo: Repo, event: str, payload: str, key: str
) -> None:
    path = flow_repo.root.parent / "event.json"
    path.write_text(payload)
    _one_line_exit_2(flow_repo.run(event, "-e", str(path)), f"{key} must be a JSON object")


@pytest.mark.parametrize(
    "flags",
    [["-s", "BAD NAME=x"], ["-s", "1X=x"], ["--var", "a-b=x"], ["--var", "a.b=x"]],
)
def test_secret_and_variable_names_are_checked(flow_repo: Repo, flags: list[str]) -> None:
    _one_line_exit_2(flow_repo.run("push", *flags), flags[0], "not a valid name")


def test_secret_file_names_are_checked(flow_repo: Repo) -> None:
    path = flow_repo.root.parent / "secrets.env"
    path.write_text("GOOD=1\nNOT-GOOD=2\n")
    _one_line_exit_2(flow_repo.run("push", "--secret-file", str(path)), "'NOT-GOOD'")


def test_unknown_event_names_the_known_ones(flow_repo: Repo) -> None:
    line = _one_line_exit_2(flow_repo.run("nosuchevent"), "unknown event 'nosuchevent'")
    assert "pull_request" in line and "workflow_dispatch" in line


def test_new_into_an_unwritable_directory(unwritable: Path) -> None:
    result = run_mlops("new", str(unwritable / "project"), "--defaults")
    _one_line_exit_2(result, str(unwritable))
    assert list(unwritable.iterdir()) == []


def test_new_into_proc() -> None:
    _one_line_exit_2(run_mlops("new", "/proc/mlops-project", "--defaults"), "/proc/mlops-project")


@pytest.mark.parametrize("name", ["import", "class", "None", "1abc", "my-pkg"])
def test_new_refuses_package_names_python_cannot_import(tmp_path: Path, name: str) -> None:
    result = run_mlops("new", str(tmp_path / "p"), "--defaults", "-d", f"package_name={name}")
    _one_line_exit_2(result, "package_name")
    assert not (tmp_path / "p").exists()


def test_report_out_into_an_unwritable_directory(unwritable: Path, project_copy: Path) -> None:
    result = run_mlops("report", "--out", str(unwritable / "report.md"), cwd=project_copy)
    _one_line_exit_2(result, "--out", str(unwritable))
