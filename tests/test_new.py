"""``mlops new``: what it writes, what it records, and how it refuses bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlops import __version__
from mlops.scaffold.templates import project_template
from tests.conftest import run_mlops, tree_snapshot

EXPECTED_FILES = {
    ".copier-answers.yml",
    ".dockerignore",
    ".dvc/.gitignore",
    ".dvc/config",
    ".dvcignore",
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/deploy.yml",
    ".github/workflows/lock.yml",
    ".github/workflows/monitor.yml",
    ".github/workflows/train.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "Dockerfile",
    "Dockerfile.serve",
    "README.md",
    "data/.gitignore",
    "dvc.yaml",
    "models/.gitignore",
    "params.yaml",
    "pyproject.toml",
    "requirements-dev.in",
    "requirements-dev.txt",
    "requirements.in",
    "requirements.txt",
    "src/ml_project/__init__.py",
    "src/ml_project/data.py",
    "src/ml_project/evaluate.py",
    "src/ml_project/figures.py",
    "src/ml_project/monitor.py",
    "src/ml_project/params.py",
    "src/ml_project/prepare.py",
    "src/ml_project/serve.py",
    "src/ml_project/train.py",
    "tests/conftest.py",
    "tests/test_data.py",
    "tests/test_monitor.py",
    "tests/test_serve.py",
    "tests/test_stages.py",
}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def _assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_defaults_write_the_whole_project(default_project: Path) -> None:
    assert set(tree_snapshot(default_project)) == EXPECTED_FILES


def test_answers_file_records_every_answer(default_project: Path) -> None:
    answers = yaml.safe_load((default_project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "ml-project"
    assert answers["package_name"] == "ml_project"
    # the Python running mlops when the template offers it, so `mlops run` finds it here
    assert answers["python_version"] == f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert "running_python" not in answers  # this machine's Python is no answer to keep
    assert answers["dataset"] == "breast_cancer"
    assert answers["model"] == "logistic_regression"
    assert answers["docker"] is True
    assert answers["serve"] is True and answers["deploy"] is True
    assert answers["runner"] == "ubuntu-latest"
    assert answers["dvc_remote"] == "../ml-project-dvc-storage"
    assert answers["_src_path"] == "mlops:project"  # the built-in template, not a path
    assert answers["_commit"] == __version__


@pytest.mark.parametrize(
    ("running", "expected"), [("3.13", "3.13"), ("3.10", "3.14"), ("", "3.14")]
)
def test_python_version_defaults_to_the_running_python_else_the_newest(
    tmp_path: Path, running: str, expected: str
) -> None:
    import copier

    copier.run_copy(
        str(project_template()),
        tmp_path / "p",
        data={"running_python": running, "project_name": "p"},
        defaults=True,
        quiet=True,
        unsafe=False,
    )
    answers = yaml.safe_load((tmp_path / "p/.copier-answers.yml").read_text())
    assert answers["python_version"] == expected


def test_git_repository_with_first_commit(default_project: Path) -> None:
    assert _git(default_project, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert "Initial commit from mlops new" in _git(default_project, "log", "--format=%s")
    assert _git(default_project, "status", "--porcelain") == ""
    tracked = set(_git(default_project, "ls-files").split())
    assert tracked == EXPECTED_FILES


def test_dvc_remote_is_a_local_directory_outside_the_repository(default_project: Path) -> None:
    config = (default_project / ".dvc/config").read_text()
    assert "remote = storage" in config
    # .dvc/config resolves relative URLs from .dvc/: two levels up is the project's parent.
    assert "url = ../../ml-project-dvc-storage" in config


def test_output_says_what_happened(tmp_path: Path) -> None:
    result = run_mlops("new", str(tmp_path / "p"), "--defaults")
    assert result.returncode == 0, result.stderr
    assert "Initialized a git repository" in result.stderr
    assert "dvc repro" in result.stderr
    assert result.stdout == ""


def test_choices_change_the_project(tmp_path: Path) -> None:
    root = tmp_path / "wine-forest"
    result = run_mlops(
        "new",
        str(root),
        "--defaults",
        "-d",
        "project_name=wine-forest",
        "-d",
        "dataset=wine",
        "-d",
        "model=random_forest",
        "-d",
        "docker=false",
        "-d",
        "serve=false",
        "-d",
        "python_version=3.14",
        "-d",
        "dvc_remote=s3://bucket/dvc",
    )
    assert result.returncode == 0, result.stderr
    params = yaml.safe_load((root / "params.yaml").read_text())
    assert params["data"]["source"] == "wine"
    assert params["train"]["model"] == "random_forest"
    assert not (root / "Dockerfile").exists()
    assert not (root / ".dockerignore").exists()
    assert not (root / "Dockerfile.serve").exists()
    assert not (root / ".github/workflows/deploy.yml").exists()  # nothing to deploy
    assert (root / "src/wine_forest/train.py").is_file()
    assert "python -m wine_forest.train" in (root / "dvc.yaml").read_text()
    requirements = (root / "requirements.txt").read_text()
    assert "dvc[s3]==" in (root / "requirements.in").read_text()
    assert "\ndvc-s3==" in requirements  # the extra's packages are in the lock
    assert "--python-version 3.14 " in requirements  # the lock made for that Python
    assert 'python-version: "3.14"' in (root / ".github/workflows/train.yml").read_text()
    assert "url = s3://bucket/dvc" in (root / ".dvc/config").read_text()


def test_every_requirement_is_pinned(default_project: Path) -> None:
    for name in (
        "requirements.in",
        "requirements-dev.in",
        "requirements.txt",
        "requirements-dev.txt",
    ):
        for line in (default_project / name).read_text().splitlines():
            # lock lines: a requirement, then its hashes and "# via" comments, indented
            if line.strip() and not line.startswith(("#", " ", "-c ")):
                assert "==" in line, f"{name}: {line!r} is not pinned"


def test_csv_dataset_is_copied_and_tracked_with_dvc(tmp_path: Path) -> None:
    csv_file = tmp_path / "iris.csv"
    rows = ["a,b,species"] + [f"{i % 7},{i % 5},{'x' if i % 2 else 'y'}" for i in range(100)]
    csv_file.write_text("\n".join(rows) + "\n")
    root = tmp_path / "csv-project"
    result = run_mlops(
        "new",
        str(root),
        "--defaults",
        "-d",
        "dataset=csv",
        "-d",
        f"csv_path={csv_file}",
        "-d",
        "target_column=species",
    )
    assert result.returncode == 0, result.stderr
    assert (root / "data/raw/dataset.csv").read_text() == csv_file.read_text()
    assert (root / "data/raw/dataset.csv.dvc").is_file()
    tracked = _git(root, "ls-files").split()
    assert "data/raw/dataset.csv.dvc" in tracked
    assert "data/raw/dataset.csv" not in tracked
    params = yaml.safe_load((root / "params.yaml").read_text())
    assert params["data"] == {
        "source": "csv",
        "csv_path": "data/raw/dataset.csv",
        "target": "species",
    }
    assert "data/raw/dataset.csv" in (root / "dvc.yaml").read_text()


def test_csv_dataset_needs_an_existing_file(tmp_path: Path) -> None:
    root = tmp_path / "p"
    result = run_mlops(
        "new", str(root), "--defaults", "-d", "dataset=csv", "-d", f"csv_path={tmp_path}/nope.csv"
    )
    _assert_one_line_error(result, "csv_path", "no such file")
    assert not root.exists()


def test_non_empty_directory_is_refused_and_left_alone(tmp_path: Path) -> None:
    root = tmp_path / "busy"
    root.mkdir()
    (root / "notes.txt").write_text("mine")
    (root / "dvc.yaml").write_text("stages: {}\n")
    result = run_mlops("new", str(root), "--defaults")
    line = _assert_one_line_error(result, "not empty", "notes.txt", "dvc.yaml", "--force")
    assert "nothing was written" in line
    assert tree_snapshot(root) == {"notes.txt": b"mine", "dvc.yaml": b"stages: {}\n"}
    assert not (root / ".git").exists()


def test_force_writes_into_a_non_empty_directory(tmp_path: Path) -> None:
    root = tmp_path / "busy"
    root.mkdir()
    (root / "notes.txt").write_text("mine")
    (root / "params.yaml").write_text("old: 1\n")
    result = run_mlops("new", str(root), "--defaults", "--force")
    assert result.returncode == 0, result.stderr
    assert (root / "notes.txt").read_text() == "mine"
    assert "train:" in (root / "params.yaml").read_text()
    assert (root / "dvc.yaml").is_file()


def test_empty_directory_is_used(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    result = run_mlops("new", str(root), "--defaults")
    assert result.returncode == 0, result.stderr
    assert (root / "dvc.yaml").is_file()


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    _assert_one_line_error(run_mlops("new", str(target), "--defaults"), "not a directory")


@pytest.mark.parametrize(
    ("pair", "needles"),
    [
        ("python_version=banana", ("python_version", "3.11, 3.12, 3.13, 3.14")),
        (
            "python_version=3.10",
            ("python_version", "3.11, 3.12, 3.13, 3.14"),
        ),  # past its end of life
        ("model=svm", ("model", "logistic_regression, random_forest, gradient_boosting")),
        ("dataset=mnist", ("dataset", "breast_cancer, wine, digits, csv")),
        ("package_name=1abc", ("package_name", "Python identifier")),
        ("package_name=my-pkg", ("package_name", "Python identifier")),
        ("project_name=bad name!", ("project_name", "letters, digits")),
        ("docker=maybe", ("docker", "true or false")),
        ("dvc_remote=ftp://host/x", ("dvc_remote", "s3://")),
        ("runner=ubuntu latest", ("runner", "labels")),
        ("colour=blue", ("colour", "unknown question", "project_name")),
        ("novalue", ("KEY=VALUE",)),
    ],
)
def test_invalid_answer_is_one_line_and_leaves_nothing(
    tmp_path: Path, pair: str, needles: tuple[str, ...]
) -> None:
    root = tmp_path / "p"
    _assert_one_line_error(run_mlops("new", str(root), "--defaults", "-d", pair), *needles)
    assert not root.exists()


def test_pretend_lists_files_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "p"
    result = run_mlops("new", str(root), "--defaults", "--pretend")
    assert result.returncode == 0, result.stderr
    assert "nothing written" in result.stderr
    assert "dvc.yaml" in result.stderr
    assert "src/ml_project/train.py" in result.stderr
    assert not root.exists()


def test_without_terminal_or_defaults_it_asks_for_defaults(tmp_path: Path) -> None:
    root = tmp_path / "p"
    _assert_one_line_error(run_mlops("new", str(root)), "--defaults")
    assert not root.exists()


def test_inside_an_existing_repository_nothing_is_committed(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    root = tmp_path / "models" / "churn"
    result = run_mlops("new", str(root), "--defaults")
    assert result.returncode == 0, result.stderr
    assert "existing git repository" in result.stderr
    assert not (root / ".git").exists()
    assert _git(tmp_path, "rev-list", "--branches", "--tags") == ""  # no commit was made
    # Only the pristine rendering, for `mlops update`, off any branch.
    assert _git(tmp_path, "for-each-ref", "--format=%(refname)").startswith("refs/mlops/pristine/")
    assert "models/" in _git(tmp_path, "status", "--porcelain")


def test_template_option_takes_a_local_copier_template(tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    template.mkdir()
    (template / "copier.yml").write_text("greeting:\n  type: str\n  default: hello\n")
    (template / "hello.txt.jinja").write_text("{{ greeting }} world\n")
    root = tmp_path / "out"
    result = run_mlops(
        "new", str(root), "--template", str(template), "--defaults", "-d", "greeting=hi"
    )
    assert result.returncode == 0, result.stderr
    assert (root / "hello.txt").read_text() == "hi world\n"


def test_missing_template_directory_is_an_error(tmp_path: Path) -> None:
    result = run_mlops(
        "new", str(tmp_path / "p"), "--template", str(tmp_path / "nope"), "--defaults"
    )
    _assert_one_line_error(result, "--template", "no such directory")


def test_git_identity_falls_back_when_unset(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    env.update(dict.fromkeys(("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"), ""))
    root = tmp_path / "p"
    result = run_mlops("new", str(root), "--defaults", env=env)
    assert result.returncode == 0, result.stderr
    assert _git(root, "log", "--format=%s").strip() == "Initial commit from mlops new"
