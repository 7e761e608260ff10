"""Tokenizer for the expression language: text inside ``${{ }}`` to a list of tokens.

Follows GitHub's lexer (actions/languageservices ``lexer.ts``): a token runs until a boundary
character; ``-``, ``+``, a digit, or a ``.`` that does not follow a property owner start a
number; strings are single-quoted with ``''`` as the escape.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from mlops.workflow.expressions.errors import MAX_EXPRESSION_LENGTH, ExpressionError
from mlops.workflow.expressions.values import normalize_number, parse_number


class Kind(enum.Enum):
    """What a token is."""

    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    COMMA = ","
    DOT = "."
    BANG = "!"
    NE = "!="
    EQ = "=="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    AND = "&&"
    OR = "||"
    STAR = "*"
    NUMBER = "number"
    STRING = "string"
    IDENT = "identifier"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"
    EOF = "end of expression"


@dataclass(frozen=True)
class Token:
    """One token; ``offset`` is 0-based in the expression text, ``value`` set for literals."""

    kind: Kind
    lexeme: str
    offset: int
    value: Any = None


_BOUNDARY = frozenset("()[],.!><=&|")
_SINGLE = {
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
    "[": Kind.LBRACKET,
    "]": Kind.RBRACKET,
    ",": Kind.COMMA,
    "*": Kind.STAR,
}
_KEYWORDS = {"true": Kind.TRUE, "false": Kind.FALSE, "null": Kind.NULL}
# A '.' after one of these is property access; elsewhere it starts a number such as `.5`.
_OWNERS = frozenset({Kind.IDENT, Kind.RBRACKET, Kind.RPAREN, Kind.STAR})
_IDENT_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_REST = _IDENT_FIRST | frozenset("0123456789-")


def is_boundary(char: str) -> bool:
    """True if ``char`` ends an identifier or number token."""
    return char in _BOUNDARY or char.isspace()


def is_identifier(text: str) -> bool:
    """A legal identifier: a letter or ``_``, then letters, digits, ``_`` or ``-``."""
    return bool(text) and text[0] in _IDENT_FIRST and all(c in _IDENT_REST for c in text[1:])


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens, ending with an EOF token."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"Exceeded max expression length {MAX_EXPRESSION_LENGTH}")
    return _Lexer(text).run()


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.tokens: list[Token] = []

    def error(self, reason: str, start: int) -> ExpressionError:
        return ExpressionError(reason, column=start + 1, expression=self.text)

    def previous(self) -> Kind:
        return self.tokens[-1].kind if self.tokens else Kind.EOF

    def add(self, kind: Kind, start: int, value: Any = None) -> None:
        self.tokens.append(Token(kind, self.text[start : self.pos], start, value))

    def run(self) -> list[Token]:
        text = self.text
        while self.pos < len(text):
            start = self.pos
            char = text[start]
            self.pos += 1
            nxt = text[self.pos] if self.pos < len(text) else ""
            if char.isspace():
                continue
            if char in _SINGLE:
                self.add(_SINGLE[char], start)
            elif char == ".":
                if self.previous() in _OWNERS:
                    self.add(Kind.DOT, start)
                else:
                    self.number(start)
            elif char in "-+" or char.isdigit():
                self.number(start)
            elif char in "!<>":
                kinds = {
                    "!": (Kind.BANG, Kind.NE),
                    "<": (Kind.LT, Kind.LE),
                    ">": (Kind.GT, Kind.GE),
                }
                plain, with_eq = kinds[char]
                if nxt == "=":
                    self.pos += 1
                    self.add(with_eq, start)
                else:
                    self.add(plain, start)
            elif char in "=&|":
                if nxt != char:
                    raise self.error(f"Unexpected symbol: '{char}'", start)
                self.pos += 1
                self.add({"=": Kind.EQ, "&": Kind.AND, "|": Kind.OR}[char], start)
            elif char == "'":
                self.string(start)
            elif char == '"':
                raise self.error(
                    "Unexpected symbol: '\"'. Strings use single quotes ('text'); "
                    "double quotes are not allowed",
                    start,
                )
            else:
                self.identifier(start)
        self.tokens.append(Token(Kind.EOF, "", len(text)))
        return self.tokens

    def consume_word(self) -> None:
        while self.pos < len(self.text) and not is_boundary(self.text[self.pos]):
            self.pos += 1

    def number(self, start: int) -> None:
        # Like GitHub: run to the next boundary but keep '.', so `1.5` and `-2.99e-2` are one token.
        while self.pos < len(self.text) and (
            not is_boundary(self.text[self.pos]) or self.text[self.pos] == "."
        ):
            self.pos += 1
        lexeme = self.text[start : self.pos]
        value = parse_number(lexeme)
        if value != value:  # NaN: not a number literal
            raise self.error(f"Unexpected symbol: '{lexeme}'", start)
        self.add(Kind.NUMBER, start, normalize_number(value))

    def string(self, start: int) -> None:
        text = self.text
        parts: list[str] = []
        pos = self.pos
        while True:
            close = text.find("'", pos)
            if close < 0:
                raise self.error(f"Unterminated string literal: {text[start:]}", start)
            parts.append(text[pos:close])
            if text.startswith("''", close):
                parts.append("'")
                pos = close + 2
                continue
            self.pos = close + 1
            break
        self.add(Kind.STRING, start, "".join(parts))

    def identifier(self, start: int) -> None:
        self.consume_word()
        lexeme = self.text[start : self.pos]
        if self.previous() != Kind.DOT:
            if lexeme in _KEYWORDS:
                self.add(_KEYWORDS[lexeme], start, {"true": True, "false": False}.get(lexeme))
                return
            if lexeme in ("NaN", "Infinity"):
                self.add(Kind.NUMBER, start, float(lexeme.lower().replace("infinity", "inf")))
                return
        if not is_identifier(lexeme):
            raise self.error(f"Unexpected symbol: '{lexeme}'", start)
        self.add(Kind.IDENT, start)
