"""The table-driven runner suite: every directory under ``cases/`` is one run, in-process.

Each case is a workflow (plus optional files, event payload and invocation) and what the run
must end with: exit code, job results, job outputs and the lines steps print. The format is in
``cases/README.md``; adding a case is adding a directory. The shape follows act's
``TestRunEvent`` (pkg/runner/runner_test.go). The journeys through the CLI stay in the other
test modules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops.runner import describe
from mlops.runner.run import RunResult, parse_local_repositories, run_plan
from mlops.runner.runplan import make_plan
from mlops.runner.state import RunOptions
from mlops.workflow.repository import Repository
from tests.conftest import docker_engine_missing, missing
from tests.runner.conftest import GIT_ENV

CASES = Path(__file__).parent / "cases"
CASE_FILES = {"workflow.yml", "workflows", "files", "event.json", "run.yml", "expect.yml"}
RUN_KEYS = {"event", "job", "secrets", "vars", "env", "inputs", "matrix", "local_repositories"}
RUN_KEYS |= {"requires", "docker", "backend", "actor"}
EXPECT_KEYS = {"exit", "jobs", "outputs", "printed", "not_printed", "annotations", "summaries"}
EXPECT_KEYS |= {"dry_run", "names"}


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "expect.yml").is_file())


def case_params() -> list[Any]:
    """Every case; those whose run.yml says ``docker: true`` carry the ``docker`` marker."""
    return [
        pytest.param(name, marks=pytest.mark.docker)
        if _read(CASES / name / "run.yml").get("docker")
        else name
        for name in case_names()
    ]


def _docker_images(backend: str) -> None:
    """The engine and the stand-in images a docker case needs (skipped saying what is
    missing, failed in CI)."""
    from tests import dockerimages

    if docker_engine_missing():
        missing(docker_engine_missing())
    try:
        dockerimages.ensure_base_image()
        if backend == "docker":
            dockerimages.ensure_runner_image()
    except dockerimages.MissingTool as error:
        missing(str(error))


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    assert isinstance(data, dict), f"{path}: expected a mapping"
    return data


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **GIT_ENV}, check=True, capture_output=True
    )


def _repository(case: Path, root: Path) -> None:
    """A git repository holding the case's workflow(s) and files, committed on main."""
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _git(root, "remote", "add", "origin", "https://github.com/acme/widgets.git")
    if (case / "files").is_dir():
        shutil.copytree(case / "files", root, dirs_exist_ok=True, symlinks=True)
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    if (case / "workflow.yml").is_file():
        shutil.copy(case / "workflow.yml", workflows / "workflow.yml")
    if (case / "workflows").is_dir():
        shutil.copytree(case / "workflows", workflows, dirs_exist_ok=True)
    (root / "README.md").write_text("case\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "case")


def _in_repository(mapping: str, root: Path) -> str:
    """``ACTION=PATH`` with PATH relative to the case's repository made absolute."""
    action, _, path = mapping.rpartition("=")
    return f"{action}={root / path}"


def run_case(case: Path, tmp_path: Path) -> tuple[RunResult, str]:
    """The run's result, and the text ``mlops run -n`` prints for the same invocation."""
    unknown = {p.name for p in case.iterdir()} - CASE_FILES - {"README.md"}
    assert not unknown, f"{case.name}: unknown files {sorted(unknown)}"
    invocation = _read(case / "run.yml")
    assert not set(invocation) - RUN_KEYS, f"{case.name}/run.yml: unknown keys"
    for program in invocation.get("requires", []):
        assert shutil.which(program), f"{case.name} needs {program} on PATH; install it"
    if invocation.get("docker"):
        _docker_images(invocation.get("backend", "host"))
    root = tmp_path / "repo"
    _repository(case, root)
    event_path = case / "event.json"

    def strings(key: str) -> dict[str, str]:
        return {k: str(v) for k, v in (invocation.get(key) or {}).items()}

    plan = make_plan(
        directory=str(root),
        workflows=None,
        event_name=invocation.get("event", "push"),
        event_path=str(event_path) if event_path.is_file() else None,
        job=invocation.get("job"),
        matrix_filters=[tuple(f.split(":", 1)) for f in invocation.get("matrix", [])],
        inputs={k: str(v) for k, v in (invocation.get("inputs") or {}).items()},
        variables=strings("vars"),
        actor=invocation.get("actor"),
    )

    options = RunOptions(
        secrets=strings("secrets"),
        variables=strings("vars"),
        env=strings("env"),
        as_json=True,
        matrix_filters=[tuple(f.split(":", 1)) for f in invocation.get("matrix", [])],
        local_repositories=parse_local_repositories(
            tuple(_in_repository(v, root) for v in invocation.get("local_repositories", []))
        ),
        backend=invocation.get("backend", "host"),
    )
    # As `mlops run` does: ::debug:: shows when the ACTIONS_STEP_DEBUG secret or variable is true
    options.step_debug = "true" in (
        options.secrets.get("ACTIONS_STEP_DEBUG", "").lower(),
        options.variables.get("ACTIONS_STEP_DEBUG", "").lower(),
    )
    return run_plan(plan, Repository.at(root), options), describe.dry_run(plan)


@pytest.mark.parametrize("name", case_params())
def test_case(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES / name
    expect = _read(case / "expect.yml")
    assert not set(expect) - EXPECT_KEYS, f"{name}/expect.yml: unknown keys"
    monkeypatch.setenv("MLOPS_CACHE_DIR", str(tmp_path / "cache"))
    result, dry_run = run_case(case, tmp_path)
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    printed: dict[str, list[str]] = {}
    annotations: dict[str, list[str]] = {}
    for event in events:
        if event["event"] == "output":
            printed.setdefault(event["job"], []).append(event["line"])
        elif event["event"] == "annotation":
            annotations.setdefault(event["job"], []).append(f"{event['level']}: {event['message']}")
    log = "\n".join(json.dumps(e) for e in events)

    jobs = {record.key: record.result for record in result.jobs}
    if "jobs" in expect:
        assert jobs == expect["jobs"], log
    names = {record.key: record.name for record in result.jobs}
    for job, name in (expect.get("names") or {}).items():
        assert names.get(job) == name, f"{job} is named {names.get(job)!r}, not {name!r}"
    for job, outputs in (expect.get("outputs") or {}).items():
        assert job in result.outcomes, f"{job} did not run: {sorted(result.outcomes)}"
        assert result.outcomes[job].outputs == {k: str(v) for k, v in outputs.items()}, log
    for job, lines in (expect.get("printed") or {}).items():
        seen = iter(printed.get(job, []))
        for line in lines:  # in this order, other lines between them allowed
            assert any(str(line) == got for got in seen), f"{job} did not print {line!r}\n{log}"
    for job, texts in (expect.get("not_printed") or {}).items():
        for text in texts:
            assert not any(str(text) in got for got in printed.get(job, [])), log
    for job, expected in (expect.get("annotations") or {}).items():
        for annotation in expected:
            assert annotation in annotations.get(job, []), log
    for job, texts in (expect.get("summaries") or {}).items():
        summary = "".join(result.record.summaries.get(job, []))
        for text in texts:
            assert text in summary, f"{job}'s step summary lacks {text!r}: {summary!r}"
    for line in expect.get("dry_run") or []:
        assert line in dry_run.splitlines(), f"mlops run -n does not show {line!r}:\n{dry_run}"
    assert result.exit_code == expect.get("exit", 0), log
