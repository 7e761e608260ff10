"""The components `mlops generate` renders are the project template's own files.

Each component (templates/project/components/<name>/) includes the project's file, so a
workflow or Dockerfile has one source: rendered with the same answers, the component's
file is byte-identical to what `mlops new` writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops.scaffold.templates import project_template

COMPONENT_FILES = {
    "workflow-ci": [".github/workflows/ci.yml"],
    "workflow-train": [".github/workflows/train.yml"],
    "workflow-monitor": [".github/workflows/monitor.yml"],
    "workflow-deploy": [".github/workflows/deploy.yml"],
    "dockerfile-train": ["Dockerfile", ".dockerignore"],
    "dockerfile-serve": ["Dockerfile.serve", ".dockerignore"],
}
ANSWERS = {"python_version": "3.12", "runner": "self-hosted,gpu", "dvc_remote": "s3://b/dvc"}


def _render(target: Path, data: dict[str, object], answers_file: str) -> Path:
    import copier

    copier.run_copy(
        str(project_template()),
        target,
        data=data,
        defaults=True,
        quiet=True,
        unsafe=False,
        answers_file=answers_file,
    )
    return target


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(tmp_path_factory.mktemp("project"), ANSWERS, ".copier-answers.yml")


@pytest.mark.parametrize("component", sorted(COMPONENT_FILES))
def test_component_renders_the_projects_files(
    project: Path, component: str, tmp_path: Path
) -> None:
    answers_file = f".copier-answers.{component}.yml"
    data = {**ANSWERS, "component": component}
    if component in ("dockerfile-serve", "workflow-monitor"):
        data["package_name"] = "ml_project"  # `mlops generate` finds it: src/*/serve.py, monitor.py
    rendered = _render(tmp_path, data, answers_file)
    files = sorted(p.relative_to(rendered).as_posix() for p in rendered.rglob("*") if p.is_file())
    expected = [*COMPONENT_FILES[component], answers_file]
    if component.startswith("workflow-"):
        expected.append(".github/actionlint.yaml")  # the custom runner labels
    assert files == sorted(expected)
    for name in COMPONENT_FILES[component]:
        assert (rendered / name).read_bytes() == (project / name).read_bytes(), name
    answers = (rendered / answers_file).read_text()
    assert "dataset:" not in answers  # only the questions this component asks
    assert "python_version: '3.12'" in answers
