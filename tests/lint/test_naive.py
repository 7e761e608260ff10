"""The naive CML workflow and the naive Dockerfile of the clean-workflow checklist: every problem is
reported at its line, by us and (merged, not repeated) by the wrapped tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lint.conftest import at, lint_json, naive_repo

WORKFLOW = ".github/workflows/train.yml"

# (line, rule, tools that report it) for the naive workflow.
NAIVE_WORKFLOW = [
    (3, "dangerous-triggers", ["zizmor"]),  # pull_request_target
    (6, "missing-permissions", ["mlops", "zizmor"]),  # no permissions anywhere
    (9, "unpinned-action", ["mlops", "zizmor"]),  # actions/checkout@v4
    (9, "checkout-persist-credentials", ["mlops", "zizmor"]),
    (11, "pr-target-checkout", ["mlops"]),  # ref: the PR head sha under pull_request_target
    (12, "unpinned-action", ["mlops", "zizmor"]),  # actions/setup-python@v5
    (14, "version-float", ["mlops"]),  # python-version: 3.10
    (19, "template-injection", ["mlops", "actionlint", "zizmor"]),  # PR title in run:
    (24, "deprecated-command", ["mlops", "actionlint"]),  # ::set-output
    (25, "SC2086", ["shellcheck"]),  # >> $GITHUB_OUTPUT unquoted
    (26, "unpinned-action", ["mlops", "zizmor"]),  # iterative/setup-cml@v2
]

# hadolint's findings, and ours for the root user (hadolint's DL3002 merged in).
NAIVE_DOCKERFILE = [
    (1, "DL3007"),
    (2, "DL3009"),
    (3, "DL3008"),
    (3, "DL3015"),
    (3, "DL3059"),
    (4, "DL3020"),
    (5, "DL3003"),
    (5, "DL3042"),
    (6, "DL3013"),
    (6, "DL3042"),
    (7, "DL4006"),
    (9, "DL3064"),
    (10, "dockerfile-root-user"),
    (10, "DL3066"),
    (11, "DL3025"),
]


@pytest.fixture(scope="module")
def naive(tmp_path_factory: pytest.TempPathFactory, tools_installed: None) -> dict:
    repo = naive_repo(tmp_path_factory.mktemp("naive") / "repo")
    code, document, stderr = lint_json(cwd=repo)
    assert code == 1, stderr
    return document


@pytest.mark.parametrize(("line", "rule", "tools"), NAIVE_WORKFLOW)
def test_naive_workflow_problem_at_its_line(naive: dict, line: int, rule: str, tools: list) -> None:
    findings = [f for f in naive["findings"] if f["file"] == WORKFLOW]
    finding = at(findings, line, rule)
    assert sorted([finding["tool"], *finding["also_reported_by"]]) == sorted(tools)


def test_naive_workflow_has_nothing_else_of_ours_and_no_duplicates(naive: dict) -> None:
    findings = [f for f in naive["findings"] if f["file"] == WORKFLOW]
    ours = sorted((f["line"], f["rule"]) for f in findings if f["tool"] == "mlops")
    expected = sorted((line, rule) for line, rule, tools in NAIVE_WORKFLOW if "mlops" in tools)
    assert ours == expected
    # What else the tools say: only actionlint's node20 deprecations of checkout@v4/setup-python@v5.
    others = {(f["line"], f["rule"]) for f in findings} - {(a, b) for a, b, _ in NAIVE_WORKFLOW}
    assert others == {(9, "action"), (12, "action")}
    keys = [(f["line"], f["column"], f["rule"], f["tool"]) for f in findings]
    assert len(keys) == len(set(keys))


def test_naive_workflow_messages_say_what_to_do(naive: dict) -> None:
    findings = [f for f in naive["findings"] if f["file"] == WORKFLOW]
    version = at(findings, 14, "version-float")
    assert version["column"] == 27
    assert "3.1" in version["message"] and 'python-version: "3.10"' in version["message"]
    injection = at(findings, 19, "template-injection")
    assert injection["column"] == 34  # the ${{ in the script, not the run: line
    assert "github.event.pull_request.title" in injection["message"]
    assert "env:" in injection["message"]
    assert "pull_request_target" in at(findings, 11, "pr-target-checkout")["message"]
    assert "$GITHUB_OUTPUT" in at(findings, 24, "deprecated-command")["message"]
    assert at(findings, 9, "unpinned-action")["severity"] == "warning"
    assert at(findings, 14, "version-float")["severity"] == "error"


@pytest.mark.parametrize(("line", "rule"), NAIVE_DOCKERFILE)
def test_naive_dockerfile_problem_at_its_line(naive: dict, line: int, rule: str) -> None:
    at([f for f in naive["findings"] if f["file"] == "Dockerfile"], line, rule)


def test_naive_dockerfile_root_user_is_one_finding(naive: dict) -> None:
    findings = [f for f in naive["findings"] if f["file"] == "Dockerfile"]
    assert sorted((f["line"], f["rule"]) for f in findings) == sorted(NAIVE_DOCKERFILE)
    root = at(findings, 10, "dockerfile-root-user")
    assert root["tool"] == "mlops" and root["also_reported_by"] == ["hadolint"]  # DL3002


def test_own_checks_alone_give_the_same_answer_for_our_rules(tmp_path: Path) -> None:
    repo = naive_repo(tmp_path / "repo")
    code, document, _ = lint_json("--no-tools", cwd=repo)
    assert code == 1
    assert document["tools"] == ["mlops"]
    ours = sorted((f["line"], f["rule"]) for f in document["findings"] if f["file"] == WORKFLOW)
    assert ours == sorted((line, rule) for line, rule, t in NAIVE_WORKFLOW if "mlops" in t)


def test_dockerfile_without_user_is_flagged_though_hadolint_is_silent(
    tmp_path: Path, tools_installed: None
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "Dockerfile").write_text(
        "FROM python:3.11.10-slim-bookworm AS build\nUSER 10001\n"
        "FROM python:3.11.10-slim-bookworm\nWORKDIR /app\n"
        'COPY --from=build /etc/hostname /app/x\nCMD ["python", "-V"]\n'
    )
    code, document, _ = lint_json("Dockerfile", cwd=repo)
    assert code == 1
    assert [(f["line"], f["rule"], f["tool"]) for f in document["findings"]] == [
        (3, "dockerfile-root-user", "mlops")  # the USER of the first stage does not count
    ]
