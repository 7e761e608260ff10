"""``mlops update`` brings the drift monitor (workflow, module, tests, params) into a project
made by an mlops whose template had none, with the monitor question's default answer."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from tests.conftest import REPO_ROOT, run_mlops
from tests.test_update import git

MONITOR_FILES = [
    ".github/workflows/monitor.yml",
    "src/ml_project/monitor.py",
    "tests/test_monitor.py",
]


def mlops_without_monitor(tmp_path: Path) -> Path:
    """An older installed mlops (laid out as in the wheel): its template has no monitor."""
    site = tmp_path / "mlops-0.0.1"
    shutil.copytree(
        REPO_ROOT / "mlops", site / "mlops", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO_ROOT / "templates", site / "mlops" / "templates", symlinks=True)
    init = site / "mlops" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "0.0.1" or "'))
    project = site / "mlops" / "templates" / "project"
    (project / ".github/workflows/{% if monitor %}monitor.yml{% endif %}.jinja").unlink()
    (project / "src/{{package_name}}/monitor.py").unlink()
    (project / "tests/test_monitor.py.jinja").unlink()
    questions = project / "copier.yml"
    text, count = re.subn(
        r"\nmonitor:\n.*?\n\nmonitor_reaction:\n.*?\n\n", "\n", questions.read_text(), flags=re.S
    )
    assert count == 1
    questions.write_text(text)
    params = project / "params.yaml.jinja"
    text = params.read_text()
    params.write_text(text[: text.index("monitor:\n")])
    return site


def test_update_adds_the_monitor_to_an_older_project(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    older = {"PYTHONPATH": str(mlops_without_monitor(tmp_path))}
    # (cwd: not this checkout, whose mlops `python -m` would import first)
    made = run_mlops("new", str(project), "--defaults", cwd=tmp_path, env=older)
    assert made.returncode == 0, made.stderr
    assert not any((project / name).exists() for name in MONITOR_FILES)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "0.0.1" and "monitor" not in answers

    updated = run_mlops("update", cwd=project)
    assert updated.returncode == 0, updated.stderr
    assert "0.0.1 -> " in updated.stderr
    for name in MONITOR_FILES:
        assert f"add     {name}" in updated.stderr
        assert (project / name).is_file()
    assert "update  params.yaml" in updated.stderr
    params = yaml.safe_load((project / "params.yaml").read_text())
    assert params["monitor"]["drift_share"] == 0.5
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["monitor"], answers["monitor_reaction"]) == (True, "issue")
    staged = git(project, "diff", "--cached", "--name-only").split()
    assert set(MONITOR_FILES) <= set(staged)
