"""``copro-costing rates check``: every problem in a rates folder, at once, with its line.

Field validation is the row models' (:mod:`copro_costing.ratebook`); the checks here look
across rows and tables, the kind of mistake a careful person still makes when adding
next year's figures: two versions on one date, a year typed wrong, a service naming a
role that does not exist, an item with nothing in force today.

The same checks run on a workbook being imported (:mod:`copro_costing.export.rates_xlsx`),
so a folder and a workbook are held to exactly the same rules. Each check is a small
function returning a list of problems; "today" is a parameter so tests can fix it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from .errors import InputError, Problem
from .ratebook import SINGULAR, RateBook, Row, Service
from .tables import FILES, TABLE_FILE, duplicate_problems, read_folder_details, reference_problems, sorted_problems

FUTURE_YEARS = 2
"""An effective date more than this many years after today is probably a typo."""

MUST_BE_IN_FORCE = ("roles", "services", "funders", "coproducer_rate", "vat", "uplift")
"""Tables whose every item must have a version in force today (a costing made today needs them)."""


class Where(Protocol):
    """Where a row was written: a TOML line (tables.Located) or a workbook cell."""

    def problem(self, field: str, message: str) -> Problem: ...

    def position(self, *fields: str) -> str: ...


Rows = Mapping[str, Sequence[tuple[Row, Any]]]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def future_problems(rows: Rows, today: date) -> list[Problem]:
    """No effective date more than two years after today."""
    limit = add_years(today, FUTURE_YEARS)
    problems = []
    for entries in rows.values():
        for row, where in entries:
            if row.effective > limit:
                problems.append(where.problem("effective", (
                    f"takes effect on {row.effective.isoformat()}, more than {FUTURE_YEARS} years after "
                    f"today ({today.isoformat()}): is the year a typo?"
                )))
    return problems


def _what(table: str, key: str) -> str:
    name = SINGULAR.get(table, table)
    return f"{name} {key!r}" if key else name


def in_force_problems(rows: Rows, today: date) -> list[Problem]:
    """Every role, service, funder, co-producer rate, VAT rate and uplift has a version in force today."""
    problems = []
    for table in MUST_BE_IN_FORCE:
        first: dict[str, tuple[Row, Any]] = {}
        for row, where in rows.get(table, ()):
            if row.key not in first or row.effective < first[row.key][0].effective:
                first[row.key] = (row, where)
        for key, (row, where) in first.items():
            if row.effective > today:
                problems.append(where.problem("effective", (
                    f"no version of {_what(table, key)} is in force today ({today.isoformat()}): the first "
                    f"takes effect on {row.effective.isoformat()}, so a costing made today cannot use it"
                )))
    return problems


def _earliest(rows: Rows, table: str) -> dict[str, date]:
    out: dict[str, date] = {}
    for row, _ in rows.get(table, ()):
        if row.key not in out or row.effective < out[row.key]:
            out[row.key] = row.effective
    return out


def service_start_problems(rows: Rows) -> list[Problem]:
    """A service version's roles (and the co-producer rate, if it includes co-producers)
    are in force on the day that version takes effect, so it can be priced from then."""
    roles = _earliest(rows, "roles")
    coproducer = _earliest(rows, "coproducer_rate").get("")
    problems = []
    for row, where in rows.get("services", ()):
        assert isinstance(row, Service)
        for role in row.effort:
            if role in roles and roles[role] > row.effective:
                problems.append(where.problem(f"effort.{role}", (
                    f"role {role!r} has no version in force on {row.effective.isoformat()}, when this version "
                    f"of the service takes effect (its first takes effect on {roles[role].isoformat()})"
                )))
        if row.coproducers is not None and coproducer is not None and coproducer > row.effective:
            problems.append(where.problem("coproducers", (
                f"no co-producer rate is in force on {row.effective.isoformat()}, when this version of the "
                f"service takes effect (the first takes effect on {coproducer.isoformat()})"
            )))
    return problems


def check_rows(
    rows: Rows,
    today: date,
    *,
    also_known: dict[str, set[str]] | None = None,
    complete: bool = True,
) -> list[Problem]:
    """Every consistency check over rows that validated.

    ``complete`` is False when a whole file or sheet could not be read: then checks that
    need every table (unknown roles, items in force) are skipped rather than reporting
    the consequences of the one real problem many times over.
    """
    mutable = {table: list(entries) for table, entries in rows.items()}
    problems = duplicate_problems(mutable) + future_problems(rows, today)  # type: ignore[arg-type]
    if complete:
        problems += reference_problems(mutable, also_known)  # type: ignore[arg-type]
        problems += in_force_problems(rows, today)
        problems += service_start_problems(rows)
    return problems


@dataclass(frozen=True)
class CheckReport:
    """The outcome of checking a rates folder (or workbook)."""

    source: str
    today: date
    problems: tuple[Problem, ...]
    files: int = 0
    rows: int = 0
    items: int = 0
    in_force: int = 0
    illustrative: int = 0
    book: RateBook | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One short paragraph for a person (the problems are printed one per line instead)."""
        if not self.ok:
            noun = "problem" if len(self.problems) == 1 else "problems"
            return f"{self.source}: {len(self.problems)} {noun}"
        text = (
            f"OK: {self.source}: {self.files} files, {self.rows} rows, {self.items} items; "
            f"{self.in_force} in force today ({self.today.isoformat()})"
        )
        if self.illustrative:
            text += (
                f", {self.illustrative} of them illustrative placeholders "
                "(replace with finance-approved figures before relying on them)"
            )
        return text + "."

    def raise_for_problems(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def book_from_rows(rows: Rows, origin: str) -> RateBook:
    return RateBook(
        tables={table: tuple(row for row, _ in entries) for table, entries in rows.items()},
        origin=origin,
        files=dict(TABLE_FILE),
    )


def report(source: str, rows: Rows, problems: list[Problem], today: date, files: int) -> CheckReport:
    """Counts for the OK summary, and the book when there is nothing wrong."""
    book = book_from_rows(rows, source)
    in_force = list(book.rows_in_force(today))
    return CheckReport(
        source=source,
        today=today,
        problems=tuple(problems),
        files=files,
        rows=sum(len(entries) for entries in rows.values()),
        items=len({(table, row.key) for table, entries in rows.items() for row, _ in entries}),
        in_force=len(in_force),
        illustrative=sum(1 for _, row in in_force if row.illustrative),
        book=None if problems else book,
    )


def check_folder(folder: Path | str, today: date | None = None) -> CheckReport:
    """Validate a rates folder: every field, then every consistency check. Nothing is raised."""
    folder = Path(folder)
    today = today or date.today()
    if folder.is_dir() and not any((folder / name).exists() for name in FILES):
        problem = Problem(str(folder), None, "", (
            f"no rates files in this folder (expected {', '.join(FILES)}): is this the rates folder?"
        ))
        return CheckReport(str(folder), today, (problem,))
    read = read_folder_details(folder)
    complete = not read.unreadable and not any(p.file == str(folder) for p in read.problems)
    problems = read.problems + check_rows(read.rows, today, also_known=read.invalid_keys, complete=complete)
    problems = sorted_problems(problems)
    return report(str(folder), read.rows, problems, today, files=len(FILES) - len(read.unreadable))
