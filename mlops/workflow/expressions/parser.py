"""Recursive-descent parser: tokens to an immutable AST, with GitHub's precedence and limits.

Precedence, highest first: ``( )``, ``[ ]`` and ``.`` (incl. ``*`` filters), ``!``,
``< <= > >=``, ``== !=``, ``&&``, ``||``. Function names and arity are checked here. Nesting
is bounded by :data:`MAX_DEPTH`, so hostile input fails fast instead of exhausting the stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mlops.workflow.expressions.errors import MAX_DEPTH, ExpressionError
from mlops.workflow.expressions.functions import FUNCTIONS
from mlops.workflow.expressions.lexer import Kind, Token, tokenize


@dataclass(frozen=True)
class Node:
    """Base of AST nodes; ``offset`` is 0-based in the expression text."""

    offset: int
    height: int = field(default=1, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True)
class Literal(Node):
    """``null``, ``true``, a number or a string."""

    value: Any


@dataclass(frozen=True)
class ContextAccess(Node):
    """A named value such as ``github``; ``name`` is as written."""

    name: str


@dataclass(frozen=True)
class Index(Node):
    """``target.name``, ``target[key]``; ``key`` is ``None`` for the ``*`` filter."""

    target: Node
    key: Node | None


@dataclass(frozen=True)
class Not(Node):
    """``!operand``."""

    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """A comparison: ``op`` is one of ``== != < <= > >=``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Logical(Node):
    """``a && b && ...`` or ``a || b || ...``; returns an operand's value."""

    op: str
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Call(Node):
    """A function call; ``name`` is the canonical spelling (``toJSON``, ``hashFiles``)."""

    name: str
    args: tuple[Node, ...]


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of ``node``."""
    if isinstance(node, Index):
        return (node.target,) if node.key is None else (node.target, node.key)
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def parse_tokens(text: str) -> Node:
    """Parse expression text (without ``${{ }}``) into an AST."""
    return _Parser(text, tokenize(text)).parse()


_COMPARISONS = {Kind.GT: ">", Kind.GE: ">=", Kind.LT: "<", Kind.LE: "<="}
_EQUALITIES = {Kind.EQ: "==", Kind.NE: "!="}


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    # -- token helpers

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def previous(self) -> Token:
        return self.tokens[self.pos - 1]

    def at_end(self) -> bool:
        return self.peek().kind is Kind.EOF

    def match(self, *kinds: Kind) -> bool:
        if self.peek().kind in kinds:
            self.pos += 1
            return True
        return False

    def error(self, reason: str, token: Token) -> ExpressionError:
        return ExpressionError(reason, column=token.offset + 1, expression=self.text)

    def unexpected(self, token: Token) -> ExpressionError:
        if token.kind is Kind.EOF:
            last = self.tokens[self.pos - 1] if self.pos else token
            return self.error(f"Unexpected end of expression: '{last.lexeme}'", last)
        return self.error(f"Unexpected symbol: '{token.lexeme}'", token)

    def expect(self, kind: Kind) -> Token:
        if not self.match(kind):
            raise self.unexpected(self.peek())
        return self.previous()

    def height(self, token: Token, *parts: Node) -> int:
        """The height of a node over ``parts``, refused beyond :data:`MAX_DEPTH`."""
        height = 1 + max((part.height for part in parts), default=0)
        if height > MAX_DEPTH:
            raise self.error(f"Exceeded max expression depth {MAX_DEPTH}", token)
        return height

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"Exceeded max expression depth {MAX_DEPTH}", self.peek())

    # -- grammar

    def parse(self) -> Node:
        if self.at_end():
            raise ExpressionError("An expression was expected", expression=self.text)
        node = self.expression()
        if not self.at_end():
            raise self.unexpected(self.peek())
        return node

    def expression(self) -> Node:
        self.enter()
        try:
            return self.logical_or()
        finally:
            self.depth -= 1

    def logical_or(self) -> Node:
        first = self.logical_and()
        if self.peek().kind is not Kind.OR:
            return first
        token = self.peek()
        operands = [first]
        while self.match(Kind.OR):
            operands.append(self.logical_and())
        height = self.height(token, *operands)
        return Logical(token.offset, "||", tuple(operands), height=height)

    def logical_and(self) -> Node:
        first = self.equality()
        if self.peek().kind is not Kind.AND:
            return first
        token = self.peek()
        operands = [first]
        while self.match(Kind.AND):
            operands.append(self.equality())
        height = self.height(token, *operands)
        return Logical(token.offset, "&&", tuple(operands), height=height)

    def equality(self) -> Node:
        left = self.comparison()
        while self.peek().kind in _EQUALITIES:
            token = self.tokens[self.pos]
            self.pos += 1
            right = self.comparison()
            height = self.height(token, left, right)
            left = Binary(token.offset, _EQUALITIES[token.kind], left, right, height=height)
        return left

    def comparison(self) -> Node:
        left = self.unary()
        while self.peek().kind in _COMPARISONS:
            token = self.tokens[self.pos]
            self.pos += 1
            right = self.unary()
            height = self.height(token, left, right)
            left = Binary(token.offset, _COMPARISONS[token.kind], left, right, height=height)
        return left

    def unary(self) -> Node:
        if self.match(Kind.BANG):
            token = self.previous()
            self.enter()
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            return Not(token.offset, operand, height=self.height(token, operand))
        return self.postfix()

    def postfix(self) -> Node:
        node, accepts_access = self.primary()
        if not accepts_access:
            return node
        while True:
            if self.match(Kind.LBRACKET):
                token = self.previous()
                key: Node | None = None if self.match(Kind.STAR) else self.expression()
                self.expect(Kind.RBRACKET)
                parts = (node,) if key is None else (node, key)
                node = Index(token.offset, node, key, height=self.height(token, *parts))
            elif self.match(Kind.DOT):
                token = self.previous()
                if self.match(Kind.IDENT):
                    name = self.previous()
                    key = Literal(name.offset, name.lexeme)
                    node = Index(token.offset, node, key, height=self.height(token, node, key))
                elif self.match(Kind.STAR):
                    node = Index(token.offset, node, None, height=self.height(token, node))
                else:
                    raise self.unexpected(self.peek())
            else:
                return node

    def primary(self) -> tuple[Node, bool]:
        """The next operand, and whether ``.``/``[ ]`` may follow it (not after literals)."""
        token = self.peek()
        if token.kind is Kind.IDENT:
            self.pos += 1
            if self.match(Kind.LPAREN):
                return self.call(token), True
            return ContextAccess(token.offset, token.lexeme), True
        if token.kind in (Kind.TRUE, Kind.FALSE, Kind.NULL, Kind.NUMBER, Kind.STRING):
            self.pos += 1
            return Literal(token.offset, token.value), False
        if token.kind is Kind.LPAREN:
            self.pos += 1
            node = self.expression()
            self.expect(Kind.RPAREN)
            return node, True
        raise self.unexpected(token)

    def call(self, name: Token) -> Node:
        spec = FUNCTIONS.get(name.lexeme.lower())
        if spec is None:
            raise self.error(f"Unrecognized function: '{name.lexeme}'", name)
        args: list[Node] = []
        if not self.match(Kind.RPAREN):
            while True:
                args.append(self.expression())
                if self.match(Kind.RPAREN):
                    break
                self.expect(Kind.COMMA)
        if len(args) < spec.min_args:
            raise self.error(
                f"Too few parameters supplied: '{name.lexeme}' takes at least {spec.min_args}",
                name,
            )
        if spec.max_args is not None and len(args) > spec.max_args:
            raise self.error(
                f"Too many parameters supplied: '{name.lexeme}' takes at most {spec.max_args}",
                name,
            )
        if spec.odd_args and len(args) % 2 == 0:
            raise self.error(
                f"Even number of parameters supplied: '{name.lexeme}' requires an odd number",
                name,
            )
        return Call(name.offset, spec.name, tuple(args), height=self.height(name, *args))
