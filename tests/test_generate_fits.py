"""``mlops generate`` fits the repository it writes into, or refuses in one line naming
where the misfit came from (issue 20, finding 5). Repositories of our own making, in the
shapes public ML repositories have: requirements under src/, a Python pinned in
.python-version, the project's own pytest pin, an https DVC remote."""

from __future__ import annotations

from pathlib import Path

import yaml

from mlops.scaffold.questions import load_questions
from tests.conftest import REPO_ROOT, run_mlops
from tests.test_generate import repository

OFFERED = load_questions(REPO_ROOT / "templates" / "project")["python_version"].choices


def _runs(root: Path) -> list[str]:
    ci = yaml.safe_load((root / ".github/workflows/ci.yml").read_text())
    return [s.get("run", "") for job in ci["jobs"].values() for s in job["steps"]]


def test_requirements_below_the_root_and_the_repositorys_own_pins(tmp_path: Path) -> None:
    root = repository(
        tmp_path / "r",
        {
            "src/requirements.txt": "scikit-learn>=1.5\npytest==8.3.4 \\\n    --hash=sha256:00\n",
            "src/train.py": "print()\n",
        },
    )
    result = run_mlops("generate", "workflow", "ci", cwd=root)
    assert result.returncode == 0, result.stderr
    runs = _runs(root)
    # the repository's pytest pin, not a second one pip could not resolve beside it
    assert "python -m pip install -r src/requirements.txt pytest==8.3.4 ruff==0.17.6" in runs
    assert "pytest==9.0.3" not in (root / ".github/workflows/ci.yml").read_text()

    # generated again with the same answers: every file is there already, byte for byte
    again = run_mlops("generate", "workflow", "ci", cwd=root)
    assert again.returncode == 0, again.stderr
    assert "  unchanged  .github/workflows/ci.yml" in again.stderr
    assert "create" not in again.stderr


def test_a_pinned_python_the_template_does_not_offer_is_refused(tmp_path: Path) -> None:
    root = repository(tmp_path / "r", {".python-version": "3.9.18\n", "requirements.txt": ""})
    result = run_mlops("generate", "workflow", "ci", cwd=root)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mlops: error: workflow ci: .python-version: Python 3.9 is not one the template "
        f"offers ({', '.join(OFFERED)}); -d python_version=X.Y overrides it"
    ]
    assert not (root / ".github").exists()
    chosen = OFFERED[-1]
    result = run_mlops("generate", "workflow", "ci", "-d", f"python_version={chosen}", cwd=root)
    assert result.returncode == 0, result.stderr


def test_the_newest_offered_python_a_repository_declares_is_taken(tmp_path: Path) -> None:
    newest = OFFERED[-1]
    root = repository(
        tmp_path / "r",
        {
            ".python-version": f"{newest}\n",
            "pyproject.toml": f'[project]\nname = "x"\nversion = "1"\nrequires-python = ">={newest}"\n',
        },
    )
    result = run_mlops("generate", "workflow", "ci", cwd=root)
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((root / ".copier-answers.workflow-ci.yml").read_text())
    assert answers["python_version"] == newest


def test_an_unsupported_dvc_remote_names_its_source(tmp_path: Path) -> None:
    root = repository(
        tmp_path / "r",
        {
            "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n",
            "requirements.txt": "",
            ".dvc/config": (
                "[core]\n    remote = web\n['remote \"web\"']\n    url = https://example.com/dvc\n"
            ),
        },
    )
    result = run_mlops("generate", "workflow", "train", cwd=root)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mlops: error: workflow train: .dvc/config: remote 'web' url https://example.com/dvc "
        "is not supported (a local directory or an s3://, gs:// or azure:// URL); "
        "-d dvc_remote=... overrides it"
    ]
    result = run_mlops("generate", "workflow", "train", "-d", "dvc_remote=s3://b/dvc", cwd=root)
    assert result.returncode == 0, result.stderr


def test_a_requirements_file_given_must_exist(tmp_path: Path) -> None:
    root = repository(tmp_path / "r", {"requirements.txt": ""})
    result = run_mlops("generate", "workflow", "ci", "-d", "requirements=req/prod.txt", cwd=root)
    assert result.returncode == 2
    assert "--data requirements=req/prod.txt: no such file in" in result.stderr
