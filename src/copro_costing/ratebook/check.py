"""``copro-costing rates check``: every problem in a rates folder, at once, with its line.

Field validation is the row models' (:mod:`copro_costing.ratebook`); the checks here look
across rows and tables, the kind of mistake a careful person still makes when adding
next year's figures: two versions on one date, a year typed wrong, a service naming a
role that does not exist, an item with nothing in force today.

The same checks run on a workbook being imported (:mod:`copro_costing.export.rates_import`),
so a folder and a workbook are held to exactly the same rules. Each check is a small
function returning a list of problems; "today" is a parameter so tests can fix it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from ..dates import year_start
from ..errors import InputError, Problem
from ..tomlfile import read_toml
from .folder import (
    FILES,
    OPTIONAL_TABLES,
    TABLE_FILE,
    duplicate_problems,
    empty_table_message,
    read_folder_details,
    reference_problems,
    sorted_problems,
)
from .models import ROW_TYPES, SINGULAR, RateBook, Row, Service

FUTURE_YEARS = 2
"""An effective date more than this many years after today is probably a typo."""

MUST_BE_IN_FORCE = ("roles", "services", "funders", "coproducer_rate", "vat", "uplift", "vat_recovery")
"""Tables whose every item must have a version in force today (a costing made today needs them)."""


class Where(Protocol):
    """Where a row was written: a TOML line (tables.Located) or a workbook cell."""

    def problem(self, field: str, message: str) -> Problem: ...

    def position(self, *fields: str) -> str: ...


Rows = Mapping[str, Sequence[tuple[Row, Any]]]

TableWhere = Callable[[str, str], Problem]
"""``where(table, message)``: a problem about a whole table, at the file or sheet that holds it."""


def empty_problems(rows: Rows, where: TableWhere, skip: Collection[str] = ()) -> list[Problem]:
    """Every table has at least one row (``skip``: tables whose rows could not all be read;
    an optional table may be left out, as a folder made before it existed does).

    An empty table (``uplift = []``) reads without error, but every costing that needs
    it then fails: no version of it is ever in force.
    """
    return [
        where(table, empty_table_message(table))
        for table in ROW_TYPES
        if table not in skip and table not in OPTIONAL_TABLES and not rows.get(table)
    ]


def future_problems(rows: Rows, today: date) -> list[Problem]:
    """No effective date more than two years after today."""
    limit = year_start(today, FUTURE_YEARS + 1)  # the same day, FUTURE_YEARS years on
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


def _first_versions(rows: Rows, table: str) -> dict[str, tuple[Row, Any]]:
    """Each item's earliest version in ``table``, with where it was written."""
    first: dict[str, tuple[Row, Any]] = {}
    for row, where in rows.get(table, ()):
        if row.key not in first or row.effective < first[row.key][0].effective:
            first[row.key] = (row, where)
    return first


def _earliest(rows: Rows, table: str) -> dict[str, date]:
    return {key: row.effective for key, (row, _) in _first_versions(rows, table).items()}


def in_force_problems(rows: Rows, today: date) -> list[Problem]:
    """Every role, service, funder, co-producer rate, VAT rate, uplift and VAT recovery rule has a version in force today."""
    problems = []
    for table in MUST_BE_IN_FORCE:
        for key, (row, where) in _first_versions(rows, table).items():
            if row.effective > today:
                problems.append(where.problem("effective", (
                    f"no version of {_what(table, key)} is in force today ({today.isoformat()}): the first "
                    f"takes effect on {row.effective.isoformat()}, so a costing made today cannot use it"
                )))
    return problems


def service_start_problems(rows: Rows) -> list[Problem]:
    """A service version's roles (and the co-producer rate, if it includes co-producers)
    are in force on the day that version takes effect, so it can be priced from then."""
    roles = _earliest(rows, "roles")
    coproducer = _earliest(rows, "coproducer_rate").get("standard")
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


def retirement_problems(rows: Rows) -> list[Problem]:
    """A retired item ends on or after it began, and its replacement is an item of the same table."""
    problems = []
    for table, entries in rows.items():
        keys = {row.key for row, _ in entries}
        for row, where in entries:
            if row.until is not None and row.until < row.effective:
                problems.append(where.problem("until", (
                    f"until ({row.until.isoformat()}) is before this version takes effect ({row.effective.isoformat()})"
                )))
            if row.replaced_by is not None:
                if row.until is None:
                    problems.append(where.problem("replaced_by", "replaced_by names a replacement: give until too"))
                elif row.replaced_by not in keys or row.replaced_by == row.key:
                    problems.append(where.problem("replaced_by", (
                        f"{row.replaced_by!r} is not another {SINGULAR.get(table, table)} in these tables"
                    )))
    return problems


def check_rows(
    rows: Rows,
    today: date,
    *,
    also_known: dict[str, set[str]] | None = None,
    complete: bool = True,
    table_where: TableWhere | None = None,
    unread: Collection[str] = (),
) -> list[Problem]:
    """Every consistency check over rows that validated.

    ``complete`` is False when a whole file or sheet could not be read: then checks that
    need every table (unknown roles, items in force) are skipped rather than reporting
    the consequences of the one real problem many times over. ``unread`` names the
    tables not read in full (a file or sheet that could not be read, or a row already
    reported as invalid): they are not also called empty. ``table_where`` places a
    problem about a whole table (default: its file name).
    """
    where = table_where or _table_file
    mutable = {table: list(entries) for table, entries in rows.items()}
    problems = empty_problems(rows, where, unread)
    problems += duplicate_problems(mutable) + future_problems(rows, today)
    if complete:
        problems += reference_problems(mutable, also_known)
        problems += in_force_problems(rows, today)
        problems += service_start_problems(rows)
        problems += retirement_problems(rows)
    return problems


def _table_file(table: str, message: str) -> Problem:
    return Problem(TABLE_FILE.get(table, table), None, table, message)


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


def book_from_rows(rows: Rows, origin: str) -> RateBook:
    return RateBook(
        tables={table: tuple(row for row, _ in entries) for table, entries in rows.items()},
        origin=origin,
        files=dict(TABLE_FILE),
    )


def report(source: str, rows: Rows, problems: list[Problem], today: date, files: int) -> CheckReport:
    """The problems, and the counts for the OK summary."""
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
    problems = read.problems + check_rows(
        read.rows, today, also_known=read.invalid_keys, complete=complete,
        table_where=_folder_table_where(folder), unread=_unread_tables(folder, read.unreadable, read.problems),
    )
    problems = sorted_problems(problems)
    return report(str(folder), read.rows, problems, today, files=len(FILES) - len(read.unreadable))


def _unread_tables(folder: Path, unreadable: Collection[str], problems: Sequence[Problem]) -> set[str]:
    """Tables of files that could not be read, and tables with a problem already reported
    (a row that failed validation, ``[[uplift]]`` missing): none of them is called empty."""
    out = {table for file in unreadable for table in FILES.get(file, ())}
    for problem in problems:
        if problem.file == str(folder):
            return set(ROW_TYPES)
        for file, tables in FILES.items():
            if problem.file != str(folder / file):
                continue
            out.update(t for t in tables if problem.field == t or problem.field.startswith((f"{t} entry ", f"{t}.")))
    return out


def _folder_table_where(folder: Path) -> TableWhere:
    """A problem about a whole table, at the line of its file that names it (``uplift = []``)."""

    def where(table: str, message: str) -> Problem:
        path = folder / TABLE_FILE[table]
        try:
            _, index = read_toml(path, str(path))
            line = index.line((table,))
        except InputError:
            line = None
        return Problem(str(path), line, table, message)

    return where
