"""Built-in functions of the expression language: their names, arity and behaviour.

Arguments arrive as :class:`LazyArgs` and are evaluated only when a function needs them, as in
GitHub's runner (``case`` evaluates only the chosen branch, ``format`` only the used values).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlops.workflow.expressions.errors import ExpressionError
from mlops.workflow.expressions.values import (
    ValueKind,
    equals,
    fold,
    from_json,
    is_primitive,
    kind_of,
    lookup,
    to_json,
    to_str,
)


class LazyArgs:
    """Function arguments, each evaluated on first use and then remembered."""

    def __init__(self, thunks: Sequence[Callable[[], Any]]) -> None:
        self._thunks = thunks
        self._values: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self._thunks)

    def __getitem__(self, position: int) -> Any:
        if position not in self._values:
            self._values[position] = self._thunks[position]()
        return self._values[position]


@dataclass(frozen=True)
class CallEnv:
    """What functions may read besides their arguments: the contexts and the workspace."""

    contexts: Mapping[str, Any]  # keys lower-cased
    workspace: str | None = None


Impl = Callable[[LazyArgs, CallEnv], Any]


@dataclass(frozen=True)
class FunctionSpec:
    """A built-in function: canonical name, arity (``None`` = unbounded) and implementation."""

    name: str
    min_args: int
    max_args: int | None
    impl: Impl
    odd_args: bool = False


STATUS_FUNCTIONS = frozenset({"success", "failure", "always", "cancelled"})
JOB_STATUSES = ("success", "failure", "cancelled")


def job_status(contexts: Mapping[str, Any]) -> str:
    """``job.status`` from the contexts ('success' when no job context is given)."""
    job = contexts.get("job")
    if job is None:
        return "success"
    status = lookup(job, "status")[1] if isinstance(job, Mapping) else None
    if status is None:
        return "success"
    if not isinstance(status, str) or status.lower() not in JOB_STATUSES:
        raise ExpressionError(
            f"job.status must be one of {', '.join(JOB_STATUSES)}; got {status!r}"
        )
    return status.lower()


def _contains(args: LazyArgs, env: CallEnv) -> bool:
    search = args[0]
    if is_primitive(search):
        item = args[1]
        return is_primitive(item) and fold(to_str(item)) in fold(to_str(search))
    if kind_of(search) is ValueKind.ARRAY and len(search) > 0:
        item = args[1]
        return any(equals(item, element) for element in search)
    return False


def _affix(check: Callable[[str, str], bool]) -> Impl:
    def impl(args: LazyArgs, env: CallEnv) -> bool:
        text, part = args[0], args[1]
        if not (is_primitive(text) and is_primitive(part)):
            return False
        return check(fold(to_str(text)), fold(to_str(part)))

    return impl


def _format(args: LazyArgs, env: CallEnv) -> str:
    template = to_str(args[0])
    pieces: list[str | int] = []  # literal text, or the index of a value
    position = 0
    size = len(template)

    def invalid() -> ExpressionError:
        return ExpressionError(f"format: the format string is invalid: {template}")

    while position < size:
        left = template.find("{", position)
        right = template.find("}", position)
        if left >= 0 and (right < 0 or right > left):
            if template.startswith("{{", left):
                pieces.append(template[position : left + 1])
                position = left + 2
                continue
            end = left + 1
            while end < size and template[end] in "0123456789":
                end += 1
            if end == left + 1 or end >= size:
                raise invalid()
            if template[end] == ":":
                raise ExpressionError(f"format: format specifiers are not supported: {template}")
            if template[end] != "}" or int(template[left + 1 : end]) > 255:
                raise invalid()
            number = int(template[left + 1 : end])
            if number > len(args) - 2:
                raise ExpressionError(
                    "format: the format string references more arguments than were supplied: "
                    f"{template}"
                )
            pieces.append(template[position:left])
            pieces.append(number)
            position = end + 1
        elif right >= 0:
            if not template.startswith("}}", right):
                raise invalid()
            pieces.append(template[position : right + 1])
            position = right + 2
        else:
            pieces.append(template[position:])
            break
    return "".join(p if isinstance(p, str) else to_str(args[p + 1]) for p in pieces)


def _join(args: LazyArgs, env: CallEnv) -> str:
    items = args[0]
    if kind_of(items) is ValueKind.ARRAY and len(items) > 0:
        separator = ","
        if len(items) > 1 and len(args) > 1 and is_primitive(args[1]):
            separator = to_str(args[1])
        return separator.join(to_str(item) for item in items)
    if is_primitive(items):
        return to_str(items)
    return ""


def _case(args: LazyArgs, env: CallEnv) -> Any:
    for position in range(0, len(args) - 1, 2):
        predicate = args[position]
        if not isinstance(predicate, bool):
            raise ExpressionError("case: each predicate must evaluate to a boolean")
        if predicate:
            return args[position + 1]
    return args[len(args) - 1]


def _hash_files(args: LazyArgs, env: CallEnv) -> str:
    from mlops.workflow.expressions.hashfiles import hash_files  # only when used

    workspace = env.workspace
    if workspace is None:
        github = env.contexts.get("github")
        if isinstance(github, Mapping):
            found = lookup(github, "workspace")[1]
            workspace = found if isinstance(found, str) and found else None
    if workspace is None:
        raise ExpressionError("hashFiles: no workspace directory to search")
    return hash_files([to_str(args[i]) for i in range(len(args))], workspace)


def _status(expected: str | None) -> Impl:
    def impl(args: LazyArgs, env: CallEnv) -> bool:
        return expected is None or job_status(env.contexts) == expected

    return impl


def _spec(
    name: str, min_args: int, max_args: int | None, impl: Impl, *, odd: bool = False
) -> tuple[str, FunctionSpec]:
    return name.lower(), FunctionSpec(name, min_args, max_args, impl, odd)


FUNCTIONS: dict[str, FunctionSpec] = dict(
    [
        _spec("contains", 2, 2, _contains),
        _spec("startsWith", 2, 2, _affix(str.startswith)),
        _spec("endsWith", 2, 2, _affix(str.endswith)),
        _spec("format", 1, 255, _format),
        _spec("join", 1, 2, _join),
        _spec("toJSON", 1, 1, lambda args, env: to_json(args[0])),
        _spec("fromJSON", 1, 1, lambda args, env: from_json(to_str(args[0]))),
        _spec("hashFiles", 1, 255, _hash_files),
        _spec("success", 0, 0, _status("success")),
        _spec("failure", 0, 0, _status("failure")),
        _spec("cancelled", 0, 0, _status("cancelled")),
        _spec("always", 0, 0, _status(None)),
        _spec("case", 3, None, _case, odd=True),
    ]
)
"""Built-in functions keyed by lower-cased name (names are case-insensitive)."""
