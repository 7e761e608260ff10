"""GitHub's filter patterns for ``branches``/``tags``/``paths`` (and their ``-ignore`` forms).

Pattern syntax (GitHub docs, "Workflow syntax: Filter pattern cheat sheet"): ``*`` matches any
characters but ``/``; ``**`` any characters including ``/`` (``**/`` also matches nothing, so
``**/README.md`` matches ``README.md``); ``?`` zero or one and ``+`` one or more of the preceding
character; ``[...]`` one character of a set or ``a-z``/``A-Z``/``0-9`` range; a leading ``!``
negates; ``\\`` makes a special character literal. Everything else is literal (``.`` too) and a
pattern must match the whole name or path. A list is read in order and the last pattern that
matches a value decides: a positive one includes it, a negative one excludes it, so a list of
negations only matches nothing. The translation to regular expressions follows nektos/act's
``pkg/workflowpattern``; what is a syntax error follows actionlint's ``glob.go``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EventFilter",
    "FilterPatternError",
    "Matcher",
    "Pattern",
    "compile_pattern",
    "compile_patterns",
    "event_filter_allows",
    "matches",
    "matches_any",
    "paths_allowed",
    "pattern_to_regex",
    "ref_allowed",
    "split_ref",
]

# Characters a backslash makes literal; before any other character it is itself literal.
_ESCAPABLE = frozenset("*?+[]\\!")


class FilterPatternError(ValueError):
    """A filter pattern (or a filter mapping) GitHub would reject."""


class _Source:
    """The pattern as written, and where its body starts in it (1 after a leading '!')."""

    def __init__(self, written: str, offset: int) -> None:
        self.written = written
        self.offset = offset

    def error(self, position: int, what: str) -> FilterPatternError:
        column = position + self.offset + 1
        return FilterPatternError(
            f"invalid filter pattern {self.written!r} at column {column}: {what}"
        )


def _class_range_ok(start: str, end: str) -> bool:
    """A bracket range: both ends digits or both letters (``A-z`` allowed, as act does)."""
    if start.isascii() and end.isascii():
        if start.isdigit() and end.isdigit():
            return start <= end
        if start.isalpha() and end.isalpha():
            return start <= end
    return False


def _translate_class(pattern: str, start: int, source: _Source) -> tuple[str, int]:
    """``[...]`` starting at ``start``: the regex class and the index after ``]``."""
    pos = start + 1
    if pos < len(pattern) and pattern[pos] == "]":
        raise source.error(start, "empty character set '[]'")
    parts: list[str] = []
    while pos < len(pattern) and pattern[pos] != "]":
        char = pattern[pos]
        if char == "-":
            raise source.error(pos, "a range needs a character before '-'")
        if pos + 1 < len(pattern) and pattern[pos + 1] == "-":
            if pos + 2 >= len(pattern) or pattern[pos + 2] == "]":
                raise source.error(pos + 1, "a range needs a character after '-'")
            end = pattern[pos + 2]
            if not _class_range_ok(char, end):
                raise source.error(
                    pos,
                    f"invalid range '{char}-{end}': ranges go upwards within a-z, A-Z or 0-9",
                )
            parts.append(f"{re.escape(char)}-{re.escape(end)}")
            pos += 3
            continue
        parts.append(re.escape(char))
        pos += 1
    if pos >= len(pattern):
        raise source.error(start, "'[' is never closed by ']'")
    return "[" + "".join(parts) + "]", pos + 1


def pattern_to_regex(pattern: str) -> str:
    """The regular expression (for ``re.fullmatch``) of one pattern, without its leading ``!``.

    Raises :class:`FilterPatternError` for an empty pattern, an unclosed or empty ``[``, a bad
    range, a trailing ``\\``, and a ``?``/``+`` with no character before it to repeat.
    """
    return _to_regex(pattern, _Source(pattern, 0))


def _to_regex(pattern: str, source: _Source) -> str:
    if not pattern:
        raise FilterPatternError(f"invalid filter pattern {source.written!r}: it is empty")
    out: list[str] = []
    # Whether the last piece is a single character (or set) that '?' and '+' may repeat.
    repeatable = False
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        if char == "*":
            if pattern.startswith("**/", pos):
                out.append("(?:.+/)?")
                pos += 3
            elif pattern.startswith("**", pos):
                out.append(".*")
                pos += 2
            else:
                out.append("[^/]*")
                pos += 1
            repeatable = False
        elif char in "?+":
            if not repeatable:
                raise source.error(
                    pos,
                    f"'{char}' repeats the preceding character, and there is none "
                    "(it cannot follow '*', '?', '+' or start the pattern; escape it as "
                    f"'\\{char}')",
                )
            out.append(char)
            pos += 1
            repeatable = False
        elif char == "[":
            regex, pos = _translate_class(pattern, pos, source)
            out.append(regex)
            repeatable = True
        elif char == "\\":
            if pos + 1 >= len(pattern):
                raise source.error(pos, "'\\' at the end escapes nothing")
            following = pattern[pos + 1]
            if following in _ESCAPABLE:
                out.append(re.escape(following))
                pos += 2
            else:
                out.append(re.escape(char))
                pos += 1
            repeatable = True
        else:
            out.append(re.escape(char))
            pos += 1
            repeatable = True
    return "".join(out)


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern: its text (without ``!``), whether it negates, its regex."""

    source: str
    negated: bool
    regex: re.Pattern[str]

    def hits(self, value: str) -> bool:
        """Whether the pattern's text matches ``value`` (ignoring the negation)."""
        return self.regex.fullmatch(value) is not None

    def __str__(self) -> str:
        return ("!" if self.negated else "") + self.source


def compile_pattern(pattern: str) -> Pattern:
    """Compile one pattern; a leading ``!`` (only there) makes it negative."""
    if not isinstance(pattern, str):
        raise FilterPatternError(f"a filter pattern must be a string, not {pattern!r}")
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    if negated and not body:
        raise FilterPatternError("invalid filter pattern '!': '!' must be followed by a pattern")
    regex = _to_regex(body, _Source(pattern, 1 if negated else 0))
    return Pattern(body, negated, re.compile(regex, re.DOTALL))


@dataclass(frozen=True)
class Matcher:
    """An ordered list of patterns; the last one matching a value decides."""

    patterns: tuple[Pattern, ...]

    def matches(self, value: str) -> bool:
        """True when the last pattern matching ``value`` is a positive one."""
        decision = False
        for pattern in self.patterns:
            if pattern.hits(value):
                decision = not pattern.negated
        return decision

    __call__ = matches

    def matches_any(self, values: Iterable[str]) -> bool:
        """True when at least one value matches."""
        return any(self.matches(value) for value in values)

    def matches_all(self, values: Iterable[str]) -> bool:
        """True when every value matches (vacuously true for no values)."""
        return all(self.matches(value) for value in values)

    @property
    def has_positive(self) -> bool:
        """Whether any pattern is positive (a list of negations alone matches nothing)."""
        return any(not pattern.negated for pattern in self.patterns)


def _pattern_list(patterns: str | Iterable[str]) -> list[str]:
    # GitHub's schema takes a single string or a sequence of non-empty strings.
    if isinstance(patterns, str):
        return [patterns]
    if isinstance(patterns, Mapping):
        raise FilterPatternError(f"filter patterns must be a string or a list, not {patterns!r}")
    return list(patterns)


def compile_patterns(patterns: str | Iterable[str]) -> Matcher:
    """Compile a pattern list (or a single pattern string) into a :class:`Matcher`."""
    return Matcher(tuple(compile_pattern(pattern) for pattern in _pattern_list(patterns)))


def _as_matcher(patterns: Matcher | str | Iterable[str]) -> Matcher:
    return patterns if isinstance(patterns, Matcher) else compile_patterns(patterns)


def matches(patterns: Matcher | str | Iterable[str], value: str) -> bool:
    """Whether ``value`` is matched by the ordered ``patterns``."""
    return _as_matcher(patterns).matches(value)


def matches_any(patterns: Matcher | str | Iterable[str], values: Iterable[str]) -> bool:
    """Whether at least one of ``values`` is matched by the ordered ``patterns``."""
    return _as_matcher(patterns).matches_any(values)


# --- event rules ---------------------------------------------------------------------------


def ref_allowed(
    name: str,
    include: Matcher | str | Iterable[str] | None = None,
    ignore: Matcher | str | Iterable[str] | None = None,
) -> bool:
    """Whether a branch or tag ``name`` passes ``branches``/``tags`` or their ``-ignore`` form.

    With neither list the name passes; GitHub forbids both lists for one event.
    """
    if include is not None and ignore is not None:
        raise FilterPatternError("an include list and an -ignore list cannot both filter an event")
    if include is not None:
        return _as_matcher(include).matches(name)
    if ignore is not None:
        return not _as_matcher(ignore).matches(name)
    return True


def paths_allowed(
    changed_paths: Sequence[str] | None,
    include: Matcher | str | Iterable[str] | None = None,
    ignore: Matcher | str | Iterable[str] | None = None,
) -> bool:
    """Whether changed files pass ``paths`` (one matches) or ``paths-ignore`` (one is not ignored).

    ``changed_paths=None`` means the diff is unknown (GitHub: more than 1,000 commits or a diff
    timeout), so the workflow runs; an empty list means nothing changed, so a workflow with a path
    filter does not run.
    """
    if include is not None and ignore is not None:
        raise FilterPatternError("'paths' and 'paths-ignore' cannot both filter an event")
    if include is None and ignore is None:
        return True
    if changed_paths is None:
        return True
    if include is not None:
        return _as_matcher(include).matches_any(changed_paths)
    assert ignore is not None
    return not _as_matcher(ignore).matches_all(changed_paths) if changed_paths else False


def split_ref(ref: str) -> tuple[str, str]:
    """``refs/heads/x`` -> ``("branch", "x")``, ``refs/tags/v1`` -> ``("tag", "v1")``.

    Anything else is taken as a branch name as written (e.g. a pull request's base ``main``).
    """
    if ref.startswith("refs/heads/"):
        return "branch", ref[len("refs/heads/") :]
    if ref.startswith("refs/tags/"):
        return "tag", ref[len("refs/tags/") :]
    return "branch", ref


_FILTER_KEYS = ("branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore")


@dataclass(frozen=True)
class EventFilter:
    """The ref and path filters of one event (``on.push``, ``on.pull_request``, ...)."""

    branches: Matcher | None = None
    branches_ignore: Matcher | None = None
    tags: Matcher | None = None
    tags_ignore: Matcher | None = None
    paths: Matcher | None = None
    paths_ignore: Matcher | None = None

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any] | None) -> EventFilter:
        """Read the six filter keys of an event's mapping (other keys, e.g. ``types``, are
        ignored). ``None`` (``on: push`` with no mapping) filters nothing.

        Raises :class:`FilterPatternError` for an include list next to its ``-ignore`` list, a
        value that is not a non-empty string or a list of them, or an invalid pattern.
        """
        if config is None:
            return cls()
        if not isinstance(config, Mapping):
            raise FilterPatternError(f"an event's filters must be a mapping, not {config!r}")
        for key in ("branches", "tags", "paths"):
            if key in config and f"{key}-ignore" in config:
                raise FilterPatternError(
                    f"'{key}' and '{key}-ignore' cannot both filter the same event: "
                    f"use '{key}' with '!' patterns to include and exclude"
                )
        compiled: dict[str, Matcher | None] = {}
        for key in _FILTER_KEYS:
            if key not in config:
                compiled[key.replace("-", "_")] = None
                continue
            value = config[key]
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, Sequence) or isinstance(value, bytes | bytearray):
                raise FilterPatternError(
                    f"'{key}' must be a pattern or a list of patterns, not {value!r}"
                )
            for item in value:
                if not isinstance(item, str):
                    raise FilterPatternError(f"'{key}' patterns must be strings, not {item!r}")
            try:
                compiled[key.replace("-", "_")] = compile_patterns(value)
            except FilterPatternError as exc:
                raise FilterPatternError(f"'{key}': {exc}") from None
        return cls(**compiled)

    def allows(
        self,
        *,
        branch: str | None = None,
        tag: str | None = None,
        changed_paths: Sequence[str] | None = None,
    ) -> bool:
        """Whether an event for ``branch`` (or ``tag``) with ``changed_paths`` runs the workflow.

        * ``branch``: the pushed branch, or a pull request's base branch. It must pass
          ``branches``/``branches-ignore``; when only ``tags``/``tags-ignore`` are defined, no
          branch passes.
        * ``tag``: the pushed tag, checked the same way against ``tags``/``tags-ignore``; when only
          branch filters are defined, no tag passes. Path filters are not evaluated for tags.
        * Path filters must pass too (see :func:`paths_allowed`) — for branches, and for events
          with no ref given.
        """
        return self.why_not(branch=branch, tag=tag, changed_paths=changed_paths) is None

    def why_not(
        self,
        *,
        branch: str | None = None,
        tag: str | None = None,
        changed_paths: Sequence[str] | Callable[[], Sequence[str] | None] | None = None,
        branch_word: str = "branch",
    ) -> str | None:
        """Why an event for ``branch`` or ``tag`` with ``changed_paths`` does not run the
        workflow (see :meth:`allows`), or None when it does. ``changed_paths`` may be a
        function, called only when a path filter needs the diff (it costs a ``git diff``);
        ``branch_word`` names the branch in the reason (``base branch`` for pull requests)."""
        if branch is not None and tag is not None:
            raise ValueError("an event is for a branch or for a tag, not both")
        has_branch_filter = self.branches is not None or self.branches_ignore is not None
        has_tag_filter = self.tags is not None or self.tags_ignore is not None
        if tag is not None:
            if not has_tag_filter:
                return "only branch pushes trigger it" if has_branch_filter else None
            if not ref_allowed(tag, self.tags, self.tags_ignore):
                return f"tag {tag!r} filtered out"
            return None  # paths filters do not apply to tag pushes
        if branch is not None:
            if not has_branch_filter:
                if has_tag_filter:
                    # GitHub: "If you define only tags/tags-ignore ..., the workflow won't run
                    # for events affecting the undefined Git ref" -- branches, here
                    if (
                        self.tags is None
                        and self.tags_ignore is not None
                        and all(self.tags_ignore.matches(t) for t in ("v1.0", "release/v1"))
                    ):
                        return (
                            "no push triggers it: its filter names only tags, so branch "
                            "pushes never run it, and its tags-ignore ignores every tag "
                            "(to run on branch pushes only, use branches: ['**'])"
                        )
                    return "only tag pushes trigger it (its filter names only tags)"
            elif not ref_allowed(branch, self.branches, self.branches_ignore):
                return f"{branch_word} {branch!r} filtered out"
        if self.paths is None and self.paths_ignore is None:
            return None  # no path filter: the diff is not needed
        changed = changed_paths() if callable(changed_paths) else changed_paths
        if paths_allowed(changed, self.paths, self.paths_ignore):
            return None
        if self.paths is not None:
            return "no changed file matches 'paths'"
        return "every changed file matches 'paths-ignore'"


def event_filter_allows(
    config: Mapping[str, Any] | None,
    *,
    ref: str | None = None,
    changed_paths: Sequence[str] | None = None,
) -> bool:
    """Whether an event whose mapping is ``config`` runs for ``ref`` and ``changed_paths``.

    ``ref`` is ``refs/heads/<branch>`` or ``refs/tags/<tag>`` (a bare name means a branch, as a
    pull request's base branch is given); ``None`` evaluates only the path filters.
    """
    event_filter = EventFilter.from_mapping(config)
    if ref is None:
        return event_filter.allows(changed_paths=changed_paths)
    kind, name = split_ref(ref)
    if kind == "tag":
        return event_filter.allows(tag=name, changed_paths=changed_paths)
    return event_filter.allows(branch=name, changed_paths=changed_paths)
