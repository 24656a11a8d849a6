"""Errors as values with a location: file, field path and, where it can be found, line.

Readers collect every :class:`Problem` they find and raise one :class:`InputError`
holding all of them, so a user fixes a file in one pass instead of one error per run.
Each problem prints as ``FILE:LINE: field.path: what was expected (got X)``, a form
editors and terminals can jump to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation only: the ground floor never imports the rate book
    from .ratebook.rows import Row


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, and where it is."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


def in_line_order(problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` sorted by file and line (a problem with no line first in its file); stable, so
    problems at one line keep the order they were found in. Every list a user sees is in this order."""
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


class RateLookupError(LookupError):
    """No version of a rate-table item is in force on the date asked (exit code 2)."""


class RetiredError(RateLookupError):
    """The item was retired (``until``) before the date asked for; ``row`` is the retired version."""

    def __init__(self, message: str, row: Row | None = None) -> None:
        super().__init__(message)
        self.row = row


class InputError(Exception):
    """A user's input is wrong. Carries every problem found; the CLI exits with code 2."""

    def __init__(self, problems: Iterable[Problem], outcome: str = "") -> None:
        """``outcome``: what the problems mean for the whole run, said once after them (the
        command line: "1 problem: no costing could be used …; nothing was written")."""
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.outcome = outcome
        super().__init__("\n".join([*(str(p) for p in self.problems), *([outcome] if outcome else [])]))

    def __reduce__(self) -> tuple[type[InputError], tuple[tuple[Problem, ...], str]]:
        """Pickled with its problems (so it crosses to and from worker processes whole)."""
        return type(self), (self.problems, self.outcome)

    @classmethod
    def one(cls, file: str, message: str, field: str = "", line: int | None = None) -> InputError:
        return cls([Problem(file, line, field, message)])


def did_you_mean(given: str, known: Iterable[str]) -> str:
    """``; did you mean 'x'? (known: a, b, c)`` for an unknown id or field; empty when nothing is known."""
    names = sorted(dict.fromkeys(known))
    if not names:
        return ""
    close = close_match(given, names)
    hint = f"; did you mean {close!r}?" if close else ""
    return f"{hint} (known: {', '.join(names)})"


def close_match(given: str, known: Iterable[str]) -> str | None:
    """The one of ``known`` that ``given`` most likely misspells, if any is close."""
    import difflib

    close = difflib.get_close_matches(given, list(known), n=1, cutoff=0.6)
    return close[0] if close else None
