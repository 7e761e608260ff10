"""Parse YAML into nodes that remember their line and column, the way GitHub reads workflows.

- Plain scalars follow the YAML 1.2 core schema, as GitHub's parser does: only
  ``true``/``false`` are booleans, so ``on:`` is the key "on" (PyYAML would make it True),
  while ``3.10`` stays the float 3.1 (as on GitHub — the lint rule warns about it).
- A duplicate key is an error (PyYAML silently keeps the last one).
- Nodes are built iteratively from PyYAML's event stream, so deep nesting cannot overflow
  the stack, and nesting depth and alias expansion are capped, so a hostile file (an alias
  bomb, 20,000 nested brackets) ends quickly with an error instead of exhausting memory.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_DEPTH = 200
MAX_NODES = 250_000  # counted after expanding aliases


class YamlError(Exception):
    """A YAML problem at a 1-based line and column."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(eq=False)
class Node:
    line: int
    column: int
    size: int = field(default=1, repr=False)  # nodes in this subtree, aliases expanded


@dataclass(eq=False)
class Scalar(Node):
    value: Any = None
    style: str | None = None  # None for plain scalars; a quote or block indicator otherwise
    tag: str | None = None


@dataclass(eq=False)
class Mapping(Node):
    items: list[tuple[Scalar, Node]] = field(default_factory=list)

    def get(self, key: str) -> Node | None:
        for name, value in self.items:
            if name.value == key:
                return value
        return None

    def key_node(self, key: str) -> Scalar | None:
        for name, _ in self.items:
            if name.value == key:
                return name
        return None

    def keys(self) -> list[str]:
        return [str(name.value) for name, _ in self.items]

    def __iter__(self) -> Iterator[tuple[Scalar, Node]]:
        return iter(self.items)


@dataclass(eq=False)
class Sequence(Node):
    items: list[Node] = field(default_factory=list)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)


_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")


def resolve_plain(text: str) -> Any:
    """The value of a plain (unquoted) scalar under the YAML 1.2 core schema."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.fullmatch(text):
        return int(text)
    if _OCT.fullmatch(text):
        return int(text[2:], 8)
    if _HEX.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    return text


_STRING_TAGS = {"!", "tag:yaml.org,2002:str"}


def _start(event: yaml.Event) -> tuple[int, int]:
    """The 1-based line and column an event starts at (the parser always marks its events)."""
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def _scalar(event: yaml.ScalarEvent) -> Scalar:
    line, column = _start(event)
    tag = event.tag
    plain = event.implicit[0] and tag is None
    style = None if plain else (event.style or '"')
    if plain:
        value = resolve_plain(event.value)
    elif tag is None or tag in _STRING_TAGS:
        value = event.value
    else:
        raise YamlError(
            f"unsupported YAML tag {tag!r}; to start a value with '!' quote it "
            "or wrap the expression in ${{ }}",
            line,
            column,
        )
    return Scalar(line, column, value=value, style=style, tag=tag)


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise YamlError(
            f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8",
            line,
            column,
        ) from None


def parse_yaml(
    data: bytes | str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> Node | None:
    """Parse one YAML document into nodes; ``None`` for an empty document."""
    text = _decode(data)
    try:
        return _compose(
            yaml.parse(text, Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader),
            max_depth,
            max_nodes,
        )
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if "maximum nesting depth" in problem:  # libyaml's own limit, met before ours
            problem = f"nesting deeper than {max_depth} levels"
        lines = text.splitlines()
        if mark and mark.line < len(lines) and "\t" in lines[mark.line]:
            problem = f"{problem}: a tab character; YAML indentation must use spaces"
        raise YamlError(problem, line, column) from None
    except yaml.YAMLError as error:
        raise YamlError(str(error).splitlines()[0] if str(error) else "invalid YAML") from None


def _compose(events: Iterator[yaml.Event], max_depth: int, max_nodes: int) -> Node | None:
    anchors: dict[str, Node] = {}
    # (container, anchor, pending key)
    stack: list[tuple[Sequence | Mapping, str | None, Scalar | None]] = []
    root: Node | None = None
    documents = 0
    total = 0

    def attach(node: Node) -> None:
        nonlocal root, total
        total += node.size
        if total > max_nodes:
            raise YamlError(
                f"the document expands to more than {max_nodes:,} nodes (YAML aliases?)",
                node.line,
                node.column,
            )
        if not stack:
            root = node
            return
        container, anchor, pending = stack[-1]
        if isinstance(container, Sequence):
            container.items.append(node)
        elif pending is None:
            if not isinstance(node, Scalar):
                raise YamlError("a mapping key must be a plain value", node.line, node.column)
            if node.value == "<<" and node.style is None:
                raise YamlError(
                    "YAML merge keys (<<) are not supported by GitHub Actions",
                    node.line,
                    node.column,
                )
            if node.value is None or isinstance(node.value, (dict, list)):
                raise YamlError("a mapping key must not be empty", node.line, node.column)
            node.value = node.value if isinstance(node.value, str) else _key_text(node)
            for existing, _ in container.items:
                if existing.value == node.value:
                    raise YamlError(
                        f"duplicate key {node.value!r} (first at line {existing.line})",
                        node.line,
                        node.column,
                    )
            stack[-1] = (container, anchor, node)
        else:
            container.items.append((pending, node))
            container.size += node.size
            stack[-1] = (container, anchor, None)
            return
        container.size += node.size

    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlError(
                    "more than one YAML document; a workflow is a single document",
                    *_start(event),
                )
        elif isinstance(event, yaml.ScalarEvent):
            node = _scalar(event)
            if event.anchor:
                anchors[event.anchor] = node
            attach(node)
        elif isinstance(event, yaml.AliasEvent):
            target = anchors.get(event.anchor) if event.anchor else None
            if target is None:
                raise YamlError(
                    f"unknown alias *{event.anchor}",
                    *_start(event),
                )
            attach(target)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= max_depth:
                raise YamlError(
                    f"nesting deeper than {max_depth} levels",
                    *_start(event),
                )
            if event.tag not in (None, "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map", "!"):
                raise YamlError(
                    f"unsupported YAML tag {event.tag!r}",
                    *_start(event),
                )
            cls = Sequence if isinstance(event, yaml.SequenceStartEvent) else Mapping
            stack.append((cls(*_start(event)), event.anchor, None))
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            container, anchor, _ = stack.pop()
            if anchor:
                anchors[anchor] = container
            # The container's own subtree was counted as it grew; count it once more only
            # when it is attached, so subtract what attach() will add back.
            total -= container.size - 1
            attach(container)
    return root


def _key_text(node: Scalar) -> str:
    """Keys are strings to GitHub: ``1:`` is the key '1', ``true:`` the key 'true'."""
    value = node.value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_python(node: Node | None) -> Any:
    """Plain Python values (dicts, lists, scalars) for a node tree."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [to_python(item) for item in node.items]
    if isinstance(node, Mapping):
        return {str(key.value): to_python(value) for key, value in node.items}
    raise TypeError(type(node))
