"""The expression engine's one error type and the limits that protect it from hostile input."""

from __future__ import annotations

from mlops.errors import MlopsError

# GitHub's own limits (actions/runner ExpressionConstants: MaxLength, MaxDepth).
MAX_EXPRESSION_LENGTH = 21_000
MAX_DEPTH = 50


class ExpressionError(MlopsError):
    """A syntax or evaluation error in a GitHub Actions expression.

    ``column`` is 1-based within the expression text (the part inside ``${{ }}``), or ``None``
    when no position applies. ``offset`` is where that expression text starts (0-based) in the
    string given to the API: 0 for a bare expression, 3 or more for ``${{ expr }}`` or a
    template. So the position in the caller's string is ``offset + column - 1``.
    """

    def __init__(
        self,
        reason: str,
        *,
        column: int | None = None,
        expression: str | None = None,
        offset: int = 0,
    ) -> None:
        message = reason
        if column is not None:
            message += f". Located at position {column}"
            if expression is not None:
                shown = expression if len(expression) <= 200 else expression[:200] + "..."
                message += f" within expression: {shown}"
        super().__init__(message)
        self.reason = reason
        self.column = column
        self.expression = expression
        self.offset = offset

    def shifted(self, offset: int) -> ExpressionError:
        """This error with the expression text starting at ``offset`` of the caller's string."""
        return ExpressionError(
            self.reason, column=self.column, expression=self.expression, offset=offset
        )
