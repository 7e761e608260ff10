"""``hashFiles()``: GitHub's digest of the files matching glob patterns inside a workspace.

Follows the runner's ``hashFiles`` script on top of ``@actions/glob``: each argument holds one
or more patterns (one per line, ``#`` comments), relative to the workspace; ``*``, ``?``,
``[...]`` and ``**`` glob, dot-files included; a leading ``!`` excludes; a pattern matching a
directory matches everything under it. Each matched regular file is hashed with SHA-256, and the
result is the SHA-256 over those digests concatenated, as hex; ``''`` when nothing matches.
Unlike GitHub, whose order follows the directory listing, files are taken in sorted order of
their workspace-relative paths, so the result is the same on every machine. ``..`` and paths
outside the workspace are refused. The optional first argument ``--follow-symbolic-links``
makes the search descend into symlinked directories.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlops.workflow.expressions.errors import ExpressionError

_GLOBSTAR = "**"
_FOLLOW_OPTION = "--follow-symbolic-links"
_CHUNK = 1 << 20

Segment = re.Pattern[str] | str  # a compiled segment, or _GLOBSTAR


@dataclass(frozen=True)
class _Glob:
    negate: bool
    segments: tuple[Segment, ...]
    dirs_only: bool  # written with a trailing '/': selects directories, not files


def hash_files(arguments: Sequence[str], workspace: str | os.PathLike[str]) -> str:
    """The hashFiles() digest of the files under ``workspace`` matching ``arguments``."""
    follow = False
    if arguments and arguments[0].startswith("--"):
        if arguments[0].lower() != _FOLLOW_OPTION:
            raise ExpressionError(
                f"hashFiles: invalid option '{arguments[0]}'; the only option is '{_FOLLOW_OPTION}'"
            )
        follow = True
        arguments = arguments[1:]
    root = Path(os.path.abspath(workspace))  # noqa: PTH100 - keep symlinks in the root as given
    globs: list[_Glob] = []
    for argument in arguments:
        for line in argument.replace("\r\n", "\n").split("\n"):
            globs.extend(_parse_pattern(line, root))
    if not any(not glob.negate for glob in globs) or not root.is_dir():
        return ""
    files = _search(root, globs, follow)
    if not files:
        return ""
    total = hashlib.sha256()
    for relative in sorted(files):
        total.update(_file_digest(root, relative))
    return total.hexdigest()


def _file_digest(root: Path, relative: str) -> bytes:
    digest = hashlib.sha256()
    try:
        with (root / relative).open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except OSError as error:
        raise ExpressionError(f"hashFiles: cannot read '{relative}': {error.strerror}") from None
    return digest.digest()


# --- patterns ------------------------------------------------------------------------------


def _parse_pattern(line: str, root: Path) -> list[_Glob]:
    """A pattern line as globs: itself and, like @actions/glob, an implicit ``pattern/**``."""
    text = line.strip()
    if not text or text.startswith("#"):
        return []
    negate = False
    while text.startswith("!"):
        negate = not negate
        text = text[1:].strip()
    if not text:
        raise ExpressionError(f"hashFiles: empty pattern '{line.strip()}'")
    if text == "~" or text.startswith("~/"):
        raise ExpressionError(f"hashFiles: pattern '{text}' is outside the workspace '{root}'")
    if text.startswith("/"):
        root_text = root.as_posix().rstrip("/")
        if text != root_text and not text.startswith(root_text + "/"):
            raise ExpressionError(f"hashFiles: pattern '{text}' is outside the workspace '{root}'")
        text = "." + text[len(root_text) :]
    dirs_only = text.endswith("/")
    raw = [part for part in text.split("/") if part]
    for position, part in enumerate(raw):
        literal = part.replace("\\", "")
        if literal == ".." or (literal == "." and position > 0):
            raise ExpressionError(
                f"hashFiles: invalid pattern '{text}'; '.' and '..' segments are not allowed"
            )
    if raw and raw[0] == ".":
        raw = raw[1:]
    segments = tuple(_GLOBSTAR if part == _GLOBSTAR else _compile_segment(part) for part in raw)
    globs = [_Glob(negate, segments, dirs_only)]
    if dirs_only or not segments or segments[-1] != _GLOBSTAR:
        globs.append(_Glob(negate, (*segments, _GLOBSTAR), False))
    return globs


def _compile_segment(part: str) -> re.Pattern[str]:
    """One path segment of a glob (``*``, ``?``, ``[...]``, ``\\`` escapes) as a regex."""
    out: list[str] = []
    position = 0
    while position < len(part):
        char = part[position]
        if char == "\\" and position + 1 < len(part):
            out.append(re.escape(part[position + 1]))
            position += 2
            continue
        if char == "*":
            if not out or out[-1] != ".*":
                out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[" and (klass := _char_class(part, position)) is not None:
            expression, position = klass
            out.append(expression)
            continue
        else:
            out.append(re.escape(char))
        position += 1
    try:
        return re.compile("".join(out), re.DOTALL)
    except re.error:  # e.g. a reversed range such as [z-a]: matches literally
        return re.compile(re.escape(part), re.DOTALL)


def _char_class(part: str, start: int) -> tuple[str, int] | None:
    """``[...]`` starting at ``start`` as a regex class and the index after it, or None."""
    position = start + 1
    negate = position < len(part) and part[position] in "!^"
    if negate:
        position += 1
    members: list[str] = []
    first = True
    while position < len(part):
        char = part[position]
        if char == "]" and not first:
            body = "".join(members)
            return ("[^" if negate else "[") + body + "]", position + 1
        if char == "\\" and position + 1 < len(part):
            position += 1
            members.append(re.escape(part[position]))
        elif char == "-" and not first and position + 1 < len(part) and part[position + 1] != "]":
            members.append("-")
        else:
            members.append(re.escape(char))
        first = False
        position += 1
    return None


def _matches(segments: tuple[Segment, ...], parts: Sequence[str]) -> bool:
    """Whether path ``parts`` match glob ``segments`` (``**`` spans zero or more parts)."""
    seg = part = 0
    star_seg, star_part = -1, 0
    while part < len(parts):
        if seg < len(segments) and segments[seg] == _GLOBSTAR:
            star_seg, star_part = seg, part
            seg += 1
        elif seg < len(segments) and _segment_matches(segments[seg], parts[part]):
            seg += 1
            part += 1
        elif star_seg >= 0:
            star_part += 1
            seg, part = star_seg + 1, star_part
        else:
            return False
    while seg < len(segments) and segments[seg] == _GLOBSTAR:
        seg += 1
    return seg == len(segments)


def _segment_matches(segment: Segment, name: str) -> bool:
    return isinstance(segment, re.Pattern) and segment.fullmatch(name) is not None


def _may_match_below(segments: tuple[Segment, ...], parts: Sequence[str]) -> bool:
    """Whether something under directory ``parts`` could match ``segments``."""
    for position, name in enumerate(parts):
        if position >= len(segments):
            return False
        if segments[position] == _GLOBSTAR:
            return True
        if not _segment_matches(segments[position], name):
            return False
    return True


def _selected(globs: Sequence[_Glob], parts: Sequence[str]) -> bool:
    """Whether a file is selected: the patterns apply in order, ``!`` ones remove."""
    selected = False
    for glob in globs:
        # An include only matters while unselected, an exclude only while selected.
        if glob.dirs_only or selected != glob.negate:
            continue
        if _matches(glob.segments, parts):
            selected = not glob.negate
    return selected


# --- search --------------------------------------------------------------------------------


def _search(root: Path, globs: Sequence[_Glob], follow: bool) -> list[str]:
    """Workspace-relative POSIX paths of the regular files the globs select."""
    includes = [glob for glob in globs if not glob.negate]
    found: list[str] = []
    stack: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((), (os.path.realpath(root),))]
    while stack:
        parts, chain = stack.pop()
        directory = root.joinpath(*parts)
        try:
            with os.scandir(directory) as entries:
                listing = list(entries)
        except OSError as error:
            raise ExpressionError(
                f"hashFiles: cannot list '{'/'.join(parts) or '.'}': {error.strerror}"
            ) from None
        for entry in listing:
            child = (*parts, entry.name)
            is_dir = entry.is_dir(follow_symlinks=False)
            if not is_dir and follow and entry.is_symlink() and entry.is_dir():
                real = os.path.realpath(entry.path)
                if real in chain:  # a symlink cycle
                    continue
                if _descend(includes, child):
                    stack.append((child, (*chain, real)))
                continue
            if is_dir:
                if _descend(includes, child):
                    stack.append((child, chain))
                continue
            if _selected(globs, child) and _is_regular_file(entry, child, follow):
                found.append("/".join(child))
    return found


def _descend(includes: Sequence[_Glob], parts: tuple[str, ...]) -> bool:
    return any(_may_match_below(glob.segments, parts) for glob in includes)


def _is_regular_file(entry: os.DirEntry[str], parts: tuple[str, ...], follow: bool) -> bool:
    try:
        mode = entry.stat(follow_symlinks=True).st_mode
    except FileNotFoundError:
        if follow:  # @actions/glob omits broken links when following them
            return False
        raise ExpressionError(f"hashFiles: '{'/'.join(parts)}' is a broken symbolic link") from None
    except OSError as error:
        raise ExpressionError(
            f"hashFiles: cannot read '{'/'.join(parts)}': {error.strerror}"
        ) from None
    return stat.S_ISREG(mode)
