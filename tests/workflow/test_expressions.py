"""The expression engine against GitHub's documented expression semantics."""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from mlops.errors import MlopsError
from mlops.workflow.expressions import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    Binary,
    Call,
    ContextAccess,
    ExpressionError,
    Index,
    Literal,
    Logical,
    Not,
    evaluate,
    evaluate_condition,
    find_expressions,
    interpolate,
    parse,
    referenced_contexts,
    referenced_functions,
)

FRUITS = [
    {"name": "apple", "quantity": 1},
    {"name": "orange", "quantity": 2},
    {"name": "pear", "quantity": 1},
]

CONTEXTS: dict[str, Any] = {
    "github": {
        "event_name": "push",
        "sha": "abc123",
        "ref": "refs/heads/main",
        "event": {
            "issue": {"labels": [{"name": "bug"}, {"name": "help wanted"}]},
            "commits": [{"message": "first"}, {"message": "second"}],
        },
    },
    "env": {"NAME": "Mona", "EMPTY": "", "TIME": "30"},
    "steps": {"my-step": {"outputs": {"acc": "0.9", "json": '{"n": 3}'}}},
    "job": {"status": "success", "services": {"redis": {"ports": {"6379": "49153"}}}},
    "fruits": FRUITS,
    "matrix": {"os": "ubuntu-latest", "python": 3.12},
}


def ev(expression: str, contexts: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return evaluate(expression, CONTEXTS if contexts is None else contexts, **kwargs)


def error_of(expression: str, contexts: dict[str, Any] | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        ev(expression, contexts)
    return caught.value


# --- literals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("null", None),
        ("true", True),
        ("false", False),
        ("711", 711),
        ("-9.2", -9.2),
        ("0xff", 255),
        ("-2.99e-2", -0.0299),
        ("1e3", 1000),
        ("+5", 5),
        (".5", 0.5),
        ("'It''s open source!'", "It's open source!"),
        ("''", ""),
        ("''''", "'"),
        ("'a}}b'", "a}}b"),
        ("'  spaced  '", "  spaced  "),
    ],
)
def test_literals(expression: str, expected: Any) -> None:
    value = ev(expression)
    assert value == expected
    assert type(value) is type(expected)


def test_integral_number_literals_evaluate_to_int() -> None:
    assert isinstance(ev("1e3"), int)
    assert isinstance(ev("1.5"), float)
    assert math.copysign(1.0, ev("-0")) == -1.0


def test_nan_and_infinity_literals() -> None:
    assert math.isnan(ev("NaN"))
    assert ev("Infinity") == math.inf
    assert ev("-Infinity") == -math.inf


def test_keywords_are_case_sensitive() -> None:
    assert "Unrecognized named-value: 'TRUE'" in str(error_of("TRUE"))


@pytest.mark.parametrize("expression", ['"hello"', "'a' == \"a\""])
def test_double_quoted_strings_are_an_error(expression: str) -> None:
    error = error_of(expression)
    assert "single quotes" in error.reason
    assert error.column == expression.index('"') + 1


def test_unterminated_string_is_an_error() -> None:
    error = error_of("github.sha == 'abc")
    assert "Unterminated string" in error.reason
    assert error.column == 15


@pytest.mark.parametrize("lexeme", ["1.2.3", "1abc", "0x", "0xg1", "-", "12e"])
def test_malformed_numbers_are_an_error(lexeme: str) -> None:
    error = error_of(f"1 == {lexeme}")
    assert error.reason == f"Unexpected symbol: '{lexeme}'"
    assert error.column == 6


# --- the ${{ }} wrapper --------------------------------------------------------------------


def test_evaluate_accepts_a_whole_wrapped_expression() -> None:
    assert ev("${{ github.event_name == 'push' }}") is True
    assert ev("  ${{ 1 }}\n") == 1
    assert ev("${{ '}}' }}") == "}}"


def test_evaluate_refuses_a_template() -> None:
    error = error_of("${{ true }} && ${{ false }}")
    assert "interpolate()" in error.reason


def test_wrapped_error_column_is_within_the_expression_and_offset_locates_it() -> None:
    text = "${{ 1 == }}"
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, {})
    error = caught.value
    assert error.expression == " 1 == "
    assert error.column == 4
    assert error.offset == 3
    assert text[error.offset + error.column - 1 :].startswith("==")


# --- property access, indexes and filters --------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("github.event_name", "push"),
        ("github['sha']", "abc123"),
        ("github['SHA']", "abc123"),
        ("GitHub.Event_Name", "push"),
        ("GITHUB.EVENT.ISSUE.LABELS[0].NAME", "bug"),
        ("github.event.commits[1].message", "second"),
        ("github.event.commits['1'].message", "second"),
        ("github.event.commits[1.9].message", "second"),
        ("github.event.commits[2]", None),
        ("github.event.commits[-1]", None),
        ("github.nope", None),
        ("github.nope.deeper", None),
        ("github.sha.length", None),
        ("job.services.redis.ports['6379']", "49153"),
        ("job.services.redis.ports[6379]", "49153"),
        ("steps.my-step.outputs.acc", "0.9"),
        ("fruits[0]['name']", "apple"),
        ("(github).sha", "abc123"),
        ('fromJSON(\'{"a": {"b": 7}}\').a.b', 7),
        ("fromJSON('{\"true\": 1}').true", 1),
        ("fromJSON('[10, 20]')[true]", 20),
        ("fromJSON('[10, 20]')[null]", 10),
    ],
)
def test_property_and_index_access(expression: str, expected: Any) -> None:
    assert ev(expression) == expected


def test_a_context_evaluates_to_its_own_data() -> None:
    assert ev("github") is CONTEXTS["github"]


def test_context_keys_given_in_any_case() -> None:
    assert ev("github.sha", {"GitHub": {"sha": "x"}}) == "x"


def test_exact_property_name_wins_over_case_insensitive_match() -> None:
    data = {"o": {"Key": 1, "key": 2}}
    assert ev("o.key", data) == 2
    assert ev("o.Key", data) == 1
    assert ev("o.KEY", data) in (1, 2)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("fruits.*.name", ["apple", "orange", "pear"]),
        ("fruits[*].quantity", [1, 2, 1]),
        ("github.event.commits.*.message", ["first", "second"]),
        ('fromJSON(\'{"a": 1, "b": 2}\').*', [1, 2]),
        ("fromJSON('[[1, 2], [3]]').*.*", [1, 2, 3]),
        ("fromJSON('[[1, 2], [3]]').*[0]", [1, 3]),
        ("fromJSON('[[1, 2], [3]]').*[1]", [2]),
        ('fromJSON(\'[{"a": {"b": 1}}, {"a": {"b": 2}}, {"c": 3}]\').*.a.b', [1, 2]),
        ('fromJSON(\'[{"a": null}, 5, "s"]\').*.a', [None]),
        ("github.sha.*", []),
        ("github.nope.*", []),
        ("github.nope.*.name", []),
        ("fromJSON('[]').*", []),
        ('fromJSON(\'[{"a": 1}, {"b": 2}]\').*.*', [1, 2]),
        ('fromJSON(\'[{"0": "zero"}, ["first"]]\').*[0]', ["zero", "first"]),
    ],
)
def test_object_filters(expression: str, expected: list[Any]) -> None:
    value = ev(expression)
    assert value == expected
    assert type(value) is list


def test_filter_over_labels_feeds_contains() -> None:
    assert ev("contains(github.event.issue.labels.*.name, 'BUG')") is True
    assert ev("contains(github.event.issue.labels.*.name, 'feature')") is False


def test_property_access_on_a_literal_is_a_syntax_error() -> None:
    assert error_of("'abc'[0]").reason == "Unexpected symbol: '['"


# --- operators -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("!true", False),
        ("!false", True),
        ("!!'x'", True),
        ("!0", True),
        ("!-0", True),
        ("!NaN", True),
        ("!''", True),
        ("!null", True),
        ("!'false'", False),
        ("!'0'", False),
        ("!1", False),
        ("!-1", False),
        ("!fromJSON('[]')", False),
        ("!fromJSON('{}')", False),
        ("!github.nope", True),
    ],
)
def test_not_and_truthiness(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 < 2", True),
        ("2 < 1", False),
        ("2 <= 2", True),
        ("3 <= 2", False),
        ("3 > 2", True),
        ("2 > 3", False),
        ("2 >= 2", True),
        ("1 >= 2", False),
        ("-1 < 0", True),
        ("0x10 > 15", True),
        ("'abc' < 'abd'", True),
        ("'ABC' < 'abd'", True),
        ("'abc' <= 'ABC'", True),
        ("'b' > 'A'", True),
        ("'10' > '9'", False),
        ("10 > '9'", True),
        ("'0.9' > 0.8", True),
        ("'0.9' > '0.8'", True),
        ("true > false", True),
        ("false < true", True),
        ("true >= true", True),
        ("true > 0", True),
        ("null < 1", True),
        ("null >= 0", True),
        ("'abc' > 1", False),
        ("'abc' < 1", False),
        ("NaN > 1", False),
        ("NaN < 1", False),
        ("NaN >= NaN", False),
        ("NaN <= NaN", False),
        ("github > 1", False),
        ("github < 'a'", False),
        ("fromJSON('[]') >= fromJSON('[]')", False),
    ],
)
def test_relational_operators(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # same kinds
        ("1 == 1", True),
        ("1 == 1.0", True),
        ("1 == 2", False),
        ("'ABC' == 'abc'", True),
        ("'abc' != 'ABC'", False),
        ("'1' == '1.0'", False),
        ("null == null", True),
        ("true == true", True),
        ("true == false", False),
        # number <-> string
        ("1 == '1'", True),
        ("'1.5' == 1.5", True),
        ("' 42 ' == 42", True),
        ("'' == 0", True),
        ("'0xff' == 255", True),
        ("'1e3' == 1000", True),
        ("'abc' == 0", False),
        ("'abc' != 0", True),
        # booleans and null become numbers
        ("true == 1", True),
        ("false == 0", True),
        ("true == '1'", True),
        ("true == 'true'", False),
        ("false == ''", True),
        ("null == 0", True),
        ("null == ''", True),
        ("null == false", True),
        ("null == 'null'", False),
        ("null != 1", True),
        # NaN
        ("NaN == NaN", False),
        ("NaN != NaN", True),
        ("'abc' == NaN", False),
        # objects and arrays: identity only
        ("github == github", True),
        ("github.event == github.event", True),
        ("fromJSON('{}') == fromJSON('{}')", False),
        ("fromJSON('[1]') == fromJSON('[1]')", False),
        ("fruits.*.name == fruits.*.name", False),
        ("github == 'Object'", False),
        ("github != 'Object'", True),
        ("fromJSON('[]') == 0", False),
        ("fromJSON('[]') == false", False),
        ("github == null", False),
    ],
)
def test_equality_and_coercion(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


def test_string_comparison_ignores_case_beyond_ascii() -> None:
    assert ev("'straße' == 'STRASSE'") is False  # no full case mapping, like .NET
    assert ev("'ÉCOLE' == 'école'") is True
    assert ev("'\u0131' == 'I'") is False  # dotless i is left alone, as GitHub does


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'0o17' == 15", True),
        ("'0X1F' == 31", False),  # only a lower-case 0x prefix is hex
        ("'0x7fffffff' == 2147483647", True),
        ("'0xffffffff' == -1", True),  # .NET reads 32-bit hex as two's complement
        ("'0x100000000' == 4294967296", False),  # beyond 32 bits: NaN
        ("'1,000' == 1000", False),
        ("'Infinity' > 1e308", True),
        ("'-Infinity' < -1e308", True),
        ("'1.' == 1", True),
        ("'.5' == 0.5", True),
        ("'\t7\n' == 7", True),
        ("fromJSON(env.BIG) > 1e308", True),  # an int too large for a double
        ("fromJSON(env.BIG) == fromJSON(env.BIG)", True),
    ],
)
def test_string_to_number_coercion(expression: str, expected: bool) -> None:
    contexts = {"env": {"BIG": "1" + "0" * 400}}
    assert evaluate(expression, contexts) is expected


def test_collections_are_not_numbers() -> None:
    assert ev("fruits[github]") is None  # an object index is neither a name nor a number
    assert ev("github <= github") is True  # the same instance: equal
    assert ev("github < github") is False
    assert ev("fromJSON('[]') < fromJSON('[]')") is False


class Opaque:
    """A value of a type the expression language does not know."""


def test_values_of_unknown_types_behave_as_objects() -> None:
    value = Opaque()
    contexts = {"x": value}
    assert evaluate("x", contexts) is value
    assert evaluate("!x", contexts) is False
    assert evaluate("x == x", contexts) is True
    assert evaluate("x == 'Object'", contexts) is False
    assert evaluate("format('{0}', x)", contexts) == "Object"
    assert evaluate("x.anything", contexts) is None
    with pytest.raises(ExpressionError, match="cannot convert a Opaque to JSON"):
        evaluate("toJSON(x)", contexts)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("true && 'yes'", "yes"),
        ("'' && 'yes'", ""),
        ("0 && 'yes'", 0),
        ("null && 'yes'", None),
        ("false || 'fallback'", "fallback"),
        ("'first' || 'second'", "first"),
        ("'' || 0 || null", None),
        ("1 && 2 && 3", 3),
        ("1 && 0 && 3", 0),
        ("null || false || 'x' || 'y'", "x"),
        ("github.event_name == 'push' && 'deploy' || 'test'", "deploy"),
        ("github.event_name == 'pull_request' && 'deploy' || 'test'", "test"),
        # the unsound ternary: a falsy middle value falls through
        ("github.event_name == 'push' && '' || 'test'", "test"),
    ],
)
def test_logical_operators_return_operand_values(expression: str, expected: Any) -> None:
    value = ev(expression)
    assert value == expected
    assert type(value) is type(expected)


def test_logical_operators_short_circuit() -> None:
    # fromJSON('') fails when evaluated, so these show the right side is never evaluated.
    assert ev("false && fromJSON('')") is False
    assert ev("true || fromJSON('')") is True
    assert ev("0 && fromJSON('') || 'ok'") == "ok"
    with pytest.raises(ExpressionError):
        ev("true && fromJSON('')")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("true || false && false", True),  # && before ||
        ("(true || false) && false", False),
        ("false && false || true", True),
        ("1 < 2 == true", True),  # relational before equality
        ("2 == 2 < 3", False),  # 2 == (2 < 3) -> 2 == true -> 2 == 1
        ("!true == false", True),  # ! before ==
        ("!(true == false)", True),
        ("!1 < 1", True),  # (!1) < 1 -> false < 1 -> 0 < 1
        ("1 == 1 && 2 == 2", True),  # == before &&
        ("'a' == 'a' || fromJSON('')", True),
        ("!github.nope.*", False),  # filters before !
    ],
)
def test_precedence(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


def test_precedence_in_the_ast() -> None:
    tree = parse("a || b && !c.d == e < f")
    assert isinstance(tree, Logical) and tree.op == "||"
    conjunction = tree.operands[1]
    assert isinstance(conjunction, Logical) and conjunction.op == "&&"
    equality = conjunction.operands[1]
    assert isinstance(equality, Binary) and equality.op == "=="
    assert isinstance(equality.left, Not) and isinstance(equality.left.operand, Index)
    assert isinstance(equality.right, Binary) and equality.right.op == "<"


def test_operators_are_left_associative() -> None:
    tree = parse("1 == 1 == 1")
    assert isinstance(tree, Binary) and isinstance(tree.left, Binary)
    assert ev("2 == 2 == 2") is False  # (2 == 2) == 2 -> true == 2 -> 1 == 2


def test_logical_chain_is_flat() -> None:
    tree = parse("a && b && c")
    assert isinstance(tree, Logical) and len(tree.operands) == 3


# --- string conversion and number formatting -----------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("711", "711"),
        ("-9.2", "-9.2"),
        ("0xff", "255"),
        ("-2.99e-2", "-0.0299"),
        ("1e3", "1000"),
        ("0.0001", "0.0001"),
        ("0.00001", "1E-05"),
        ("123456789012345", "123456789012345"),
        ("1e15", "1E+15"),
        ("fromJSON('0.30000000000000004')", "0.3"),
        ("fromJSON('0.1')", "0.1"),
        ("fromJSON('1.0')", "1"),
        ("fromJSON('12345678901234567890')", "1.23456789012346E+19"),
        ("Infinity", "Infinity"),
        ("NaN", "NaN"),
        ("null", ""),
        ("true", "true"),
        ("false", "false"),
        ("'text'", "text"),
        ("matrix.python", "3.12"),
    ],
)
def test_values_as_strings(expression: str, expected: str) -> None:
    assert interpolate("${{ " + expression + " }}", CONTEXTS) == expected
    assert ev(f"format('{{0}}', {expression})") == expected


def test_collections_interpolate_as_json() -> None:
    text = interpolate("${{ github.event.commits }}", CONTEXTS)
    assert json.loads(text) == CONTEXTS["github"]["event"]["commits"]
    assert text == json.dumps(CONTEXTS["github"]["event"]["commits"], indent=2)


# --- functions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("contains('Hello world', 'llo')", True),
        ("contains('Hello world', 'LLO W')", True),
        ("contains('Hello world', 'xyz')", False),
        ("contains('', '')", True),
        ("contains(null, '')", True),
        ("contains(12345, 234)", True),
        ("contains(true, 'ru')", True),
        ("contains('abc', github)", False),
        ('contains(fromJSON(\'["push", "pull_request"]\'), github.event_name)', True),
        ("contains(fromJSON('[\"PUSH\"]'), 'push')", True),
        ("contains(fromJSON('[1, 2]'), '2')", True),
        ("contains(fromJSON('[1, 2]'), 3)", False),
        ("contains(fromJSON('[null]'), 0)", True),
        ("contains(fromJSON('[\"a\", \"b\"]'), 'a,b')", False),
        ("contains(fromJSON('[]'), '')", False),
        ("contains(fromJSON('{\"a\": 1}'), 'a')", False),
        ("contains(fruits.*.name, 'Pear')", True),
        ("CONTAINS('ABC', 'b')", True),
    ],
)
def test_contains(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("startsWith('Hello world', 'he')", True),
        ("startsWith('Hello world', 'world')", False),
        ("startsWith(github.ref, 'REFS/HEADS/')", True),
        ("startsWith(123, 12)", True),
        ("startsWith('abc', '')", True),
        ("startsWith(github, 'O')", False),
        ("startsWith('Array', fromJSON('[]'))", False),
        ("endsWith('Hello world', 'WORLD')", True),
        ("endsWith('Hello world', 'hello')", False),
        ("endsWith(github.ref, '/main')", True),
        ("endsWith(1.5, '.5')", True),
        ("endsWith(true, 'UE')", True),
        ("endsWith(fromJSON('[]'), 'y')", False),
        ("startswith('abc', 'A')", True),
        ("ENDSWITH('abc', 'C')", True),
    ],
)
def test_starts_with_and_ends_with(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')", "{Hello Mona the Octocat!}"),
        ("format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')", "Hello Mona the Octocat"),
        ("format('{0}{0}{1}', 'a', 'b')", "aab"),
        ("format('{1}-{0}', 'a', 'b')", "b-a"),
        ("format('no placeholders')", "no placeholders"),
        ("format('{{}}')", "{}"),
        ("format('{{0}}', 'x')", "{0}"),
        ("format('{{{0}}}', 'x')", "{x}"),
        ("format('{00}', 'x')", "x"),
        ("format('{0}', null)", ""),
        ("format('{0} {1}', true, 1.50)", "true 1.5"),
        ("format('{0}/{1}', github, fruits)", "Object/Array"),
        ("format(7, 'unused')", "7"),
        ("FORMAT('{0}', 'x')", "x"),
    ],
)
def test_format(expression: str, expected: str) -> None:
    assert ev(expression) == expected


def test_format_only_evaluates_the_values_it_uses() -> None:
    assert ev("format('{0}', 'a', fromJSON(''))") == "a"
    with pytest.raises(ExpressionError):
        ev("format('{1}', 'a', fromJSON(''))")


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("format('{1}', 'a')", "references more arguments than were supplied"),
        ("format('{0}')", "references more arguments than were supplied"),
        ("format('{x}', 'a')", "format string is invalid"),
        ("format('{}', 'a')", "format string is invalid"),
        ("format('{0', 'a')", "format string is invalid"),
        ("format('{', 'a')", "format string is invalid"),
        ("format('}', 'a')", "format string is invalid"),
        ("format('a } b', 'a')", "format string is invalid"),
        ("format('{256}', 'a')", "format string is invalid"),
        ("format('{0 }', 'a')", "format string is invalid"),
        ("format('{0:yyyy}', 'a')", "format specifiers are not supported"),
    ],
)
def test_format_errors(expression: str, reason: str) -> None:
    error = error_of(expression)
    assert reason in error.reason
    assert error.reason.startswith("format: ")
    assert error.column == 1


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("join(fruits.*.name)", "apple,orange,pear"),
        ("join(fruits.*.name, ', ')", "apple, orange, pear"),
        ("join(fromJSON('[1, true, null, \"x\", 2.5]'), '|')", "1|true||x|2.5"),
        ("join(fromJSON('[[1], {}]'))", "Array,Object"),
        ("join(fromJSON('[\"only\"]'), fromJSON(''))", "only"),  # separator unused: lazy
        ("join(fromJSON('[1, 2]'), github)", "1,2"),  # non-primitive separator: default
        ("join(fromJSON('[]'), '-')", ""),
        ("join('a string')", "a string"),
        ("join(42, '-')", "42"),
        ("join(null)", ""),
        ("join(github)", ""),
    ],
)
def test_join(expression: str, expected: str) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"name": "x", "n": 3, "ok": True, "none": None, "list": [1, "two", [], {}]},
        [{"a": [1, 2, {"b": "c"}]}, 's"q\\u', 0, -4.5],
        {},
        [],
        'plain "string" with ünïcode',
        12,
        None,
    ],
)
def test_to_json_is_pretty_with_two_spaces(value: Any) -> None:
    expected = json.dumps(value, indent=2, ensure_ascii=False)
    assert ev("toJSON(value)", {"value": value}) == expected
    assert ev("toJSON(fromJSON(toJSON(value)))", {"value": value}) == expected


def test_to_json_prints_integral_numbers_without_a_fraction() -> None:
    assert ev("toJSON(fromJSON('[1.0, 2.5, -0.0]'))") == "[\n  1,\n  2.5,\n  0\n]"
    assert ev("toJSON(1e3)") == "1000"


def test_to_json_of_special_numbers() -> None:
    assert ev("toJSON(NaN)") == "NaN"
    assert ev("toJSON(fromJSON('[1e400, -1e400]'))") == "[\n  Infinity,\n  -Infinity\n]"


def test_to_json_of_cyclic_data_is_an_expression_error() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        evaluate("toJSON(x)", {"x": cycle})


def test_to_json_of_a_filter_and_of_a_context() -> None:
    assert json.loads(ev("toJSON(fruits.*.name)")) == ["apple", "orange", "pear"]
    assert json.loads(ev("tojson(github)")) == CONTEXTS["github"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"include": [{"os": "linux"}]}', {"include": [{"os": "linux"}]}),
        ("[1, 2.5]", [1, 2.5]),
        ("42", 42),
        ("-0.5", -0.5),
        ("true", True),
        ("null", None),
        ('"s"', "s"),
        ("  7  ", 7),
    ],
)
def test_from_json(text: str, expected: Any) -> None:
    assert ev("fromJSON(text)", {"text": text}) == expected


def test_from_json_for_numeric_comparison_of_step_outputs() -> None:
    assert ev("fromJSON(steps.my-step.outputs.acc) > 0.8") is True
    assert ev("fromJSON(steps.my-step.outputs.json).n == 3") is True
    assert ev("fromJSON(env.TIME)") == 30


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("fromJSON('')", "fromJSON: empty input"),
        ("fromJSON('   ')", "fromJSON: empty input"),
        ("fromJSON(null)", "fromJSON: empty input"),
        ("fromJSON('{bad')", "fromJSON: invalid JSON"),
        ("fromJSON('[1,]')", "fromJSON: invalid JSON"),
        ("fromJSON('NaN')", "fromJSON: invalid JSON"),
        ("fromJSON(github)", "fromJSON: invalid JSON"),
    ],
)
def test_from_json_errors(expression: str, reason: str) -> None:
    error = error_of(expression)
    assert error.reason.startswith(reason)
    assert error.column == 1


def test_from_json_error_points_at_the_call() -> None:
    assert error_of("1 == fromJSON('x')").column == 6


def test_from_json_of_deeply_nested_input_is_an_expression_error() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    error = error_of("fromJSON(env.DEEP)", {"env": {"DEEP": deep}})
    assert error.reason.startswith("fromJSON:")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("case(true, 'a', 'default')", "a"),
        ("case(false, 'a', 'default')", "default"),
        ("case(false, 'a', true, 'b', 'default')", "b"),
        ("case(false, 'a', false, 'b', 'default')", "default"),
        ("case(github.event_name == 'push', 'push-value', 'other')", "push-value"),
        ("case(true, fruits, null)", FRUITS),
        ("CASE(true, 1, 2)", 1),
        ("case(true, 'chosen', fromJSON(''))", "chosen"),  # other branches not evaluated
        ("case(false, fromJSON(''), 'default')", "default"),
    ],
)
def test_case(expression: str, expected: Any) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize("predicate", ["1", "'true'", "null", "github"])
def test_case_predicates_must_be_booleans(predicate: str) -> None:
    error = error_of(f"case({predicate}, 'a', 'b')")
    assert "boolean" in error.reason
    assert error.column == 1


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ("true, 'a'", "Too few parameters"),
        ("true", "Too few parameters"),
        ("true, 'a', false, 'b'", "Even number of parameters"),
    ],
)
def test_case_arity(arguments: str, reason: str) -> None:
    with pytest.raises(ExpressionError, match=reason):
        parse(f"case({arguments})")


# --- status functions ----------------------------------------------------------------------

STATUS_TABLE = {
    # job.status: success(), failure(), cancelled(), always()
    "success": (True, False, False, True),
    "failure": (False, True, False, True),
    "cancelled": (False, False, True, True),
}


@pytest.mark.parametrize("status", sorted(STATUS_TABLE))
def test_status_functions_read_job_status(status: str) -> None:
    contexts = {"job": {"status": status}}
    results = tuple(
        evaluate(f"{name}()", contexts) for name in ("success", "failure", "cancelled", "always")
    )
    assert results == STATUS_TABLE[status]
    assert evaluate("!cancelled()", contexts) is (status != "cancelled")
    assert evaluate("${{ !cancelled() }}", contexts) is (status != "cancelled")


def test_status_function_names_are_case_insensitive() -> None:
    assert evaluate("SUCCESS() && Always()", {"job": {"status": "success"}}) is True
    assert evaluate("FAILURE()", {"job": {"status": "FAILURE"}}) is True


def test_status_without_a_job_context_is_success() -> None:
    assert evaluate("success()", {}) is True
    assert evaluate("failure()", {"job": {}}) is False


def test_invalid_job_status_is_an_error() -> None:
    with pytest.raises(ExpressionError, match=r"job\.status"):
        evaluate("success()", {"job": {"status": "skipped"}})


def test_always_does_not_need_a_status() -> None:
    assert evaluate("always()", {"job": {"status": "weird"}}) is True


@pytest.mark.parametrize("name", ["success", "failure", "cancelled", "always"])
def test_status_functions_take_no_arguments(name: str) -> None:
    with pytest.raises(ExpressionError, match="Too many parameters"):
        parse(f"{name}(1)")


# --- conditions (if:) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "status", "expected"),
    [
        (None, "success", True),
        (None, "failure", False),
        ("", "success", True),
        (True, "success", True),
        (True, "failure", False),  # success() && true
        (False, "success", False),
        (1, "success", True),
        ("github.event_name == 'push'", "success", True),
        ("github.event_name == 'push'", "failure", False),
        ("failure()", "failure", True),
        ("failure() && github.event_name == 'push'", "failure", True),
        ("always()", "cancelled", True),
        ("!cancelled()", "failure", True),
        ("${{ !cancelled() }}", "cancelled", False),
        ("${{ false }}", "success", False),
        ("${{ false }}\n", "success", True),  # block scalar: a non-empty string
        ("true && ${{ false }}", "success", True),  # a template is a string
        ("true && ${{ false }}", "failure", False),  # ... still under success()
        ("${{ failure() }} ", "failure", True),
        ("${{ '' }}${{ null }}", "success", False),  # the template renders ''
    ],
)
def test_evaluate_condition(condition: Any, status: str, expected: bool) -> None:
    contexts = {**CONTEXTS, "job": {"status": status}}
    assert evaluate_condition(condition, contexts) is expected


def test_condition_short_circuits_on_failed_job() -> None:
    contexts = {"job": {"status": "failure"}}
    assert evaluate_condition("fromJSON('')", contexts) is False
    with pytest.raises(ExpressionError):
        evaluate_condition("fromJSON('')", {"job": {"status": "success"}})


# --- hashFiles -----------------------------------------------------------------------------


def expected_hash(root: Path, relative_paths: Iterable[str]) -> str:
    """GitHub's algorithm, computed independently: sha256 over each file's sha256."""
    paths = sorted(relative_paths)
    if not paths:
        return ""
    total = hashlib.sha256()
    for relative in paths:
        total.update(hashlib.sha256((root / relative).read_bytes()).digest())
    return total.hexdigest()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    files = {
        "requirements.txt": "numpy\n",
        "src/app.py": "print('app')\n",
        "src/util.py": "X = 1\n",
        "src/data/big.bin": "\x00\x01" * 5000,
        "src/data/notes.txt": "notes\n",
        "tests/requirements.txt": "pytest\n",
        "tests/test_app.py": "def test(): pass\n",
        ".hidden/config.txt": "secret-ish\n",
        ".env.txt": "A=1\n",
        "a.txt": "a\n",
        "b.txt": "b\n",
        "c.log": "c\n",
        "[x].txt": "bracket\n",
        "sp ace.txt": "space\n",
        "[y.txt": "open bracket\n",
    }
    for relative, content in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return tmp_path


def hash_of(call: str, root: Path) -> str:
    return evaluate(call, {}, workspace=str(root))


@pytest.mark.parametrize(
    ("call", "expected_files"),
    [
        ("hashFiles('requirements.txt')", ["requirements.txt"]),
        ("hashFiles('**/requirements.txt')", ["requirements.txt", "tests/requirements.txt"]),
        ("hashFiles('src/*.py')", ["src/app.py", "src/util.py"]),
        ("hashFiles('src/**/*.txt')", ["src/data/notes.txt"]),
        (
            "hashFiles('src')",
            ["src/app.py", "src/util.py", "src/data/big.bin", "src/data/notes.txt"],
        ),
        (
            "hashFiles('src/')",
            ["src/app.py", "src/util.py", "src/data/big.bin", "src/data/notes.txt"],
        ),
        ("hashFiles('./src/data')", ["src/data/big.bin", "src/data/notes.txt"]),
        (
            "hashFiles('*.txt')",
            ["requirements.txt", "a.txt", "b.txt", ".env.txt", "[x].txt", "sp ace.txt", "[y.txt"],
        ),
        ("hashFiles('?.txt')", ["a.txt", "b.txt"]),
        ("hashFiles('[ab].txt')", ["a.txt", "b.txt"]),
        ("hashFiles('[!a].txt')", ["b.txt"]),
        ("hashFiles('\\[x\\].txt')", ["[x].txt"]),
        ("hashFiles('[[]x].txt')", ["[x].txt"]),
        ("hashFiles('.hidden/*')", [".hidden/config.txt"]),
        (
            "hashFiles('**/*.py', '*.log')",
            ["src/app.py", "src/util.py", "tests/test_app.py", "c.log"],
        ),
        ("hashFiles('**/*.py', '!tests/**')", ["src/app.py", "src/util.py"]),
        ("hashFiles('**/*.py', '!tests')", ["src/app.py", "src/util.py"]),
        ("hashFiles('**/*.py', '!**/util.py')", ["src/app.py", "tests/test_app.py"]),
        ("hashFiles('**/*.py\n!src/app.py\n# comment\n')", ["src/util.py", "tests/test_app.py"]),
        ("hashFiles('!!src/app.py')", ["src/app.py"]),
        ("hashFiles('!src/app.py', 'src/app.py')", ["src/app.py"]),
        ("hashFiles('src/app.py', '!src/app.py', 'src/*.py')", ["src/app.py", "src/util.py"]),
        ("hashFiles('sp ace.txt')", ["sp ace.txt"]),
        ("hashFiles('[a-b].txt')", ["a.txt", "b.txt"]),
        (
            "hashFiles('[^a-b]*.txt')",
            ["requirements.txt", ".env.txt", "[x].txt", "sp ace.txt", "[y.txt"],
        ),
        ("hashFiles('[\\]b].txt')", ["b.txt"]),
        ("hashFiles('[-a].txt')", ["a.txt"]),
        ("hashFiles('[z-a].txt')", []),  # a reversed range matches only itself, literally
        ("hashFiles('[y.txt')", ["[y.txt"]),  # an unclosed '[' is literal
        ("hashFiles('a*******.txt')", ["a.txt"]),
        ("HASHFILES('a.txt')", ["a.txt"]),
    ],
)
def test_hash_files(workspace: Path, call: str, expected_files: list[str]) -> None:
    assert hash_of(call, workspace) == expected_hash(workspace, expected_files)


def test_hash_files_of_everything(workspace: Path) -> None:
    every = [p.relative_to(workspace).as_posix() for p in workspace.rglob("*") if p.is_file()]
    assert len(every) == 15
    assert hash_of("hashFiles('**')", workspace) == expected_hash(workspace, every)
    assert hash_of("hashFiles('.')", workspace) == expected_hash(workspace, every)


def test_hash_files_depends_on_content_and_selection(workspace: Path) -> None:
    before = hash_of("hashFiles('**/*.py')", workspace)
    assert len(before) == 64
    assert before != hash_of("hashFiles('src/*.py')", workspace)
    (workspace / "src/app.py").write_text("print('changed')\n")
    assert hash_of("hashFiles('**/*.py')", workspace) != before


def test_hash_files_is_empty_when_nothing_matches(workspace: Path) -> None:
    assert hash_of("hashFiles('**/*.nothing')", workspace) == ""
    assert hash_of("hashFiles('missing-dir/**')", workspace) == ""
    assert hash_of("hashFiles('!a.txt')", workspace) == ""
    assert hash_of("hashFiles('*.py')", workspace / "src" / "data") == ""


def test_hash_files_in_an_absent_workspace_is_empty(tmp_path: Path) -> None:
    assert hash_of("hashFiles('**')", tmp_path / "absent") == ""


def test_hash_files_absolute_pattern_inside_the_workspace(workspace: Path) -> None:
    pattern = (workspace / "src" / "*.py").as_posix()
    expected = expected_hash(workspace, ["src/app.py", "src/util.py"])
    assert evaluate("hashFiles(p)", {"p": pattern}, workspace=workspace) == expected


@pytest.mark.parametrize(
    "pattern",
    ["../outside.txt", "src/../a.txt", "src/./app.py", "/etc/passwd", "~/file", "~"],
)
def test_hash_files_patterns_must_stay_in_the_workspace(workspace: Path, pattern: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("1 == hashFiles(p)", {"p": pattern}, workspace=workspace)
    assert caught.value.reason.startswith("hashFiles:")
    assert caught.value.column == 6


def test_hash_files_uses_github_workspace_without_an_explicit_one(workspace: Path) -> None:
    contexts = {"github": {"workspace": str(workspace)}}
    assert evaluate("hashFiles('a.txt')", contexts) == expected_hash(workspace, ["a.txt"])


def test_hash_files_without_a_workspace_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="no workspace"):
        evaluate("hashFiles('a.txt')", {})


def test_hash_files_needs_a_pattern() -> None:
    with pytest.raises(ExpressionError, match="Too few parameters"):
        parse("hashFiles()")


def test_hash_files_rejects_unknown_options(workspace: Path) -> None:
    with pytest.raises(ExpressionError, match="invalid option"):
        hash_of("hashFiles('--recursive', 'a.txt')", workspace)


def test_hash_files_empty_negation_is_an_error(workspace: Path) -> None:
    with pytest.raises(ExpressionError, match="empty pattern"):
        hash_of("hashFiles('!')", workspace)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_hash_files_symbolic_links(
    workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "target.txt").write_text("linked content\n")
    (outside / "dir").mkdir()
    (outside / "dir" / "inner.txt").write_text("inner\n")
    (workspace / "link.txt").symlink_to(outside / "target.txt")
    (workspace / "linkdir").symlink_to(outside / "dir", target_is_directory=True)

    # A linked file is hashed by its content; a linked directory is not entered by default.
    assert hash_of("hashFiles('link*')", workspace) == expected_hash(workspace, ["link.txt"])
    assert hash_of("hashFiles('linkdir/**')", workspace) == ""
    followed = hash_of("hashFiles('--follow-symbolic-links', 'linkdir/**')", workspace)
    assert followed == expected_hash(workspace, ["linkdir/inner.txt"])

    (workspace / "broken.txt").symlink_to(outside / "missing.txt")
    with pytest.raises(ExpressionError, match="broken symbolic link"):
        hash_of("hashFiles('broken.txt')", workspace)
    following = "hashFiles('--FOLLOW-SYMBOLIC-LINKS', 'broken.txt', 'a.txt')"
    assert hash_of(following, workspace) == expected_hash(workspace, ["a.txt"])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_hash_files_survives_a_symlink_cycle(workspace: Path) -> None:
    (workspace / "src" / "loop").symlink_to(workspace / "src", target_is_directory=True)
    call = "hashFiles('--follow-symbolic-links', 'src/**/*.py')"
    paths = ["src/app.py", "src/util.py", "src/loop/app.py", "src/loop/util.py"]
    assert hash_of(call, workspace) == expected_hash(workspace, paths)


# --- interpolation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("no expressions", "no expressions"),
        ("", ""),
        ("Hello ${{ env.NAME }}!", "Hello Mona!"),
        ("${{ env.NAME }}${{ env.NAME }}", "MonaMona"),
        ("[${{ env.EMPTY }}] [${{ github.nope }}]", "[] []"),
        ("${{ true }}/${{ false }}/${{ 1e3 }}/${{ -9.2 }}", "true/false/1000/-9.2"),
        ("x ${{ '}}' }} y", "x }} y"),
        ("${{ format('{0}}}', 'a') }}", "a}"),
        ("${{ 'It''s }}' }}", "It's }}"),
        ("cost: $5 and ${not} an expression", "cost: $5 and ${not} an expression"),
        ("${{github.sha}}", "abc123"),
        ("multi\n${{ matrix.os }}\nline", "multi\nubuntu-latest\nline"),
        ("${{ matrix.os }} }}", "ubuntu-latest }}"),
    ],
)
def test_interpolate(template: str, expected: str) -> None:
    assert interpolate(template, CONTEXTS) == expected


def test_interpolate_unclosed_expression() -> None:
    with pytest.raises(ExpressionError, match="not closed") as caught:
        interpolate("echo ${{ 'unterminated }}", CONTEXTS)
    assert caught.value.offset == 5


def test_interpolate_empty_expression() -> None:
    with pytest.raises(ExpressionError, match="An expression was expected"):
        interpolate("echo ${{   }}", CONTEXTS)


def test_interpolate_error_locates_the_expression_in_the_template() -> None:
    template = "echo ${{ env.NAME }} ${{ foo(1) }}"
    with pytest.raises(ExpressionError) as caught:
        interpolate(template, CONTEXTS)
    error = caught.value
    assert error.reason == "Unrecognized function: 'foo'"
    assert error.column == 2
    assert template[error.offset + error.column - 1 :].startswith("foo(1)")


def test_find_expressions() -> None:
    template = "a ${{ x }} b ${{ '}}' }}"
    found = find_expressions(template)
    assert [f.text for f in found] == [" x ", " '}}' "]
    assert [template[f.offset : f.offset + len(f.text)] for f in found] == [" x ", " '}}' "]


# --- parse and inspection ------------------------------------------------------------------


def test_parse_builds_nodes_with_offsets() -> None:
    tree = parse("contains(github.event_name, 'push')")
    assert isinstance(tree, Call) and tree.name == "contains"
    target, literal = tree.args
    assert isinstance(target, Index) and isinstance(target.target, ContextAccess)
    assert isinstance(literal, Literal) and literal.value == "push"
    assert literal.offset == 28


def test_parse_canonicalises_function_names() -> None:
    tree = parse("TOJSON(github)")
    assert isinstance(tree, Call) and tree.name == "toJSON"


def test_parse_of_a_wrapped_expression() -> None:
    tree = parse("${{ github.sha }}")
    assert isinstance(tree, Index)
    assert isinstance(tree.target, ContextAccess) and tree.target.offset == 1


def test_parse_is_cached_but_safe_to_reuse() -> None:
    assert parse("a.b == 1") == parse("a.b == 1")
    assert evaluate("a.b == 1", {"a": {"b": 1}}) is True
    assert evaluate("a.b == 1", {"a": {"b": 2}}) is False


@pytest.mark.parametrize(
    ("expression", "contexts"),
    [
        ("github.sha", {"github"}),
        ("GitHub.sha && ENV.X", {"github", "env"}),
        ("github.env", {"github"}),
        ("steps.a.outputs.b == needs.c.result", {"steps", "needs"}),
        ("format('{0}', secrets.TOKEN)", {"secrets"}),
        ("matrix[inputs.key]", {"matrix", "inputs"}),
        ("'github' == 1", set()),
        ("success()", set()),
        ("${{ vars.X }}", {"vars"}),
    ],
)
def test_referenced_contexts(expression: str, contexts: set[str]) -> None:
    assert referenced_contexts(expression) == contexts
    assert referenced_contexts(parse(expression)) == contexts


@pytest.mark.parametrize(
    ("expression", "functions"),
    [
        ("github.sha", set()),
        ("HASHFILES('a') && success()", {"hashFiles", "success"}),
        ("format('{0}', toJson(fromjson('1')))", {"format", "toJSON", "fromJSON"}),
        ("!cancelled()", {"cancelled"}),
        ("case(always(), 1, 2)", {"case", "always"}),
    ],
)
def test_referenced_functions(expression: str, functions: set[str]) -> None:
    assert referenced_functions(expression) == functions


# --- errors --------------------------------------------------------------------------------


def test_expression_error_is_a_user_error() -> None:
    assert issubclass(ExpressionError, Exception)
    assert issubclass(ExpressionError, MlopsError)


@pytest.mark.parametrize(
    ("expression", "reason", "column"),
    [
        ("foo(1)", "Unrecognized function: 'foo'", 1),
        ("1 == bar()", "Unrecognized function: 'bar'", 6),
        ("contains('a')", "Too few parameters supplied", 1),
        ("startsWith('a')", "Too few parameters supplied", 1),
        ("endsWith('a', 'b', 'c')", "Too many parameters supplied", 1),
        ("toJSON()", "Too few parameters supplied", 1),
        ("fromJSON('1', '2')", "Too many parameters supplied", 1),
        ("join()", "Too few parameters supplied", 1),
        ("join(1, 2, 3)", "Too many parameters supplied", 1),
        ("format()", "Too few parameters supplied", 1),
        ("1 ==", "Unexpected end of expression", 3),
        ("(1", "Unexpected end of expression", 2),
        ("github.", "Unexpected end of expression", 7),
        ("github.1", "Unexpected symbol: '1'", 8),
        ("github[0", "Unexpected end of expression", 8),
        ("github[0)", "Unexpected symbol: ')'", 9),
        ("1 = 1", "Unexpected symbol: '='", 3),
        ("a & b", "Unexpected symbol: '&'", 3),
        ("a | b", "Unexpected symbol: '|'", 3),
        ("1 2", "Unexpected symbol: '2'", 3),
        ("contains('a', 'b',)", "Unexpected symbol: ')'", 19),
        ("contains('a' 'b')", "Unexpected symbol: ''b''", 14),
        (")", "Unexpected symbol: ')'", 1),
        ("github.*.", "Unexpected end of expression", 9),
        ("$var", "Unexpected symbol: '$var'", 1),
        ("a.b c", "Unexpected symbol: 'c'", 5),
    ],
)
def test_syntax_errors(expression: str, reason: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(expression)
    error = caught.value
    assert error.reason.startswith(reason)
    assert error.column == column
    assert error.expression == expression
    assert f"Located at position {column} within expression: {expression}" in str(error)


@pytest.mark.parametrize("expression", ["", "   ", "${{ }}", "${{}}"])
def test_an_expression_is_expected(expression: str) -> None:
    with pytest.raises(ExpressionError, match="An expression was expected"):
        evaluate(expression, {})


def test_unknown_context_is_an_error_at_evaluation() -> None:
    parse("secrets.TOKEN")  # syntax is fine
    error = error_of("github.sha == secrets.TOKEN")
    assert error.reason == "Unrecognized named-value: 'secrets'"
    assert error.column == 15


def test_function_errors_inside_nested_calls_point_at_the_inner_call() -> None:
    error = error_of("toJSON(fromJSON('{'))")
    assert error.column == 8


@pytest.mark.parametrize(
    "expression",
    [
        "(" * 20_000 + "1" + ")" * 20_000,
        "(" * 10_000 + "1" + ")" * 10_000,
        "!" * 20_000 + "true",
        "1" + " == 1" * 4_000,
        "github" + ".a" * 10_000,
        "github" + "[0]" * 6_000,
        "toJSON(" * 2_000 + "1" + ")" * 2_000,
        "a[" * 5_000 + "0" + "]" * 5_000,
        "'" + "x" * (MAX_EXPRESSION_LENGTH + 1) + "'",
    ],
)
def test_hostile_input_fails_fast(expression: str) -> None:
    # CPU time of this process, not wall time: a loaded machine must not fail the test,
    # while an evaluator that works through the whole input still would.
    started = time.process_time()
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, CONTEXTS)
    assert time.process_time() - started < 2.0
    assert "Exceeded max expression" in caught.value.reason
    assert len(str(caught.value)) < 500


def test_depth_limit_allows_reasonable_nesting() -> None:
    nested = "(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1)
    assert evaluate(nested, {}) == 1
    with pytest.raises(ExpressionError, match="depth"):
        evaluate("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1), {})


def test_long_flat_logical_chains_are_fine() -> None:
    chain = " || ".join(["false"] * 2_000) + " || 'last'"
    assert evaluate(chain, {}) == "last"
