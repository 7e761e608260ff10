"""The generated train workflow runs `mlops report` and posts it with CML.

Besides reading the YAML, the report steps' shell scripts are run here with bash, in a
real repository, the way the runner would run them (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlops import __version__
from tests.report.conftest import History, clean_env, git, images_in

BIN = Path(sys.executable).parent


def _steps(project: Path) -> dict[str, dict]:
    workflow = yaml.safe_load((project / ".github/workflows/train.yml").read_text())
    return {step["name"]: step for step in workflow["jobs"]["train"]["steps"]}


def test_train_job_reports_with_mlops_and_cml(default_project: Path) -> None:
    steps = _steps(default_project)
    names = list(steps)
    order = [
        "Reproduce pipeline",
        "Install mlops",
        "Write report",
        "Post report as PR comment",
        "Fail when the model got worse",  # after the comment: red, with the reason posted
    ]
    assert [n for n in names if n in order] == order
    assert "| tee dvc-repro.log" in steps["Reproduce pipeline"]["run"]

    install = steps["Install mlops"]
    assert install["env"]["MLOPS_REQUIREMENT"] == "${{ vars.MLOPS_REQUIREMENT }}"
    # Pinned by the distribution's name and version; the variable overrides it.
    assert install["env"]["MLOPS_PINNED"] == f"mlops-gitops=={__version__}"
    assert 'requirement="${MLOPS_REQUIREMENT:-${MLOPS_PINNED}}"' in install["run"]
    assert 'pip install --quiet "${requirement}"' in install["run"]
    assert "pip install mlops" not in install["run"]  # the PyPI name is another project

    write = steps["Write report"]
    assert '"${MLOPS}" report --base "origin/${BASE_REF}" --out report.md' in write["run"]
    assert "--repro-log dvc-repro.log" in write["run"]
    assert "--fail-on regressed" in write["run"]
    gate = steps["Fail when the model got worse"]
    assert gate["if"] == "steps.report.outputs.regressed == 'true'"
    assert "::error title=Model regressed::" in gate["run"]
    post = steps["Post report as PR comment"]["run"]
    assert 'cml comment update --watermark-title="mlops model report"' in post
    assert post.rstrip().endswith("report.md")


def _script(project: Path, name: str) -> str:
    return _steps(project)[name]["run"]


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=clean_env({"PATH": f"{BIN}:{clean_env()['PATH']}", **env}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_report_steps_run_in_a_pull_request_checkout(
    project: Path, history: History, tmp_path: Path
) -> None:
    origin = tmp_path / "origin.git"
    git(project, "clone", "-q", "--bare", str(project), str(origin))
    git(project, "remote", "add", "origin", str(origin))
    git(project, "fetch", "-q", "origin")
    (project / "dvc-repro.log").write_text(history.repro_log)
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    output.touch()
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}

    # No MLOPS_REQUIREMENT: the preinstalled mlops (as under `mlops run`) is used.
    install = _bash(_script(project, "Install mlops"), project, {**env, "MLOPS_REQUIREMENT": ""})
    assert install.returncode == 0, install.stderr
    mlops = output.read_text().strip().removeprefix("bin=")
    assert Path(mlops).name == "mlops" and Path(mlops).is_file()

    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"ref": "main"}}}))
    write = _bash(
        _script(project, "Write report"),
        project,
        {**env, "BASE_REF": "main", "MLOPS": mlops, "PRIVATE_REPO": "false"},
    )
    assert write.returncode == 0, write.stderr  # the comment must still be posted
    markdown = (project / "report.md").read_text()
    assert "base=origin/main@" in markdown.splitlines()[0]
    # exp (C=0.01) is worse than main: the step tells the last step to fail the job, why
    assert "regressed=true" in output.read_text()
    assert "> ❌ **This check fails**" in markdown
    assert (
        (project / "report-gate.txt")
        .read_text()
        .startswith("report check failed (--fail-on regressed): ")
    )
    assert "| `train` | ran |" in markdown
    images = images_in(markdown, project)
    assert images and all(image.is_file() for image in images)
    assert "<!-- mlops-report" in summary.read_text()

    # A private repository: no plots are drawn (CML would upload them to a public host).
    private = _bash(
        _script(project, "Write report"),
        project,
        {**env, "BASE_REF": "main", "MLOPS": mlops, "PRIVATE_REPO": "true"},
    )
    assert private.returncode == 0, private.stderr
    assert "![" not in (project / "report.md").read_text()


def test_without_mlops_the_minimal_report_still_has_numbers(project: Path, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(project, "clone", "-q", "--bare", str(project), str(origin))
    git(project, "remote", "add", "origin", str(origin))
    git(project, "fetch", "-q", "origin")
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    output.touch()
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    write = _bash(
        _script(project, "Write report"),
        project,
        {**env, "BASE_REF": "main", "MLOPS": "", "PRIVATE_REPO": "false"},
    )
    assert write.returncode == 0, write.stderr
    markdown = (project / "report.md").read_text()
    assert "MLOPS_REQUIREMENT" in markdown
    assert "accuracy" in markdown and "train.logistic_regression.C" in markdown
