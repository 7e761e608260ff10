"""This repository runs the project template's pipeline; its files must not drift.

The top-level dvc.yaml, params.yaml and DVC config are what ``mlops new --defaults``
gives, and ``src/ml_project`` is the template's stage code itself (a symlink), so a
change to the template's ML code shows in this repository's own pipeline.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.test_template_lint import clean_env, tool

DOGFOOD_FILES = [
    "dvc.yaml",
    "params.yaml",
    ".dvc/config",
    ".dvc/.gitignore",
    ".dvcignore",
    "data/.gitignore",
    "models/.gitignore",
    "requirements.txt",
    ".github/workflows/train.yml",
]


@pytest.mark.parametrize("name", DOGFOOD_FILES)
def test_pipeline_files_match_the_template(default_project: Path, name: str) -> None:
    ours = (REPO_ROOT / name).read_text()
    rendered = (default_project / name).read_text()
    assert ours == rendered, (
        f"{name} drifted from the project template; copy the rendered file over it "
        f"(mlops new /tmp/x --defaults && cp /tmp/x/{name} {name})"
    )


def test_stage_code_is_the_templates() -> None:
    package = REPO_ROOT / "src" / "ml_project"
    assert package.is_symlink()
    assert package.resolve() == (REPO_ROOT / "templates/project/src/{{package_name}}").resolve()
    assert (package / "train.py").is_file()


def test_repository_ci_runs_the_tests_and_the_pipeline() -> None:
    workflows = REPO_ROOT / ".github" / "workflows"
    assert "pytest" in (workflows / "ci.yml").read_text()
    assert "dvc repro --pull" in (workflows / "train.yml").read_text()


def test_repository_workflows_are_clean() -> None:
    workflows = sorted(str(p) for p in (REPO_ROOT / ".github" / "workflows").glob("*.yml"))
    checks = [
        [tool("actionlint"), "-no-color", f"-shellcheck={tool('shellcheck')}", "-pyflakes="],
        [
            tool("zizmor"),
            "--offline",
            "--no-progress",
            "--strict-collection",
            "--no-config",
            "--persona",
            "pedantic",
        ],
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows"],
    ]
    for argv in checks:
        result = subprocess.run(
            [*argv, *workflows], env=clean_env(), capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{argv[0]}: {result.stdout}{result.stderr}"
