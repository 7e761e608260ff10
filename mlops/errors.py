"""User-facing errors: a message, an optional source location, and an exit code.

Library code raises these; the CLI prints ``str(error)`` as one line on stderr and
exits with ``error.exit_code``. Anything else that escapes is a bug in mlops.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1  # the work ran and failed (a job failed, lint found problems)
EXIT_INVALID = 2  # invalid input, or the work could not start


@dataclass(frozen=True)
class Location:
    """A position in a user's file; ``line`` and ``column`` are 1-based."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class MlopsError(Exception):
    """Base of every error the user can cause or fix; never shown as a traceback."""

    exit_code = EXIT_INVALID

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class UsageError(MlopsError):
    """Invalid input: a bad flag value, a bad answer, a path that cannot be used."""


class WorkFailedError(MlopsError):
    """The work started and failed (a job failed, a linter found problems)."""

    exit_code = EXIT_FAILED
