"""Lint on patterns other people's repositories have (issue 20, finding 9): a ``needs`` cycle
is one finding even when actionlint reports it too, at another job's line; Dockerfile
templates of cookiecutter/copier projects are not Dockerfiles, so hadolint does not read them.
"""

from __future__ import annotations

from pathlib import Path

from tests.lint.conftest import lint_json, make_repo

CYCLE = """\
on: push
permissions: {}
jobs:
  a:
    needs: b
    runs-on: ubuntu-latest
    steps: [{run: echo a}]
  b:
    needs: a
    runs-on: ubuntu-latest
    steps: [{run: echo b}]
"""


def test_a_needs_cycle_is_reported_once(tmp_path: Path, tools_installed: None) -> None:
    root = make_repo(tmp_path / "repo", {".github/workflows/w.yml": CYCLE})
    _, document, _ = lint_json(cwd=root)
    cycles = [f for f in document["findings"] if "cycl" in f["message"]]
    assert len(cycles) == 1, cycles
    assert cycles[0]["tool"] == "mlops" and cycles[0]["also_reported_by"] == ["actionlint"]


def test_dockerfile_templates_are_not_linted(tmp_path: Path, tools_installed: None) -> None:
    """A cookiecutter project keeps its Dockerfile under ``{{cookiecutter.slug}}/``; a copier
    one uses ``{% if %}`` in it. Neither is a Dockerfile until rendered. A real Dockerfile
    with Docker's own Go templates (``{{.Id}}``) is still linted."""
    template = "FROM python:3.12-slim\n{% if gpu %}RUN echo gpu\n{% endif %}\nUSER app\n"
    real = "FROM python:3.12-slim\nRUN docker inspect --format '{{.Id}}' x || true\nUSER app\n"
    root = make_repo(
        tmp_path / "repo",
        {
            "{{cookiecutter.project_slug}}/Dockerfile": "FROM {{ cookiecutter.image }}\nUSER a\n",
            "docker/Dockerfile": template,
            "Dockerfile": real,
        },
    )
    _, document, _ = lint_json(cwd=root)
    files = {f["file"] for f in document["findings"]}
    assert not any("cookiecutter" in f or f.startswith("docker/") for f in files), document
    assert "Dockerfile" in files  # hadolint still reads the real one (DL3008-like findings)
