"""What mlops generates, and this repository, lint clean — with every wrapped tool."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_mlops
from tests.lint.conftest import lint, lint_json

ALL_TOOLS = ["mlops", "actionlint", "shellcheck", "zizmor", "hadolint"]


def test_freshly_generated_project_lints_clean(
    default_project: Path, tools_installed: None
) -> None:
    result = lint(cwd=default_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == f"No findings in 9 files ({', '.join(ALL_TOOLS)})."
    code, document, _ = lint_json(cwd=default_project)
    assert code == 0
    assert document["tools"] == ALL_TOOLS
    assert sorted(f["file"] for f in document["files"]) == [
        ".github/workflows/ci.yml",
        ".github/workflows/deploy.yml",
        ".github/workflows/lock.yml",
        ".github/workflows/monitor.yml",
        ".github/workflows/train.yml",
        "Dockerfile",
        "Dockerfile.serve",
        "dvc.yaml",
        "params.yaml",
    ]
    assert document["findings"] == [] and document["notices"] == []


@pytest.mark.parametrize(
    "data",
    [
        {"runner": "self-hosted,gpu"},  # reads the project's .github/actionlint.yaml
        {"dvc_remote": "s3://bucket/dvc", "python_version": "3.14"},  # secrets behind a guard
        {"docker": False, "model": "random_forest"},
    ],
    ids=["self-hosted-gpu", "s3-python-3.14", "no-docker"],
)
def test_template_variants_lint_clean(
    tmp_path: Path, data: dict[str, object], tools_installed: None
) -> None:
    import copier

    from mlops.scaffold.templates import project_template

    target = tmp_path / "project"  # rendered, not a git repository: the tree is walked
    copier.run_copy(
        str(project_template()), target, data=data, defaults=True, quiet=True, unsafe=False
    )
    result = lint(str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings in" in result.stderr


def test_this_repository_lints_clean(tools_installed: None) -> None:
    result = lint(cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_lists_lint_and_startup_stays_light() -> None:
    result = run_mlops("--help")
    assert result.returncode == 0
    assert "lint" in result.stdout
    code = (
        "import sys; from mlops.cli import cli; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mlops.'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(out.stdout)
    # Commands from other packages load when used (the CLI's LazyGroup), not at start-up.
    assert not [m for m in loaded if m.startswith(("mlops.lint", "mlops.report", "mlops.workflow"))]


def test_lint_help_describes_formats_and_exit_codes() -> None:
    result = run_mlops("lint", "--help")
    assert result.returncode == 0
    for text in ("text|json|sarif|github", "--min-severity", "Exit status", "mlops-gitops[lint]"):
        assert text in result.stdout
