"""``mlops update``: a 3-way merge between the old rendering, the user's tree and the new
rendering, with real git repositories and two template versions — a git template tagged
v1/v2, and the built-in template across two mlops versions (offline: no URL involved)."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from mlops import __version__
from tests.conftest import REPO_ROOT, run_mlops

GIT_ID = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *GIT_ID, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


V1 = {
    "copier.yml": """
        _answers_file: .copier-answers.yml
        _templates_suffix: .jinja
        name:
          type: str
          default: demo
        """,
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
    "README.md.jinja": """
        # {{ name }}

        A demo project.

        ## Usage

        Run it.
        """,
    "params.yaml": "epochs: 10\nlr: 0.1\n",
    "Dockerfile": "FROM python:3.11-slim\n",
}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    root = tmp_path / "template"
    write(root, V1)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v1")
    git(root, "tag", "v1")
    return root


def release_v2(template: Path) -> None:
    readme = (template / "README.md.jinja").read_text()
    (template / "README.md.jinja").write_text(readme.replace("# {{ name }}", "# {{ name }} (v2)"))
    (template / "params.yaml").write_text("epochs: 20\nlr: 0.1\n")
    (template / "Dockerfile").write_text("FROM python:3.12-slim\n")
    (template / "release.yml").write_text("name: release\n")
    git(template, "add", "-A")
    git(template, "commit", "-qm", "v2")
    git(template, "tag", "v2")


def user_edits(project: Path) -> None:
    """An edit away from the template's change, one on the same line, and a deletion."""
    with (project / "README.md").open("a") as readme:
        readme.write("\n## Team notes\n\nOurs.\n")
    (project / "params.yaml").write_text("epochs: 50\nlr: 0.1\n")
    git(project, "rm", "-q", "Dockerfile")
    git(project, "commit", "-qam", "our edits")


def assert_merged(project: Path, result: subprocess.CompletedProcess[str]) -> None:
    readme = (project / "README.md").read_text()
    assert "(v2)" in readme.splitlines()[0], readme  # the template's change merged in...
    assert "## Team notes" in readme  # ...beside the user's edit
    params = (project / "params.yaml").read_text()
    assert "<<<<<<< " in params and "=======" in params and ">>>>>>> " in params, params
    assert "epochs: 50" in params and "epochs: 20" in params
    conflicts = result.stderr.split("Conflicts")[1]
    assert "params.yaml" in conflicts
    assert "README.md" not in conflicts
    assert not (project / "Dockerfile").exists()  # deleted by the user: stays deleted
    assert "UU params.yaml" in git(project, "status", "--porcelain")


def test_git_template_v1_to_v2(template: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    made = run_mlops("new", str(project), "--template", str(template), "--defaults")
    assert made.returncode == 0, made.stderr
    assert "_commit: v1" in (project / ".copier-answers.yml").read_text()
    user_edits(project)
    assert run_mlops("update", "--check", cwd=project).returncode == 0  # edits are not drift

    release_v2(template)
    check = run_mlops("update", "--check", cwd=project)
    assert check.returncode == 1, check.stderr
    assert "v1 -> v2" in check.stderr
    for name in ("README.md", "params.yaml", "release.yml", "Dockerfile"):
        assert name in check.stderr
    assert git(project, "status", "--porcelain") == ""  # --check changes nothing

    updated = run_mlops("update", cwd=project)
    assert updated.returncode == 1, updated.stderr  # conflicts: a person finishes the merge
    assert "Traceback" not in updated.stderr
    assert "v1 -> v2" in updated.stderr
    assert_merged(project, updated)
    assert (project / "release.yml").read_text() == "name: release\n"  # a new file arrives
    answers = (project / ".copier-answers.yml").read_text()
    assert "_commit: v2" in answers and str(tmp_path) in answers  # a git template: its path

    (project / "params.yaml").write_text("epochs: 50\nlr: 0.1\n")  # resolve: keep ours
    git(project, "add", "-A")
    git(project, "commit", "-qm", "update to v2")
    after = run_mlops("update", "--check", cwd=project)
    assert after.returncode == 0, after.stderr
    assert "Up to date" in after.stderr


def test_update_refuses_a_dirty_tree_and_outside_git(template: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    assert run_mlops("new", str(project), "--template", str(template), "--defaults").returncode == 0
    (project / "params.yaml").write_text("epochs: 11\n")
    dirty = run_mlops("update", cwd=project)
    assert dirty.returncode == 2
    assert "uncommitted changes (params.yaml)" in dirty.stderr
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / ".copier-answers.yml").write_text("_src_path: mlops:project\n")
    result = run_mlops("update", str(outside))
    assert result.returncode == 2
    assert "not inside a git repository" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_tag_and_bad_template_are_one_line(template: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    assert run_mlops("new", str(project), "--template", str(template), "--defaults").returncode == 0
    subprocess.run(["git", "update-ref", "-d", *_pristine_refs(project)], cwd=project, check=True)
    git(template, "tag", "-d", "v1")  # the recorded version no longer exists
    release_v2(template)
    missing = run_mlops("update", cwd=project)
    assert missing.returncode == 2, missing.stderr
    assert "Traceback" not in missing.stderr
    assert missing.stderr.count("\n") == 1 and "recorded version v1" in missing.stderr
    for args in (
        ["update", "--template", str(tmp_path / "nope")],
        ["generate", "workflow", "ci", "--template", str(tmp_path / "nope")],
        ["new", str(tmp_path / "x"), "--defaults", "--template", str(tmp_path / "nope")],
    ):
        result = run_mlops(*args, cwd=project)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "no such directory" in result.stderr


def _pristine_refs(project: Path) -> list[str]:
    return git(project, "for-each-ref", "--format=%(refname)", "refs/mlops/").split()[:1]


def test_validation_error_under_defaults_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad-template"
    write(
        bad,
        {
            "copier.yml": """
                name:
                  type: str
                  default: "not valid"
                  validator: "{% if ' ' in name %}no spaces{% endif %}"
                """,
            "x.txt": "x\n",
        },
    )
    result = run_mlops("new", str(tmp_path / "p"), "--defaults", "--template", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "no spaces" in result.stderr and result.stderr.count("\n") == 1


def fake_mlops_release(tmp_path: Path, version: str) -> Path:
    """Another installed mlops: this package and its templates (laid out as in the wheel)
    with a newer version and a changed project template."""
    site = tmp_path / f"mlops-{version}"
    shutil.copytree(
        REPO_ROOT / "mlops", site / "mlops", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO_ROOT / "templates", site / "mlops" / "templates", symlinks=True)
    init = site / "mlops" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', f'__version__ = "{version}" or "'))
    project = site / "mlops" / "templates" / "project"
    params = project / "params.yaml.jinja"
    text = params.read_text()
    assert "max_iter: 1000" in text
    params.write_text(text.replace("max_iter: 1000", "max_iter: 2000"))
    readme = project / "README.md.jinja"
    lines = readme.read_text().splitlines(keepends=True)
    readme.write_text(lines[0].rstrip("\n") + " (template 2)\n" + "".join(lines[1:]))
    (project / "CHANGELOG.md").write_text("# Changes\n")
    return site


def test_builtin_template_across_two_mlops_versions(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    made = run_mlops("new", str(project), "--defaults")
    assert made.returncode == 0, made.stderr
    version = __version__
    assert f"_commit: '{version}'" in (project / ".copier-answers.yml").read_text()
    params = (project / "params.yaml").read_text()
    (project / "params.yaml").write_text(params.replace("max_iter: 1000", "max_iter: 500"))
    with (project / "README.md").open("a") as readme:
        readme.write("\n## Team notes\n")
    git(project, "rm", "-q", "Dockerfile")
    git(project, "commit", "-qam", "our edits")

    newer = {"PYTHONPATH": str(fake_mlops_release(tmp_path, "9.0.0"))}
    check = run_mlops("update", "--check", cwd=project, env=newer)
    assert check.returncode == 1, check.stderr
    assert f"{version} -> 9.0.0" in check.stderr and "CHANGELOG.md" in check.stderr
    updated = run_mlops("update", cwd=project, env=newer)
    assert updated.returncode == 1, updated.stderr
    assert (project / "CHANGELOG.md").read_text() == "# Changes\n"
    readme = (project / "README.md").read_text()
    assert "(template 2)" in readme.splitlines()[0] and "## Team notes" in readme
    merged = (project / "params.yaml").read_text()
    assert "<<<<<<< " in merged and "max_iter: 500" in merged and "max_iter: 2000" in merged
    assert "params.yaml" in updated.stderr.split("Conflicts")[1]
    assert not (project / "Dockerfile").exists()
    assert "_commit: '9.0.0'" in (project / ".copier-answers.yml").read_text()
    assert "_src_path: mlops:project" in (project / ".copier-answers.yml").read_text()

    (project / "params.yaml").write_text(params.replace("max_iter: 1000", "max_iter: 500"))
    git(project, "add", "-A")
    git(project, "commit", "-qm", "template 9.0.0")
    assert run_mlops("update", "--check", cwd=project, env=newer).returncode == 0


def test_a_component_from_a_git_template_updates_on_its_own(template: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text("print('ours')\n")
    made = run_mlops("generate", "workflow", "ci", "--template", str(template), cwd=repo)
    assert made.returncode == 0, made.stderr
    answers = repo / ".copier-answers.workflow-ci.yml"
    assert "_commit: v1" in answers.read_text()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "with the component")

    release_v2(template)
    updated = run_mlops("update", str(answers), cwd=repo)
    assert updated.returncode == 0, updated.stderr
    assert "v1 -> v2" in updated.stderr
    assert (repo / "release.yml").is_file() and "(v2)" in (repo / "README.md").read_text()
    assert (repo / "app.py").read_text() == "print('ours')\n"  # not the template's: untouched
    assert "_commit: v2" in answers.read_text()
    git(repo, "commit", "-qm", "update")
    assert run_mlops("update", "--check", str(answers), cwd=repo).returncode == 0


def test_update_brings_the_serving_image_and_deploy_workflow_into_an_older_project(
    tmp_path: Path,
) -> None:
    # An mlops from before the model lifecycle: no serve/deploy questions, no such files.
    older = fake_mlops_release(tmp_path, "0.0.1")
    project_template = older / "mlops" / "templates" / "project"
    for name in (
        "{% if serve %}Dockerfile.serve{% endif %}.jinja",
        ".github/workflows/{% if serve and deploy %}deploy.yml{% endif %}.jinja",
    ):
        (project_template / name).unlink()
    copier_yml = project_template / "copier.yml"
    questions = copier_yml.read_text()
    start, end = questions.index("\nserve:\n"), questions.index("\nrunner:\n")
    copier_yml.write_text(questions[:start] + questions[end:])
    project = tmp_path / "demo"
    made = run_mlops(
        "new", str(project), "--defaults", cwd=tmp_path, env={"PYTHONPATH": str(older)}
    )
    assert made.returncode == 0, made.stderr
    assert not (project / "Dockerfile.serve").exists()
    assert not (project / ".github/workflows/deploy.yml").exists()

    updated = run_mlops("update", cwd=project)
    assert updated.returncode == 0, updated.stderr
    assert f"0.0.1 -> {__version__}" in updated.stderr
    for name in ("Dockerfile.serve", ".github/workflows/deploy.yml"):
        assert f"add     {name}" in updated.stderr, updated.stderr
        assert (project / name).is_file()
    answers = (project / ".copier-answers.yml").read_text()
    assert "serve: true" in answers and "deploy: true" in answers
