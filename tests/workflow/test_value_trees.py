"""Value trees built by expressions, as GitHub's template evaluator builds them.

actions/runner's TemplateUnraveler: a mapping key with an expression is evaluated to a
string; the ``${{ insert }}`` key merges a mapping into its parent; a sequence item that is
one whole expression evaluating to a sequence is spliced into the parent sequence.
"""

from __future__ import annotations

import pytest

from mlops.workflow.expressions import ExpressionError, evaluate_value

CONTEXTS = {
    "needs": {"a": {"outputs": {"key": "flavour", "list": '["x", "y"]', "n": "3"}}},
    "vars": {"REGION": "eu", "TIER": "gold"},
    "matrix": {"os": "linux"},
}


def test_a_mapping_key_expression_is_evaluated_to_a_string() -> None:
    tree = {"${{ needs.a.outputs.key }}": ["vanilla"], "os-${{ matrix.os }}": 1, "plain": 2}
    assert evaluate_value(tree, CONTEXTS) == {"flavour": ["vanilla"], "os-linux": 1, "plain": 2}


def test_a_number_key_becomes_its_text_and_an_array_key_is_an_error() -> None:
    assert evaluate_value({"${{ fromJSON(needs.a.outputs.n) }}": "v"}, CONTEXTS) == {"3": "v"}
    with pytest.raises(ExpressionError, match="mapping key must be a string"):
        evaluate_value({"${{ fromJSON(needs.a.outputs.list) }}": "v"}, CONTEXTS)


def test_insert_merges_a_mapping_into_its_parent_in_place() -> None:
    tree = {"FIRST": "1", "${{ insert }}": "${{ vars }}", "TIER": "override"}
    assert evaluate_value(tree, CONTEXTS) == {"FIRST": "1", "REGION": "eu", "TIER": "override"}
    assert list(evaluate_value(tree, CONTEXTS)) == ["FIRST", "REGION", "TIER"]
    nested = {"${{insert}}": {"a": "${{ matrix.os }}", "b": ["${{ vars.REGION }}"]}}
    assert evaluate_value(nested, CONTEXTS) == {"a": "linux", "b": ["eu"]}


def test_insert_of_something_other_than_a_mapping_is_an_error() -> None:
    with pytest.raises(ExpressionError, match=r"insert .* expects a mapping"):
        evaluate_value({"${{ insert }}": "${{ vars.REGION }}"}, CONTEXTS)


def test_a_whole_expression_item_that_is_an_array_is_spliced() -> None:
    tree = ["small", "${{ fromJSON(needs.a.outputs.list) }}", "large"]
    assert evaluate_value(tree, CONTEXTS) == ["small", "x", "y", "large"]
    # Only a whole expression splices; nested literal lists and interpolations stay items.
    assert evaluate_value([["x"], "v${{ needs.a.outputs.list }}"], CONTEXTS) == [
        ["x"],
        'v["x", "y"]',
    ]
    assert evaluate_value(["${{ fromJSON('[]') }}", 1], CONTEXTS) == [1]


def test_a_matrix_built_from_all_three() -> None:
    matrix = {
        "${{ needs.a.outputs.key }}": ["vanilla", "chocolate"],
        "size": ["small", "${{ fromJSON(needs.a.outputs.list) }}"],
        "${{ insert }}": '${{ fromJSON(\'{"extra": ["e1"]}\') }}',
    }
    assert evaluate_value(matrix, CONTEXTS) == {
        "flavour": ["vanilla", "chocolate"],
        "size": ["small", "x", "y"],
        "extra": ["e1"],
    }
