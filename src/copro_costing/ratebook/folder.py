"""Reading a rates folder (TOML files) into a RateBook, reporting every problem at once.

Each table's rows are validated one by one, so a bad row never hides the problems in
the rows after it; cross-table consistency checks (unknown roles, unknown headings,
two versions on one date) run over whatever did validate. The result is either a
RateBook or one InputError listing every ``FILE:LINE: field: message``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError, Problem, close_match
from ..tomlfile import LineIndex, field_path, problems_from, read_toml
from .location import ENV_VAR, bundled_rates_dir, choose_rates  # noqa: F401 (ENV_VAR, bundled_rates_dir: re-exported)
from .models import APPLICANTS, ROW_TYPES, Funder, FunderShare, RateBook, Row, Service

FILES: dict[str, tuple[str, ...]] = {
    "roles.toml": ("roles",),
    "coproducer.toml": ("coproducer_rate",),
    "expenses.toml": ("expense_defaults",),
    "tax.toml": ("vat", "uplift", "vat_recovery"),
    "currency.toml": ("exchange_rates",),
    "funders.toml": ("funders", "funder_shares"),
    "services.toml": ("services",),
}
"""Which file holds which tables. Every file is required."""

OPTIONAL_TABLES = frozenset({"vat_recovery"})
"""Tables a folder made before they existed may lack: such a folder still prices as it did
(a costing that needs the missing rule says so in a warning). Given, a table is checked in full."""

TABLE_FILE = {table: file for file, tables in FILES.items() for table in tables}

KEY_FIELD = {"funder_shares": "funder", "vat_recovery": "applicant"}
"""The field naming a row's item where it is not ``id`` (for rows that failed validation)."""


def empty_table_message(table: str) -> str:
    if table in OPTIONAL_TABLES:
        return (f"{table} has no rows: give its rows, or leave the table out (costings then price as they did "
                "before this table existed, marked illustrative)")
    return f"{table} has no rows: every table needs at least one, or a costing that needs it cannot be priced"


def default_rates_dir() -> Path:
    """The folder used when none is given: ``$COPRO_COSTING_RATES``, the config file's, else the bundled one."""
    return choose_rates().folder


@dataclass(frozen=True)
class Located:
    """Where a row was written: its file, its index in the table, its line."""

    file: str
    table: str
    index: int
    index_lines: LineIndex

    def line(self, *fields: str) -> int | None:
        return self.index_lines.line((self.table, self.index, *fields))

    def position(self, *fields: str) -> str:
        """Where a field is, in words a person can follow (``line 12``)."""
        line = self.line(*fields)
        return f"line {line}" if line is not None else f"{self.table}[{self.index}]"

    def problem(self, field: str, message: str) -> Problem:
        parts = tuple(field.split(".")) if field else ()
        return Problem(
            self.file,
            self.line(*parts),
            field_path((self.table, self.index, *parts)),
            message,
        )


def _display(folder: Path, name: str) -> str:
    return str(folder / name)


@dataclass
class FolderRead:
    """Everything read from a rates folder: valid rows with where they were written,
    every problem, the files that could not be read at all, and the ids of rows that
    failed validation (so a reference to them is not also reported as unknown)."""

    rows: dict[str, list[tuple[Row, Located]]]
    problems: list[Problem]
    unreadable: list[str]
    invalid_keys: dict[str, set[str]]


def read_folder_details(folder: Path | str) -> FolderRead:
    """Like :func:`read_folder`, with the unreadable files and invalid rows' ids too."""
    folder = Path(folder)
    problems: list[Problem] = []
    rows: dict[str, list[tuple[Row, Located]]] = {table: [] for table in ROW_TYPES}
    invalid: dict[str, set[str]] = {table: set() for table in ROW_TYPES}
    if not folder.exists():
        return FolderRead(rows, [Problem(str(folder), None, "", "rates folder not found")], list(FILES), invalid)
    if not folder.is_dir():
        return FolderRead(rows, [Problem(str(folder), None, "", "expected a rates folder, found a file")], list(FILES), invalid)
    unreadable: list[str] = []
    for file, tables in FILES.items():
        path = folder / file
        name = _display(folder, file)
        if not path.exists():
            problems.append(
                Problem(name, None, "", f"required rates file is missing (it holds: {', '.join(tables)})")
            )
            unreadable.append(file)
            continue
        try:
            data, index = read_toml(path, name)
        except InputError as exc:
            problems.extend(exc.problems)
            unreadable.append(file)
            continue
        problems.extend(_read_tables(data, index, name, tables, rows, invalid))
    return FolderRead(rows, problems, unreadable, invalid)


def _read_tables(
    data: dict[str, Any],
    index: LineIndex,
    name: str,
    tables: tuple[str, ...],
    rows: dict[str, list[tuple[Row, Located]]],
    invalid: dict[str, set[str]] | None = None,
) -> list[Problem]:
    problems = []
    for key in data:
        if key not in tables:
            problems.append(
                Problem(name, index.line((key,)), key,
                        f"unknown table (expected {' or '.join(f'[[{t}]]' for t in tables)})")
            )
    for table in tables:
        entries = data.get(table)
        if entries is None:
            if table in OPTIONAL_TABLES:
                continue
            problems.append(Problem(name, None, table, f"no [[{table}]] rows in this file"))
            continue
        if entries == []:
            problems.append(Problem(name, index.line((table,)), table, empty_table_message(table)))
            continue
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            problems.append(Problem(name, index.line((table,)), table,
                                    f"expected [[{table}]] rows (got {type(entries).__name__})"))
            continue
        model = ROW_TYPES[table]
        for i, entry in enumerate(entries):
            try:
                row = model.model_validate(entry)
            except ValidationError as exc:
                problems.extend(problems_from(exc, name, index, prefix=(table, i), model=model))
                key = entry.get(KEY_FIELD.get(table, "id"))
                if invalid is not None and isinstance(key, str):
                    invalid[table].add(key.strip())
                continue
            rows[table].append((row, Located(name, table, i, index)))
    return problems


def duplicate_problems(rows: dict[str, list[tuple[Row, Located]]]) -> list[Problem]:
    """No two versions of one item may take effect on the same date."""
    problems: list[Problem] = []
    for table, entries in rows.items():
        seen: dict[tuple[str, date], Located] = {}
        for row, where in entries:
            marker = (row.key, row.effective)
            if marker in seen:
                first = seen[marker]
                what = f"{row.key!r}" if row.key else table
                problems.append(where.problem(
                    "effective",
                    f"two versions of {what} take effect on {row.effective.isoformat()} "
                    f"(the other is at {first.position('effective')}); add a new date instead",
                ))
            else:
                seen[marker] = where
    return problems


def reference_problems(
    rows: dict[str, list[tuple[Row, Located]]], also_known: dict[str, set[str]] | None = None
) -> list[Problem]:
    """Every role a service names exists; every heading a funder maps to is one of its own.

    ``also_known`` holds ids of rows that exist but failed validation (already reported).
    """
    problems: list[Problem] = []
    role_ids = {row.key for row, _ in rows["roles"]}
    known_roles = role_ids | (also_known or {}).get("roles", set())
    for row, where in rows["services"]:
        assert isinstance(row, Service)
        for role in row.effort:
            if role not in known_roles:
                problems.append(where.problem(
                    f"effort.{role}",
                    f"unknown role {role!r} (roles are: {', '.join(sorted(role_ids)) or 'none'})",
                ))
    shared = {row.funder for row, _ in rows["funder_shares"] if isinstance(row, FunderShare)}
    shared |= (also_known or {}).get("funder_shares", set())  # a share row that failed validation is reported already
    funder_ids = {row.key for row, _ in rows["funders"]}
    known_funders = funder_ids | (also_known or {}).get("funders", set())
    for row, where in rows["funders"]:
        assert isinstance(row, Funder)
        for mistake in row.unknown_headings():
            column, message = mistake.split(": ", 1)
            problems.append(where.problem(column, message))
        if not row.direct_commission and row.id not in shared:
            problems.append(where.problem("headings", (
                f"funder {row.id!r} has headings but no [[funder_shares]] row: add one for each kind of "
                "applicant it funds (university, nhs, charity, business, public-body)"
            )))
    for row, where in rows["funder_shares"]:
        assert isinstance(row, FunderShare)
        if row.funder not in known_funders:
            problems.append(where.problem("funder", (
                f"unknown funder {row.funder!r} (funders are: {', '.join(sorted(funder_ids)) or 'none'})"
            )))
    return problems + vat_recovery_problems(rows, also_known)


def vat_recovery_problems(
    rows: dict[str, list[tuple[Row, Located]]], also_known: dict[str, set[str]] | None = None
) -> list[Problem]:
    """A ``[[vat_recovery]]`` table, once given, names every kind of applicant: a costing
    is never priced on a guess of whether its applicant recovers VAT."""
    entries = rows.get("vat_recovery", [])
    if not entries:
        return []
    unread = (also_known or {}).get("vat_recovery", set())  # rows that failed validation, reported already
    given = {row.key for row, _ in entries} | unread
    # A kind a misspelt row most likely meant ("universty") is that row's problem, not a second one.
    missing = [kind for kind in APPLICANTS if kind not in given and close_match(kind, unread) is None]
    if not missing:
        return []
    return [entries[0][1].problem("applicant", (
        f"no [[vat_recovery]] row says whether these applicants recover the VAT they pay: {', '.join(missing)}; "
        f"add a row for each kind of applicant ({', '.join(APPLICANTS)}), with its source"
    ))]



def as_book(rates: RateBook | Path | str | None, what: str = "rates") -> RateBook:
    """The rate book a library call was given: a RateBook, a rates folder's path (read
    with :func:`load_rates`), or None for the bundled or configured tables."""
    if rates is None or isinstance(rates, (str, Path)):
        return load_rates(rates)
    if isinstance(rates, RateBook):
        return rates
    raise TypeError(f"{what}: expected a RateBook from load_rates(DIR) or a rates folder's path "
                    f"(got {type(rates).__name__})")

_LOADED: dict[tuple[object, ...], RateBook] = {}
KEPT = 16
"""Folder states whose tables are kept: a long-running server does not keep every update."""


def _file_state(folder: Path) -> tuple[object, ...]:
    """What identifies a folder's contents cheaply: each rates file's size and mtime."""
    state: list[object] = [str(folder.resolve())]
    for name in FILES:
        try:
            info = (folder / name).stat()
        except OSError:
            return ()  # something is missing: read it properly and report
        state.append((name, info.st_size, info.st_mtime_ns))
    return tuple(state)


def load_rates(folder: Path | str | None = None) -> RateBook:
    """Read and validate a rates folder (default: ``$COPRO_COSTING_RATES`` or the bundled one).

    Raises InputError listing every problem in every file. A folder whose files have not
    changed since it was last read is not read again (notebooks price many scenarios).
    """
    folder = Path(folder) if folder is not None else default_rates_dir()
    state = _file_state(folder)
    if state and state in _LOADED:
        _LOADED[state] = _LOADED.pop(state)  # the most recently used last
        return _LOADED[state]
    book = _read_and_check(folder)
    if state:
        _LOADED[state] = book
        while len(_LOADED) > KEPT:
            del _LOADED[next(iter(_LOADED))]  # the least recently used
    return book


def _read_and_check(folder: Path) -> RateBook:
    read = read_folder_details(folder)
    rows, problems = read.rows, list(read.problems)
    if not any(p.file == str(folder) for p in problems):
        problems.extend(duplicate_problems(rows))
        if not read.unreadable:  # a file that could not be read would make its ids look unknown
            problems.extend(reference_problems(rows, read.invalid_keys))
    if problems:
        raise InputError(sorted_problems(problems))
    return RateBook(
        tables={table: tuple(row for row, _ in entries) for table, entries in rows.items()},
        origin=str(folder),
        files=dict(TABLE_FILE),
    )


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """File order, then line order; problems without a line first within their file."""
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.field, p.message))
