"""Helpers for the lint tests: temporary git repositories and `mlops lint` runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.test_template_lint import clean_env, tool

DATA = Path(__file__).parent / "data"
WRAPPED = ("actionlint", "zizmor", "hadolint", "shellcheck")


@pytest.fixture(scope="session")
def tools_installed() -> None:
    """The wrapped linters must be here (mlops-gitops[lint]); fail saying what to install."""
    for name in WRAPPED:
        tool(name)


def make_repo(root: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """A git repository at ``root`` with ``files`` (relative path -> content)."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def naive_repo(root: Path) -> Path:
    repo = make_repo(root)
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(DATA / "naive-cml.yml", repo / ".github" / "workflows" / "train.yml")
    shutil.copy(DATA / "naive-dockerfile.txt", repo / "Dockerfile")
    return repo


def lint(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m mlops lint ARGS` in ``cwd``, stdin not a terminal, no GitHub token in env."""
    return subprocess.run(
        [sys.executable, "-m", "mlops", "lint", *args],
        cwd=cwd,
        env={**clean_env(), **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def lint_json(*args: str, cwd: Path) -> tuple[int, dict[str, Any], str]:
    result = lint("--format", "json", *args, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def at(findings: list[dict[str, Any]], line: int, rule: str) -> dict[str, Any]:
    """The finding of ``rule`` at ``line``; fail listing what is there."""
    for finding in findings:
        if finding["line"] == line and finding["rule"] == rule:
            return finding
    listing = "\n".join(f"{f['line']}:{f['column']} {f['rule']} [{f['tool']}]" for f in findings)
    pytest.fail(f"no {rule} at line {line}; findings:\n{listing}")
