"""Every malformed workflow of the workflow-engine tests gives located findings and exit 1 —
with the wrapped tools too (zizmor refuses some of these files; the others are still audited)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lint.conftest import lint, lint_json, make_repo
from tests.workflow.malformed import CASES

IDS = [case[0] for case in CASES]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, tools_installed: None) -> Path:
    root = make_repo(tmp_path_factory.mktemp("malformed") / "repo")
    for case, data, *_ in CASES:
        path = root / ".github" / "workflows" / f"{case}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.fixture(scope="module")
def all_at_once(repo: Path) -> dict:
    code, document, stderr = lint_json(cwd=repo)
    assert code == 1, stderr
    assert document["notices"] == []  # every tool ran: no failure, nothing missing
    return document


@pytest.mark.parametrize(("case", "data", "line", "column", "text"), CASES, ids=IDS)
def test_malformed_workflow_gives_the_engines_finding(
    all_at_once: dict, case: str, data: bytes, line: int, column: int, text: str
) -> None:
    shown = f".github/workflows/{case}.yml"
    findings = [f for f in all_at_once["findings"] if f["file"] == shown]
    assert findings, f"no findings for {case}"
    assert not [f for f in findings if f["rule"] == "internal-error"], findings
    located = [
        f for f in findings if (f["line"], f["column"]) == (line, column) and text in f["message"]
    ]
    assert located, "\n".join(f"{f['line']}:{f['column']} {f['message']}" for f in findings)


@pytest.mark.parametrize(("case", "data", "line", "column", "text"), CASES, ids=IDS)
def test_malformed_workflow_alone_exits_1_without_a_traceback(
    repo: Path, case: str, data: bytes, line: int, column: int, text: str
) -> None:
    result = lint(f".github/workflows/{case}.yml", cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f".github/workflows/{case}.yml:{line}:{column}: " in result.stdout
    assert "mlops lint: notice" not in result.stderr
