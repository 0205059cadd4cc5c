"""seqgen's own error types: every error a user can cause is one of these, with a one-line message.

The CLI turns a ``SeqgenError`` into ``seqgen: error: <message>`` and exit code 2; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a source file; ``line`` and ``column`` are 1-based, 0 when unknown."""

    source: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.source}:{self.line}:{self.column}"
        if self.line:
            return f"{self.source}:{self.line}"
        return self.source


class SeqgenError(Exception):
    """Base of every error caused by input, options or files rather than by a bug."""


class LocatedError(SeqgenError):
    """An error at one place in a file: ``file:line:col: message``."""

    def __init__(self, location: Location, message: str):
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}")


class NotationError(SeqgenError):
    """One or more problems reading a file; the first is the message, all are in ``problems``."""

    def __init__(self, problems: list[LocatedError]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")
