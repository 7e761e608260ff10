"""Walking position-keeping YAML nodes, and the ``${{ }}`` expressions inside their scalars."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from mlops.workflow import expressions
from mlops.workflow.expressions.parser import Call, ContextAccess, Index, Literal, Logical, children
from mlops.workflow.expressions.parser import Node as ExprNode
from mlops.workflow.yamlnodes import Mapping, Node, Scalar, Sequence


class Found(NamedTuple):
    offset: int  # of the text inside ${{ }} in the scalar's value (0 for a bare condition)
    text: str
    tree: ExprNode
    raw: str  # as written in the value: "${{ text }}" (or the bare condition)


def mapping(node: Node | None) -> Mapping | None:
    return node if isinstance(node, Mapping) else None


def text(node: Node | None) -> str | None:
    """A scalar's value as a string (None for a non-scalar or null)."""
    if isinstance(node, Scalar) and node.value is not None:
        value = node.value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    return None


def items(node: Node | None) -> list[Node]:
    return list(node.items) if isinstance(node, Sequence) else []


def scalars(node: Node | None, key: str | None = None) -> Iterator[tuple[str | None, Scalar]]:
    """Every scalar value in a subtree with the mapping key that holds it (iterative)."""
    stack: list[tuple[str | None, Node]] = [(key, node)] if node is not None else []
    while stack:
        holder, current = stack.pop()
        if isinstance(current, Scalar):
            yield holder, current
        elif isinstance(current, Mapping):
            stack.extend((str(k.value), v) for k, v in reversed(current.items))
        elif isinstance(current, Sequence):
            stack.extend((holder, v) for v in reversed(current.items))


def find(node: Scalar, *, condition: bool = False) -> list[Found]:
    """The expressions in a scalar that parse (others are the engine's findings)."""
    value = node.value
    if not isinstance(value, str):
        return []
    found: list[Found] = []
    try:
        if condition and "${{" not in value:
            return [Found(0, value, expressions.parse(value), value)]
        for item in expressions.find_expressions(value):
            try:
                tree = expressions.parse(item.text)
            except expressions.ExpressionError:
                continue
            raw = value[item.offset - 3 : item.offset + len(item.text) + 2]
            found.append(Found(item.offset, item.text, tree, raw))
    except expressions.ExpressionError:
        return found
    return found


def property_path(node: ExprNode) -> tuple[str, ...] | None:
    """``github.event.commits[0].message`` -> ('github', 'event', 'commits', '*', 'message')."""
    parts: list[str] = []
    current = node
    while isinstance(current, Index):
        key = current.key
        if isinstance(key, Literal) and isinstance(key.value, str):
            parts.append(key.value.lower())
        else:
            parts.append("*")
        current = current.target
    if not isinstance(current, ContextAccess):
        return None
    parts.append(current.name.lower())
    return tuple(reversed(parts))


def accesses(tree: ExprNode) -> Iterator[tuple[str, ...]]:
    """Every maximal property path an expression reads."""
    stack = [tree]
    while stack:
        current = stack.pop()
        if isinstance(current, (Index, ContextAccess)):
            path = property_path(current)
            if path is not None:
                yield path
            # keys of dynamic indexes are expressions too
            while isinstance(current, Index):
                if current.key is not None and not isinstance(current.key, Literal):
                    stack.append(current.key)
                current = current.target
            if not isinstance(current, ContextAccess):
                stack.append(current)
            continue
        stack.extend(children(current))


# Functions whose result carries their arguments' text into the output.
_PASS_THROUGH = {"format", "join", "tojson", "fromjson"}


def value_paths(tree: ExprNode) -> Iterator[tuple[str, ...]]:
    """Property paths whose *text* can end up in the expression's value.

    ``contains(github.event.issue.title, 'x')`` is a boolean: the title cannot get out.
    """
    stack = [tree]
    while stack:
        current = stack.pop()
        if isinstance(current, (Index, ContextAccess)):
            path = property_path(current)
            if path is not None:
                yield path
        elif isinstance(current, Logical):
            stack.extend(current.operands)
        elif isinstance(current, Call) and current.name.lower() in _PASS_THROUGH:
            stack.extend(current.args)
