"""Every output format, --min-severity, exit codes and usage errors of `mlops lint`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from tests.lint.conftest import DATA, lint, lint_json, make_repo, naive_repo

TEXT_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|note) "
    r"(?P<rule>[\w./-]+): (?P<message>.+) \[(?P<tools>[\w-]+(, [\w-]+)*)\]$"
)
GITHUB_LINE = re.compile(
    r"^::(?P<level>error|warning|notice) file=(?P<file>[^,]+),line=(?P<line>\d+),"
    r"col=(?P<col>\d+),title=(?P<title>[^:]+)::(?P<message>.+)$"
)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, tools_installed: None) -> Path:
    return naive_repo(tmp_path_factory.mktemp("formats") / "repo")


@pytest.fixture(scope="module")
def reference(repo: Path) -> list[dict]:
    code, document, _ = lint_json(cwd=repo)
    assert code == 1
    return document["findings"]


def test_text_format_is_one_line_per_finding(repo: Path, reference: list[dict]) -> None:
    result = lint(cwd=repo)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(reference)
    for line, finding in zip(lines, reference, strict=True):
        match = TEXT_LINE.match(line)
        assert match, line
        assert match["file"] == finding["file"]
        assert (int(match["line"]), int(match["col"])) == (finding["line"], finding["column"])
        assert (match["severity"], match["rule"]) == (finding["severity"], finding["rule"])
        assert match["tools"].split(", ") == [finding["tool"], *finding["also_reported_by"]]
    assert "\x1b[" not in result.stdout  # no colour when stdout is not a terminal
    # The summary is one line on stderr, as every mlops error.
    assert result.stderr.strip().splitlines()[-1].startswith("mlops: error: ")
    assert f"{len(reference)} findings" in result.stderr


def test_json_format(reference: list[dict]) -> None:
    keys = {"file", "line", "column", "severity", "rule", "message", "tool", "also_reported_by"}
    assert reference
    for finding in reference:
        assert set(finding) == keys
        assert finding["severity"] in ("error", "warning", "note")
        assert finding["line"] >= 1 and finding["column"] >= 1
    assert reference == sorted(reference, key=lambda f: (f["file"], f["line"], f["column"]))


def test_sarif_format_is_valid_sarif_2_1_0(repo: Path, reference: list[dict]) -> None:
    result = lint("--format", "sarif", cwd=repo)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(document)
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    assert run["tool"]["driver"]["name"] == "mlops lint"
    results = run["results"]
    assert len(results) == len(reference)
    rules = run["tool"]["driver"]["rules"]
    for item, finding in zip(results, reference, strict=True):
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        expected_id = (
            finding["rule"]
            if finding["tool"] == "mlops"
            else f"{finding['tool']}/{finding['rule']}"
        )
        assert item["ruleId"] == expected_id
        assert item["level"] == finding["severity"]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": finding["file"], "uriBaseId": "SRCROOT"}
        assert location["region"] == {
            "startLine": finding["line"],
            "startColumn": finding["column"],
        }
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == repo.resolve().as_uri() + "/"


def test_sarif_of_a_clean_run_is_valid_too(tmp_path: Path, tools_installed: None) -> None:
    repo = make_repo(tmp_path / "clean", {"Dockerfile": "FROM scratch\nUSER 10001\n"})
    result = lint("--format", "sarif", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    assert document["runs"][0]["results"] == []


def test_github_format_is_workflow_commands(repo: Path, reference: list[dict]) -> None:
    result = lint("--format", "github", cwd=repo)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(reference)
    levels = {"error": "error", "warning": "warning", "note": "notice"}
    for line, finding in zip(lines, reference, strict=True):
        match = GITHUB_LINE.match(line)
        assert match, line
        assert match["level"] == levels[finding["severity"]]
        assert match["file"] == finding["file"]
        assert (int(match["line"]), int(match["col"])) == (finding["line"], finding["column"])
        assert match["title"].startswith(finding["rule"])
        assert "%0A" not in match["message"] or "\n" in finding["message"]


def test_github_format_escapes_newlines_and_separators(tmp_path: Path) -> None:
    from mlops.lint.engine import LintResult
    from mlops.lint.findings import Finding
    from mlops.lint.output import render_github

    finding = Finding("a,b:c.yml", 2, 3, "note", "r", "50% done\nnext line", "zizmor")
    rendered = render_github(LintResult(tmp_path, [], [finding]))
    assert rendered == (
        "::notice file=a%2Cb%3Ac.yml,line=2,col=3,title=r [zizmor]::50%25 done%0Anext line"
    )


def test_min_severity_filters_and_decides_the_exit_code(tmp_path: Path) -> None:
    # Only warnings: an unpinned action and a missing persist-credentials.
    repo = make_repo(
        tmp_path / "repo",
        {
            ".github/workflows/ci.yml": (
                "on: push\npermissions: {}\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                "    permissions:\n      contents: read\n    steps:\n"
                "      - uses: actions/checkout@v4\n"
            )
        },
    )
    code, document, _ = lint_json("--no-tools", cwd=repo)
    assert code == 1
    assert {f["severity"] for f in document["findings"]} == {"warning"}
    code, document, stderr = lint_json("--no-tools", "--min-severity", "error", cwd=repo)
    assert code == 0, stderr
    assert document["findings"] == []
    assert "No findings" in stderr
    code, document, _ = lint_json("--no-tools", "--min-severity", "warning", cwd=repo)
    assert code == 1 and len(document["findings"]) == 2


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--format", "xml"], "--format"),
        (["--min-severity", "fatal"], "--min-severity"),
        (["no/such/file.yml"], "no such file"),
        (["README.md"], "not a file mlops lint reads"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path, args: list[str], text: str) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "hi\n"})
    result = lint(*args, cwd=repo)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert text in lines[0]
    assert "Traceback" not in result.stderr


def test_a_clean_directory_exits_0_with_a_summary(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "nothing to lint\n"})
    result = lint(cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == "No findings in 0 files (mlops)."
