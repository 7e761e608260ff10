"""``mlops generate`` into repositories ``mlops new`` did not make: a bare repository, and
one with its own pyproject.toml and DVC pipeline. The files lint clean with the same tools
as the project template's; an existing file is never overwritten without --force."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_mlops, tree_snapshot
from tests.test_template_lint import _run, tool

GIT_ID = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]


def repository(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(
        ["git", *GIT_ID, "commit", "-q", "--allow-empty", "-m", "start"], cwd=root, check=True
    )
    return root


PYPROJECT_REPO = {
    "pyproject.toml": '[project]\nname = "churn"\nversion = "1"\nrequires-python = ">=3.12"\n',
    "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n",
    ".dvc/config": "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/dvc\n",
    "train.py": "print('trained')\n",
}


def generate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_mlops("generate", *args, cwd=root)
    assert result.returncode == 0, result.stderr
    return result


def assert_lint_clean(root: Path) -> None:
    workflows = sorted(str(p) for p in (root / ".github" / "workflows").glob("*.yml"))
    actionlint = [
        tool("actionlint"),
        "-no-color",
        f"-shellcheck={tool('shellcheck')}",
        "-pyflakes=",
    ]
    result = _run([*actionlint, "-format", "{{json .}}", *workflows], root)
    assert result.returncode == 0 and json.loads(result.stdout) == [], result.stdout + result.stderr
    for persona in ("regular", "pedantic"):
        zizmor = [tool("zizmor"), "--offline", "--no-progress", "--color", "never", "--no-config"]
        result = _run([*zizmor, "--persona", persona, "--format", "json", *workflows], root)
        assert result.returncode == 0 and json.loads(result.stdout) == [], result.stdout
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        result = _run([tool("check-jsonschema"), "--builtin-schema", schema, *workflows], root)
        assert result.returncode == 0, result.stdout + result.stderr
    for dockerfile in ("Dockerfile", "Dockerfile.serve"):
        if (root / dockerfile).exists():
            result = _run(
                [tool("hadolint"), "--no-color", "-t", "style", "-f", "json", dockerfile], root
            )
            assert result.returncode == 0 and json.loads(result.stdout) == [], result.stdout


def test_bare_repository(tmp_path: Path) -> None:
    root = repository(tmp_path / "bare", {})
    generate(root, "workflow", "ci")
    generate(root, "workflow", "release")
    assert_lint_clean(root)
    ci = yaml.safe_load((root / ".github/workflows/ci.yml").read_text())
    runs = [s.get("run", "") for job in ci["jobs"].values() for s in job["steps"]]
    # Nothing to detect: the template's convention, requirements.txt; pinned test tools.
    assert "python -m pip install -r requirements.txt pytest==9.0.3 ruff==0.17.6" in runs
    release = yaml.safe_load((root / ".github/workflows/release.yml").read_text())
    assert release[True]["push"]["tags"] == ["v*.*.*"]  # YAML 1.1 reads `on` as True
    build = release["jobs"]["image"]["steps"][-1]["with"]
    assert build["push"] is True and "scope=release" in build["cache-from"]
    for name in ("workflow-ci", "workflow-release"):
        assert (root / f".copier-answers.{name}.yml").is_file()  # one answers file each
    refused = run_mlops("generate", "workflow", "train", cwd=root)
    assert refused.returncode == 2 and "no dvc.yaml" in refused.stderr


def test_repository_with_its_own_pyproject(tmp_path: Path) -> None:
    root = repository(tmp_path / "churn", PYPROJECT_REPO)
    for args in (
        ("workflow", "ci"),
        ("workflow", "train"),
        ("workflow", "release"),
        ("dockerfile",),
    ):
        generate(root, *args)
    assert_lint_clean(root)
    answers = yaml.safe_load((root / ".copier-answers.workflow-train.yml").read_text())
    assert answers["python_version"] == "3.12"  # requires-python
    assert answers["dvc_remote"] == "s3://bucket/dvc"  # .dvc/config
    assert answers["requirements"] == ""  # install the project from pyproject.toml
    train = (root / ".github/workflows/train.yml").read_text()
    assert "python -m pip install .\n" in train and "AWS_ACCESS_KEY_ID" in train
    assert "RUN python -m pip install --no-cache-dir .\n" in (root / "Dockerfile").read_text()
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", *GIT_ID, "commit", "-qm", "generated"], cwd=root, check=True)
    check = run_mlops("update", "--check", cwd=root)
    assert check.returncode == 0, check.stderr  # every component is up to date
    assert check.stderr.count("(same version)") == 4


def test_serving_dockerfile_needs_a_serve_module_and_lints_clean(tmp_path: Path) -> None:
    root = repository(tmp_path / "churn", PYPROJECT_REPO)
    refused = run_mlops("generate", "dockerfile", "serve", cwd=root)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("\n") == 1 and "no src/<package>/serve.py" in refused.stderr
    assert not (root / "Dockerfile.serve").exists()

    (root / "src/churn").mkdir(parents=True)
    (root / "src/churn/serve.py").write_text("print('serving')\n")
    generate(root, "dockerfile", "serve")
    hadolint = [tool("hadolint"), "--no-color", "-t", "style", "-f", "json", "Dockerfile.serve"]
    result = _run(hadolint, root)
    assert result.returncode == 0 and json.loads(result.stdout) == [], result.stdout
    answers = yaml.safe_load((root / ".copier-answers.dockerfile-serve.yml").read_text())
    assert (answers["package_name"], answers["python_version"]) == ("churn", "3.12")
    dockerfile = (root / "Dockerfile.serve").read_text()
    assert "RUN python -m pip install --no-cache-dir .\n" in dockerfile  # pyproject.toml
    assert "dvc repro" in dockerfile and "USER 10001:10001" in dockerfile
    assert 'ENTRYPOINT ["python", "-m", "churn.serve"]' in dockerfile
    assert (root / ".dockerignore").is_file()  # the training image's: no model in the context

    # The deploy workflow that builds it on GTO stage tags: gto pinned (no dev requirements
    # here), the project installed from pyproject.toml, the remote's credentials checked.
    generate(root, "workflow", "deploy")
    assert_lint_clean(root)
    deploy = (root / ".github/workflows/deploy.yml").read_text()
    assert "python -m pip install gto==" in deploy and "python -m pip install .\n" in deploy
    assert "AWS_ACCESS_KEY_ID" in deploy and "docker build --file Dockerfile.serve" in deploy


def test_monitor_workflow_needs_a_monitor_module_and_lints_clean(tmp_path: Path) -> None:
    root = repository(tmp_path / "churn", PYPROJECT_REPO)
    (root / "src/churn").mkdir(parents=True)
    (root / "src/churn/serve.py").write_text("print('serving')\n")
    refused = run_mlops("generate", "workflow", "monitor", cwd=root)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("\n") == 1 and "no src/<package>/monitor.py" in refused.stderr
    assert not (root / ".github").exists()

    (root / "src/other").mkdir(parents=True)
    (root / "src/other/monitor.py").write_text("print('watching')\n")  # not the serving one
    generate(root, "workflow", "monitor", "-d", "monitor_reaction=retrain")
    assert_lint_clean(root)
    answers = yaml.safe_load((root / ".copier-answers.workflow-monitor.yml").read_text())
    assert answers["package_name"] == "other" and answers["monitor_reaction"] == "retrain"
    assert answers["dvc_remote"] == "s3://bucket/dvc"
    monitor = yaml.safe_load((root / ".github/workflows/monitor.yml").read_text())
    assert set(monitor[True]) == {"schedule", "workflow_dispatch"}  # YAML 1.1: `on` is True
    job = monitor["jobs"]["drift"]
    assert job["permissions"] == {"contents": "read", "actions": "write", "id-token": "write"}
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "python -m other.monitor" in runs and "gh workflow run train.yml" in runs
    assert "python -m pip install .\n" in runs  # pyproject.toml, no requirements file


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {".github/workflows/ci.yml": "name: ours\n"})
    before = tree_snapshot(root)
    pretend = run_mlops("generate", "workflow", "ci", "--pretend", cwd=root)
    assert pretend.returncode == 2, pretend.stderr
    refused = run_mlops("generate", "workflow", "ci", cwd=root)
    assert refused.returncode == 2
    assert ".github/workflows/ci.yml already exists" in refused.stderr
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1
    assert tree_snapshot(root) == before  # byte-identical, nothing added
    forced = run_mlops("generate", "workflow", "ci", "--force", cwd=root)
    assert forced.returncode == 0, forced.stderr
    assert "overwrite  .github/workflows/ci.yml" in forced.stderr
    assert (root / ".github/workflows/ci.yml").read_text() != "name: ours\n"


def test_pretend_lists_and_writes_nothing(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {})
    before = tree_snapshot(root)
    result = run_mlops("generate", "workflow", "release", "-n", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "create     .github/workflows/release.yml" in result.stderr
    assert tree_snapshot(root) == before
    assert (
        subprocess.run(
            ["git", "for-each-ref", "refs/mlops"], cwd=root, capture_output=True, text=True
        ).stdout
        == ""
    )


@pytest.mark.parametrize("bad", [["-d", "python_version=2.7"], ["-d", "nope=1"]])
def test_bad_answers_are_one_line(tmp_path: Path, bad: list[str]) -> None:
    root = repository(tmp_path / "repo", {})
    result = run_mlops("generate", "workflow", "ci", *bad, cwd=root)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_components_share_an_identical_file(tmp_path: Path) -> None:
    """Both workflows write the same .github/actionlint.yaml for custom runner labels."""
    root = repository(tmp_path / "churn", PYPROJECT_REPO)
    generate(root, "workflow", "ci", "-d", "runner=self-hosted,gpu")
    config = (root / ".github/actionlint.yaml").read_bytes()
    generate(root, "workflow", "train", "-d", "runner=self-hosted,gpu")
    assert (root / ".github/actionlint.yaml").read_bytes() == config
    assert_lint_clean(root)
