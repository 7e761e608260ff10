"""Loading workflows: every malformed file gives exit 2 and one ``file:line:col`` line.

Runs the real CLI (``mlops run -n -W FILE``) in a temporary git repository.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlops.workflow.schema.loader import check_workflow, load_workflow
from mlops.workflow.yamlnodes import parse_yaml, to_python
from tests.conftest import run_mlops
from tests.workflow.malformed import CASES, OK_JOB


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    return tmp_path


@pytest.mark.parametrize(
    ("case", "data", "line", "column", "text"), CASES, ids=[c[0] for c in CASES]
)
def test_malformed_workflow_is_one_located_line_and_exit_2(
    repo: Path, case: str, data: bytes, line: int, column: int, text: str
) -> None:
    workflow = repo / ".github" / "workflows" / f"{case}.yml"
    workflow.write_bytes(data)
    result = run_mlops("run", "-n", "-C", str(repo), "-W", str(workflow), timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    prefix = f"mlops: error: .github/workflows/{case}.yml:{line}:{column}: "
    assert lines[0].startswith(prefix), lines[0]
    assert text in lines[0]


def test_on_is_the_key_on_not_boolean_true(tmp_path: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text("on: [push]\njobs:\n  a:\n" + OK_JOB)
    workflow = load_workflow(path)
    assert list(workflow.on) == ["push"]


def test_yaml_12_scalars_as_github_reads_them() -> None:
    data = to_python(parse_yaml("a: yes\nb: on\nc: 3.10\nd: '3.10'\ne: 0x1f\nf: ~\ng: True\n"))
    assert data == {"a": "yes", "b": "on", "c": 3.1, "d": "3.10", "e": 31, "f": None, "g": True}


def test_scalars_in_string_positions_become_strings(tmp_path: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: true\n        name: 3.10\n"
    )
    step = load_workflow(path).jobs["a"].steps[0]
    assert step.run == "true"
    assert step.name == "3.1"  # what GitHub does with an unquoted 3.10


def test_check_workflow_collects_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text(
        "on: push\nbogus: 1\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: soon\n"
        "    steps:\n      - run: echo ${{ nope( }}\n"
    )
    _, diagnostics = check_workflow(path)
    assert [(d.line, d.column) for d in diagnostics] == [(2, 1), (6, 22), (8, 23)]


def test_yaml_alias_bomb_ends_quickly_with_an_error(repo: Path) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    path = repo / "bomb.yml"
    path.write_text("\n".join(lines) + "\non: push\njobs:\n  a:\n" + OK_JOB)
    result = run_mlops("run", "-n", "-C", str(repo), "-W", str(path), timeout=20)
    assert result.returncode == 2
    assert "more than" in result.stderr and "nodes" in result.stderr


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_ends_quickly_with_an_error(repo: Path, style: str) -> None:
    depth = 20_000
    if style == "flow":
        body = "x: " + "[" * depth + "]" * depth + "\n"
    else:
        body = "x:\n  " + "- " * depth + "leaf\n"  # block sequences, one inside the next
    path = repo / "deep.yml"
    path.write_text(body)
    result = run_mlops("run", "-n", "-C", str(repo), "-W", str(path), timeout=30)
    assert result.returncode == 2
    assert "nesting deeper than" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_workflow_path_is_an_error(repo: Path) -> None:
    result = run_mlops("run", "-l", "-C", str(repo), "-W", "nope.yml")
    assert result.returncode == 2
    assert "nope.yml: no such workflow file or directory" in result.stderr


def test_empty_workflow_directory_is_an_error(repo: Path) -> None:
    result = run_mlops("run", "-l", "-C", str(repo))
    assert result.returncode == 2
    assert "no workflow files" in result.stderr
