"""GitHub Actions expressions: parse, inspect and evaluate ``${{ }}`` expressions and templates.

Pure: evaluation reads the contexts it is given (and, for ``hashFiles``, files under the
workspace) and changes nothing. Semantics follow GitHub's documentation and evaluator; see
https://docs.github.com/en/actions/reference/workflows-and-actions/expressions.

    >>> evaluate("contains(github.event_name, 'PUSH')", {"github": {"event_name": "push"}})
    True
    >>> interpolate("v${{ matrix.python }}", {"matrix": {"python": 3.12}})
    'v3.12'

The evaluator (:mod:`.evaluator`, with the parser and the functions) is imported on first use:
the runner imports ``ExpressionError`` on its start-up path, and many runs evaluate nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops.workflow.expressions.errors import MAX_DEPTH, MAX_EXPRESSION_LENGTH, ExpressionError

if TYPE_CHECKING:
    from mlops.workflow.expressions.evaluator import (
        TemplateExpression,
        evaluate,
        evaluate_condition,
        evaluate_value,
        find_expressions,
        interpolate,
        is_insert,
        parse,
        referenced_contexts,
        referenced_functions,
        whole_expression,
    )
    from mlops.workflow.expressions.functions import FUNCTIONS, STATUS_FUNCTIONS
    from mlops.workflow.expressions.parser import (
        Binary,
        Call,
        ContextAccess,
        Index,
        Literal,
        Logical,
        Node,
        Not,
    )

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "STATUS_FUNCTIONS",
    "Binary",
    "Call",
    "ContextAccess",
    "ExpressionError",
    "Index",
    "Literal",
    "Logical",
    "Node",
    "Not",
    "TemplateExpression",
    "evaluate",
    "evaluate_condition",
    "evaluate_value",
    "find_expressions",
    "interpolate",
    "is_insert",
    "parse",
    "referenced_contexts",
    "referenced_functions",
    "whole_expression",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mlops.workflow.expressions import evaluator

        value = getattr(evaluator, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
