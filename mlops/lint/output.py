"""Render findings: text, json, SARIF 2.1.0, or GitHub workflow-command annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mlops import __version__
from mlops.lint.engine import LintResult
from mlops.lint.findings import OWN, Finding
from mlops.lint.rules import description_of

FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "note": "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}
_COLOURS = {"error": "red", "warning": "yellow", "note": "cyan"}


def _tools_label(finding: Finding) -> str:
    return ", ".join(finding.tools)


def render_text(result: LintResult, *, colour: bool = False) -> str:
    lines = []
    for f in result.findings:
        severity = f.severity
        if colour:
            import click

            severity = click.style(severity, fg=_COLOURS[severity], bold=severity == "error")
        lines.append(
            f"{f.path}:{f.line}:{f.column}: {severity} {f.rule}: {f.message} [{_tools_label(f)}]"
        )
    return "\n".join(lines)


def summary(result: LintResult) -> str:
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in _SARIF_LEVEL}
    files = f"{len(result.files)} file{'s' if len(result.files) != 1 else ''}"
    tools = ", ".join(["mlops", *result.tools_run])
    if not result.findings:
        return f"No findings in {files} ({tools})."
    parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    total = len(result.findings)
    return f"{total} finding{'s' if total != 1 else ''} ({', '.join(parts)}) in {files} ({tools})."


def render_json(result: LintResult) -> str:
    document = {
        "version": 1,
        "findings": [f.to_dict() for f in result.findings],
        "notices": list(result.notices),
        "files": [{"file": f.shown, "kind": f.kind} for f in result.files],
        "tools": ["mlops", *result.tools_run],
    }
    return json.dumps(document, indent=2)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: LintResult) -> str:
    lines = []
    for f in result.findings:
        properties = ",".join(
            [
                f"file={_escape_property(f.path)}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={_escape_property(f'{f.rule} [{_tools_label(f)}]')}",
            ]
        )
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {properties}::{_escape_data(f.message)}")
    return "\n".join(lines)


def _sarif_rule_id(finding: Finding) -> str:
    return finding.rule if finding.tool == OWN else f"{finding.tool}/{finding.rule}"


def _artifact(path: str, root: Path, cwd: Path) -> dict[str, Any]:
    absolute = (cwd / path).resolve()
    try:
        relative = absolute.relative_to(root.resolve())
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": "SRCROOT"}


def render_sarif(result: LintResult, *, cwd: Path | None = None) -> str:
    cwd = (cwd or Path.cwd()).resolve()
    rules: dict[str, dict[str, Any]] = {}
    index: dict[str, int] = {}
    results = []
    for f in result.findings:
        rule_id = _sarif_rule_id(f)
        if rule_id not in rules:
            index[rule_id] = len(rules)
            description = description_of(f.rule) if f.tool == OWN else f"{f.tool} rule {f.rule}"
            rules[rule_id] = {
                "id": rule_id,
                "shortDescription": {"text": description or rule_id},
                "properties": {"tool": f.tool},
            }
        results.append(
            {
                "ruleId": rule_id,
                "ruleIndex": index[rule_id],
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact(f.path, result.root, cwd),
                            "region": {"startLine": f.line, "startColumn": f.column},
                        }
                    }
                ],
                "properties": {"tool": f.tool, "alsoReportedBy": list(f.also)},
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "mlops lint",
                "version": __version__,
                "rules": list(rules.values()),
            }
        },
        "originalUriBaseIds": {"SRCROOT": {"uri": result.root.resolve().as_uri() + "/"}},
        "invocations": [
            {
                "executionSuccessful": not result.tool_failed,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": notice}} for notice in result.notices
                ],
            }
        ],
        "results": results,
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)
