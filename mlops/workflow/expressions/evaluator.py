"""The expression evaluator behind :mod:`mlops.workflow.expressions`: templates,
parsing (cached), evaluation of values and ``if:`` conditions."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any, NamedTuple

from mlops.workflow.expressions.errors import ExpressionError
from mlops.workflow.expressions.functions import (
    FUNCTIONS,
    STATUS_FUNCTIONS,
    CallEnv,
    LazyArgs,
    job_status,
)
from mlops.workflow.expressions.parser import (
    Binary,
    Call,
    ContextAccess,
    Index,
    Literal,
    Logical,
    Node,
    Not,
    parse_tokens,
    walk,
)
from mlops.workflow.expressions.values import (
    FilteredArray,
    equals,
    greater_than,
    index,
    less_than,
    to_display,
    truthy,
)

Contexts = Mapping[str, Any]
Workspace = str | os.PathLike[str] | None


class TemplateExpression(NamedTuple):
    """One ``${{ }}`` in a template: the text inside, and where that text starts (0-based)."""

    offset: int
    text: str


def find_expressions(template: str) -> list[TemplateExpression]:
    """Every ``${{ expr }}`` in ``template``, in order.

    A ``}}`` inside a single-quoted string literal does not close the expression. An unclosed
    ``${{`` or an empty ``${{ }}`` raises :class:`ExpressionError`.
    """
    found: list[TemplateExpression] = []
    position = 0
    while (start := template.find("${{", position)) >= 0:
        end = _expression_end(template, start + 3)
        if end < 0:
            raise ExpressionError(
                "The expression is not closed: '${{' has no matching '}}'",
                column=1,
                expression=template[start:],
                offset=start,
            )
        text = template[start + 3 : end]
        if not text.strip():
            raise ExpressionError("An expression was expected", offset=start + 3)
        found.append(TemplateExpression(start + 3, text))
        position = end + 2
    return found


def _expression_end(template: str, position: int) -> int:
    """Index of the ``}}`` closing an expression that starts at ``position``, or -1."""
    in_string = False
    for current in range(position, len(template) - 1):
        char = template[current]
        if char == "'":
            in_string = not in_string
        elif not in_string and char == "}" and template[current + 1] == "}":
            return current
    return -1


def whole_expression(text: str) -> TemplateExpression | None:
    """The expression if ``text`` is exactly one ``${{ }}`` and nothing else (strip first to
    allow surrounding whitespace)."""
    if not text.startswith("${{"):
        return None
    found = find_expressions(text)
    if len(found) == 1 and found[0].offset + len(found[0].text) + 2 == len(text):
        return found[0]
    return None


def _unwrap(expression: str) -> tuple[str, int]:
    """The expression text and its offset: ``${{ x }}`` (whole string) gives ``x``."""
    stripped = expression.strip()
    if not stripped.startswith("${{"):
        return expression, 0
    lead = len(expression) - len(expression.lstrip())
    try:
        whole = whole_expression(stripped)
    except ExpressionError as error:
        raise error.shifted(error.offset + lead) from None
    if whole is None:
        raise ExpressionError(
            "Expected one expression, found a template with text around or between "
            "'${{ }}'; use interpolate() for templates",
            column=1,
            expression=expression,
        )
    return whole.text, lead + whole.offset


@functools.lru_cache(maxsize=2048)
def _parse_text(text: str) -> Node:
    return parse_tokens(text)


def parse(expression: str) -> Node:
    """Parse an expression (optionally wrapped whole in ``${{ }}``) into its AST.

    Node offsets are 0-based within the expression text (inside the wrapper).
    """
    text, offset = _unwrap(expression)
    try:
        return _parse_text(text)
    except ExpressionError as error:
        raise error.shifted(offset) from None


def _as_node(expression: str | Node) -> Node:
    return expression if isinstance(expression, Node) else parse(expression)


def referenced_contexts(expression: str | Node) -> set[str]:
    """Lower-cased names of the contexts an expression reads (``github``, ``env``, ...)."""
    return {
        node.name.lower() for node in walk(_as_node(expression)) if isinstance(node, ContextAccess)
    }


def referenced_functions(expression: str | Node) -> set[str]:
    """Canonical names of the functions an expression calls (``hashFiles``, ``success``, ...)."""
    return {node.name for node in walk(_as_node(expression)) if isinstance(node, Call)}


def evaluate(expression: str, contexts: Contexts, *, workspace: Workspace = None) -> Any:
    """Evaluate one expression (the text inside ``${{ }}``, or wrapped whole in ``${{ }}``).

    ``contexts`` maps context names (case-insensitive) to their data; a context the expression
    reads that is not given is an error. ``workspace`` is the directory ``hashFiles`` searches
    (default: ``github.workspace``).
    """
    text, offset = _unwrap(expression)
    try:
        return _Evaluator(text, contexts, workspace).run(_parse_text(text))
    except ExpressionError as error:
        raise error.shifted(offset) from None


def interpolate(template: str, contexts: Contexts, *, workspace: Workspace = None) -> str:
    """Replace each ``${{ expr }}`` in ``template`` with its value as a string.

    null gives '', booleans 'true'/'false', numbers as GitHub prints them, arrays and objects
    their JSON (as ``toJSON``).
    """
    pieces: list[str] = []
    position = 0
    for found in find_expressions(template):
        pieces.append(template[position : found.offset - 3])
        try:
            value = _Evaluator(found.text, contexts, workspace).run(_parse_text(found.text))
        except ExpressionError as error:
            raise error.shifted(found.offset) from None
        pieces.append(to_display(value))
        position = found.offset + len(found.text) + 2
    pieces.append(template[position:])
    return "".join(pieces)


def evaluate_value(value: Any, contexts: Contexts, *, workspace: Workspace = None) -> Any:
    """A YAML value with every ``${{ }}`` evaluated, as GitHub's template evaluator evaluates
    ``with``, ``env``, ``strategy`` and the like (actions/runner TemplateUnraveler):

    - a string that is one whole expression keeps the expression's type (``${{ fromJSON(x) }}``
      gives a list); other strings are interpolated;
    - a mapping key with an expression is evaluated to a string
      (``${{ needs.a.outputs.key }}: [1, 2]``);
    - the key ``${{ insert }}`` merges the mapping its value evaluates to into the parent
      mapping (undocumented on GitHub, used by real workflows: ``${{ insert }}: ${{ vars }}``);
    - a sequence item that is one whole expression evaluating to a sequence is spliced into
      the parent sequence (``[a, ${{ fromJSON('["b", "c"]') }}]`` is ``[a, b, c]``);
    - anything else is returned as it is.
    """
    if isinstance(value, str):
        if "${{" not in value:
            return value
        whole = whole_expression(value.strip())
        if whole is not None:
            return evaluate(whole.text, contexts, workspace=workspace)
        return interpolate(value, contexts, workspace=workspace)
    if isinstance(value, dict):
        mapping: dict[Any, Any] = {}
        for key, item in value.items():
            if not (isinstance(key, str) and "${{" in key):
                mapping[key] = evaluate_value(item, contexts, workspace=workspace)
            elif is_insert(key):
                inserted = evaluate_value(item, contexts, workspace=workspace)
                if not isinstance(inserted, dict):
                    raise ExpressionError(
                        f"${{{{ insert }}}} expects a mapping, got {to_display(inserted)!r}"
                    )
                mapping.update(inserted)
            else:
                name = evaluate_value(key, contexts, workspace=workspace)
                if isinstance(name, dict | list):
                    raise ExpressionError(f"a mapping key must be a string, not {to_display(name)}")
                mapping[to_display(name)] = evaluate_value(item, contexts, workspace=workspace)
        return mapping
    if isinstance(value, list):
        sequence: list[Any] = []
        for item in value:
            evaluated = evaluate_value(item, contexts, workspace=workspace)
            spliced = isinstance(item, str) and whole_expression(item.strip()) is not None
            if spliced and isinstance(evaluated, list):
                sequence.extend(evaluated)
            else:
                sequence.append(evaluated)
        return sequence
    return value


def is_insert(key: str) -> bool:
    """Whether a mapping key is the ``${{ insert }}`` directive."""
    whole = whole_expression(key.strip())
    return whole is not None and whole.text.strip() == "insert"


def evaluate_condition(
    condition: str | bool | float | None, contexts: Contexts, *, workspace: Workspace = None
) -> bool:
    """Evaluate an ``if:`` value as GitHub does, to a boolean.

    An empty condition means ``success()``. Without a status function (``success``,
    ``failure``, ``always``, ``cancelled``) the condition is ``success() && (condition)``.
    A value wrapped whole in ``${{ }}`` is an expression; any other text containing ``${{``
    is a string template, and a non-empty string is true (so ``true && ${{ false }}`` is true).
    """
    if condition is None or (isinstance(condition, str) and not condition.strip()):
        return _success(contexts)
    if isinstance(condition, bool):
        return _success(contexts) and condition
    if isinstance(condition, int | float):
        return _success(contexts) and truthy(condition)
    if "${{" in condition and whole_expression(condition) is None:
        names: set[str] = set()
        for found in find_expressions(condition):
            names |= referenced_functions(found.text)
        if not names & STATUS_FUNCTIONS and not _success(contexts):
            return False
        return truthy(interpolate(condition, contexts, workspace=workspace))
    if not referenced_functions(parse(condition)) & STATUS_FUNCTIONS and not _success(contexts):
        return False
    return truthy(evaluate(condition, contexts, workspace=workspace))


def _success(contexts: Contexts) -> bool:
    return job_status({str(k).lower(): v for k, v in contexts.items()}) == "success"


class _Evaluator:
    """Evaluates an AST against contexts; errors carry the failing node's column."""

    def __init__(self, text: str, contexts: Contexts, workspace: Workspace) -> None:
        self.text = text
        self.contexts = {str(name).lower(): value for name, value in contexts.items()}
        self.env = CallEnv(self.contexts, None if workspace is None else os.fspath(workspace))

    def run(self, node: Node) -> Any:
        value = self.eval(node)
        return list(value) if isinstance(value, FilteredArray) else value

    def error(self, reason: str, node: Node) -> ExpressionError:
        return ExpressionError(reason, column=node.offset + 1, expression=self.text)

    def eval(self, node: Node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, ContextAccess):
            name = node.name.lower()
            if name not in self.contexts:
                raise self.error(f"Unrecognized named-value: '{node.name}'", node)
            return self.contexts[name]
        if isinstance(node, Index):
            target = self.eval(node.target)
            if node.key is None:
                return index(target, None, star=True)
            return index(target, self.eval(node.key))
        if isinstance(node, Not):
            return not truthy(self.eval(node.operand))
        if isinstance(node, Logical):
            return self.logical(node)
        if isinstance(node, Binary):
            return self.compare(node.op, self.eval(node.left), self.eval(node.right))
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(f"not an expression node: {node!r}")

    def logical(self, node: Logical) -> Any:
        stop_when = node.op == "||"  # || stops at the first truthy operand, && at a falsy one
        value: Any = None
        for operand in node.operands:
            value = self.eval(operand)
            if truthy(value) == stop_when:
                break
        return value

    @staticmethod
    def compare(op: str, left: Any, right: Any) -> bool:
        if op == "==":
            return equals(left, right)
        if op == "!=":
            return not equals(left, right)
        if op == ">":
            return greater_than(left, right)
        if op == "<":
            return less_than(left, right)
        if op == ">=":
            return equals(left, right) or greater_than(left, right)
        return equals(left, right) or less_than(left, right)

    def call(self, node: Call) -> Any:
        spec = FUNCTIONS[node.name.lower()]
        args = LazyArgs([functools.partial(self.eval, arg) for arg in node.args])
        try:
            return spec.impl(args, self.env)
        except ExpressionError as error:
            if error.column is None:
                raise self.error(error.reason, node) from None
            raise
