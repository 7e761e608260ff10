"""Shared pieces of the workflow checks: reporting, scalar rules, expressions in values.

``CheckerBase`` collects diagnostics; the workflow-level checks (loader.py) and the job and
step checks (schema/jobs.py) build on it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeGuard

from mlops.workflow import expressions
from mlops.workflow.expressions.availability import SPECIAL_FUNCTIONS, TABLE, Availability
from mlops.workflow.model import Diagnostic, Pos, scalar_text
from mlops.workflow.yamlnodes import Mapping, Node, Scalar, Sequence

MAX_FILE_BYTES = 2 * 1024 * 1024
_FILTER_KEYS = {"branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore"}

EVENTS = frozenset(
    [
        "branch_protection_rule",
        "check_run",
        "check_suite",
        "create",
        "delete",
        "deployment",
        "deployment_status",
        "discussion",
        "discussion_comment",
        "fork",
        "gollum",
        "issue_comment",
        "issues",
        "label",
        "merge_group",
        "milestone",
        "page_build",
        "project",
        "project_card",
        "project_column",
        "public",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
        "pull_request_target",
        "push",
        "registry_package",
        "release",
        "repository_dispatch",
        "schedule",
        "status",
        "watch",
        "workflow_call",
        "workflow_dispatch",
        "workflow_run",
        "image_version",
    ]
)
_EVENT_KEYS: dict[str, set[str]] = {
    "push": {"branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore"},
    "pull_request": {"branches", "branches-ignore", "paths", "paths-ignore", "types"},
    "pull_request_target": {"branches", "branches-ignore", "paths", "paths-ignore", "types"},
    "workflow_run": {"workflows", "types", "branches", "branches-ignore"},
    "workflow_dispatch": {"inputs"},
    "workflow_call": {"inputs", "outputs", "secrets"},
}
_TOP_KEYS = {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}
_JOB_KEYS = {
    "name",
    "permissions",
    "needs",
    "if",
    "runs-on",
    "environment",
    "concurrency",
    "outputs",
    "env",
    "defaults",
    "steps",
    "timeout-minutes",
    "strategy",
    "continue-on-error",
    "container",
    "services",
    "snapshot",
}
_CALL_JOB_KEYS = {
    "name",
    "uses",
    "with",
    "secrets",
    "needs",
    "if",
    "permissions",
    "strategy",
    "concurrency",
}
_STEP_KEYS = {
    "id",
    "if",
    "name",
    "uses",
    "run",
    "shell",
    "with",
    "env",
    "continue-on-error",
    "timeout-minutes",
    "working-directory",
}
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PERMISSION_SCOPES = {
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
}
_INPUT_TYPES = {
    "workflow_dispatch": {"string", "boolean", "number", "choice", "environment"},
    "workflow_call": {"string", "boolean", "number"},
}


def _pos(node: Node) -> Pos:
    return Pos(node.line, node.column)


def _type_name(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a sequence"
    assert isinstance(node, Scalar)  # the third and last kind of node
    value = node.value
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"{value!r}"


def _is_expression(node: Node) -> TypeGuard[Scalar]:
    return isinstance(node, Scalar) and isinstance(node.value, str) and "${{" in node.value


class CheckerBase:
    # Which contexts and functions each key may use; action.yml's composite steps have
    # their own (schema/actionfile.py).
    availability_table: dict[str, Availability] = TABLE

    def __init__(self, path: Path, shown: str) -> None:
        self.path = path
        self.shown = shown
        self.diagnostics: list[Diagnostic] = []

    # -- reporting ---------------------------------------------------------------------------

    def error(self, node: Node | Pos, message: str, rule: str = "syntax") -> None:
        self.diagnostics.append(Diagnostic(self.shown, node.line, node.column, message, rule))

    def keys(self, node: Mapping, allowed: set[str], where: str) -> None:
        for key, _ in node:
            if key.value not in allowed:
                known = ", ".join(sorted(allowed))
                self.error(key, f"unknown key {key.value!r} in {where}; expected one of: {known}")

    def expect_mapping(self, node: Node | None, what: str, anchor: Node | Pos) -> Mapping | None:
        if node is None:
            self.error(anchor, f"{what} must be a mapping, got nothing")
            return None
        if not isinstance(node, Mapping):
            self.error(node, f"{what} must be a mapping, got {_type_name(node)}")
            return None
        return node

    def string(self, node: Node | None, what: str, *, allow_number: bool = True) -> str | None:
        """A scalar as GitHub reads it in a string position (``true`` -> 'true', 3.10 -> '3.1')."""
        if node is None:
            return None
        if isinstance(node, Scalar) and node.value is not None:
            return scalar_text(node.value)
        self.error(node, f"{what} must be a string, got {_type_name(node)}")
        return None

    def boolean_or_expression(self, node: Node | None, what: str, default: bool) -> bool | str:
        if node is None:
            return default
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            return node.value
        if _is_expression(node):
            expression: str = node.value
            return expression
        self.error(node, f"{what} must be true, false or an expression, got {_type_name(node)}")
        return default

    def number_or_expression(self, node: Node | None, what: str) -> float | str | None:
        if node is None:
            return None
        if isinstance(node, Scalar):
            value = node.value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if value <= 0:
                    self.error(node, f"{what} must be a positive number, got {value!r}")
                return value
            if _is_expression(node):
                expression: str = value
                return expression
        self.error(node, f"{what} must be a number, got {_type_name(node)}")
        return None

    def string_map(self, node: Node | None, what: str, key: str | None = None) -> dict[str, Any]:
        """A mapping of names to scalar values (env, with, outputs)."""
        if node is None:
            return {}
        mapping = self.expect_mapping(node, what, node)
        if mapping is None:
            return {}
        result: dict[str, Any] = {}
        for name, value in mapping:
            if not isinstance(value, Scalar):
                self.error(
                    value,
                    f"{what}.{name.value} must be a string, number or boolean, "
                    f"got {_type_name(value)}",
                )
                continue
            result[str(name.value)] = value.value
            if key is not None:
                self.expressions_in(value, key)
        return result

    # -- expressions -------------------------------------------------------------------------

    def expressions_in(self, node: Node, key: str, *, condition: bool = False) -> None:
        """Check every ${{ }} in a scalar (or, for ``if``, the bare condition)."""
        if isinstance(node, (Mapping, Sequence)):
            children = (v for _, v in node) if isinstance(node, Mapping) else iter(node)
            for child in children:
                self.expressions_in(child, key)
            return
        assert isinstance(node, Scalar)  # the third and last kind of node
        value = node.value
        if not isinstance(value, str):
            return
        availability = self.availability_table.get(key)
        try:
            if condition and "${{" not in value:
                found = [expressions.TemplateExpression(0, value)]
            else:
                found = expressions.find_expressions(value)
        except expressions.ExpressionError as error:
            self.expression_error(node, error, value)
            return
        for item in found:
            try:
                tree = expressions.parse(item.text)
            except expressions.ExpressionError as error:
                self.expression_error(node, error.shifted(item.offset), value)
                continue
            if availability is not None:
                self.availability(node, key, tree, availability, value, item.offset)

    def expression_error(self, node: Node, error: expressions.ExpressionError, text: str) -> None:
        column = node.column
        single_line = isinstance(node, Scalar) and node.style in (None, "'", '"')
        if single_line and isinstance(node, Scalar) and "\n" not in text:
            quote = 1 if node.style in ("'", '"') else 0
            column += quote + error.offset + (error.column or 1) - 1
        self.diagnostics.append(
            Diagnostic(self.shown, node.line, column, error.reason, rule="expression")
        )

    def availability(
        self,
        node: Node,
        key: str,
        tree: expressions.Node,
        allowed: Availability,
        text: str,
        offset: int,
    ) -> None:
        for context in sorted(expressions.referenced_contexts(tree)):
            if context not in allowed.contexts:
                permitted = ", ".join(sorted(allowed.contexts))
                self.error(
                    node,
                    f"context {context!r} is not available in {key}; available: {permitted}",
                    rule="context-availability",
                )
        for function in sorted(expressions.referenced_functions(tree)):
            if function.lower() in SPECIAL_FUNCTIONS and function.lower() not in allowed.functions:
                self.error(
                    node,
                    f"function {function}() is not available in {key}",
                    rule="context-availability",
                )

    # -- workflow ----------------------------------------------------------------------------


def _whole(text: str) -> bool:
    """Whether ``text`` is one ``${{ }}`` and nothing else (a broken one counts: the
    expression check reports it)."""
    try:
        return expressions.whole_expression(text.strip()) is not None
    except expressions.ExpressionError:
        return True
