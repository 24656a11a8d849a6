"""The rate tables as an Excel workbook, and back: ``rates export`` / ``rates import``.

For staff who prefer Excel. One sheet per table, named as the table (``roles``,
``services`` …); row 1 holds the field names, one row per version of an item, the
whole history included. Nested fields are spread over columns (see
:mod:`copro_costing.ratecolumns`): ``effort.<role>`` per role, ``coproducers.people``
/ ``.hours`` / ``.prep_hours``, ``headings.1`` … and ``heading_for.<kind>``. Columns
that take one of a fixed set of values (``internal_policy``, ``prices``, ``currency``)
carry a drop-down list. An ``about`` sheet explains every column; it is ignored on import.

Numbers are stored as real numbers so Excel shows and sorts them as numbers. Reading
them back never trusts a binary float blindly: a number cell becomes a Decimal through
its shortest repr (``0.1`` stays ``0.1``) and the places its number format shows
(``520`` in a ``0.00`` cell is ``520.00``), then the row model refuses money with more
than two decimal places, exactly as it would from TOML. A value written with more than
15 significant digits (which a float cannot hold) is stored as text instead.

A cell Excel holds differently from what it shows is refused rather than guessed at:
a formula, an error (``#REF!``), and a number in a percentage format (typing ``20%``
stores 0.2; percentages are typed as percent, 20 for 20%).

Importing validates exactly like ``rates check`` (the same models, the same
consistency checks) and reports each problem at its sheet, cell and column
(``rates.xlsx:roles!D5: internal_day_rate: …``). History is protected: a row already
in the rates folder that the workbook changes or leaves out is a problem too, unless
the import is told it is a deliberate correction (``allow_history_edit``). The TOML
files are written only when there is no problem at all, each checked to read back
exactly before any is replaced. The workbook is saved with stable bytes (see
:mod:`.workbook_file`). openpyxl is imported only under ``export/``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..atomic import write_files_atomic
from ..errors import InputError, Problem
from ..money import places
from ..ratebook import ROW_TYPES, RateBook, Row
from ..ratecolumns import Column, column_for, columns, flatten, item_label, table_columns, unflatten
from ..ratescheck import check_rows
from ..ratesfile import default_header, header_of, render_file, verify_round_trip
from ..tables import FILES, TABLE_FILE, FolderRead, Located, read_folder_details
from ..tomlfile import problems_from

ABOUT_SHEET = "about"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
FLOAT_DIGITS = 15
"""Significant digits a binary float holds exactly; longer numbers are stored as text."""

_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037\r]")
_EFFORT = re.compile(r"^effort\.(.+)$")
_HEADING = re.compile(r"^headings\.([1-9][0-9]*)$")


# Export ------------------------------------------------------------------------------------


def _number_format(value: Decimal, kind: str) -> str:
    """A format showing exactly the places ``value`` was written with (so they read back)."""
    if kind == "money":
        return MONEY_FORMAT
    p = places(value)
    if p == 0 or places(value.normalize()) == p:
        return "General"
    return "0." + "0" * p


def _text_problem(book: RateBook, table: str, index: int, name: str, text: str) -> Problem | None:
    if _ILLEGAL.search(text):
        file = book.files.get(table, TABLE_FILE.get(table, table))
        where = str(Path(book.origin) / file) if book.origin else file
        return Problem(where, None, f"{table}[{index}].{name}",
                       "contains a control character (such as a carriage return) that a workbook cannot hold; remove it")
    return None


def write_rates_workbook(book: RateBook, path: Path | str) -> Path:
    """Write every row of every table (the whole history) to an Excel workbook, atomically."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from .workbook_file import save_workbook

    problems: list[Problem] = []
    wb = Workbook()
    about = wb.active
    about.title = ABOUT_SHEET
    role_ids = list(dict.fromkeys(r.key for r in book.rows("roles")))
    sheet_columns: dict[str, list[Column]] = {}
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for table in ROW_TYPES:
        rows = list(book.rows(table))
        cols = table_columns(table, rows, role_ids if table == "services" else ())
        sheet_columns[table] = cols
        ws = wb.create_sheet(table)
        for c, col in enumerate(cols, start=1):
            cell = ws.cell(row=1, column=c, value=col.name)
            cell.font = bold
            cell.fill = header_fill
            if col.description:
                cell.comment = Comment(col.description, "copro-costing")
        for r, row in enumerate(rows, start=2):
            flat = flatten(row)
            for c, col in enumerate(cols, start=1):
                value = flat.get(col.name)
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c)
                if isinstance(value, Decimal):
                    if len(value.as_tuple().digits) > FLOAT_DIGITS:
                        cell.value = format(value, "f")
                        cell.data_type = "s"
                    else:
                        cell.value = value
                        cell.number_format = _number_format(value, col.kind)
                elif isinstance(value, date):
                    cell.value = value
                    cell.number_format = DATE_FORMAT
                elif isinstance(value, str):
                    if problem := _text_problem(book, table, r - 2, col.name, value):
                        problems.append(problem)
                        continue
                    cell.value = value
                    cell.data_type = "s"  # never a formula, whatever it starts with
                    if "\n" in value:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                else:
                    cell.value = value
        for c, col in enumerate(cols, start=1):
            letter = get_column_letter(c)
            if col.choices:
                dv = DataValidation(
                    type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=col.name == "currency",
                    showErrorMessage=True, errorTitle=col.name,
                    error=f"{col.name} must be one of: {', '.join(col.choices)}",
                )
                dv.add(f"{letter}2:{letter}1048576")
                ws.add_data_validation(dv)
            width = max([len(col.name)] + [len(str(ws.cell(row=r, column=c).value or "")) for r in range(2, len(rows) + 2)])
            ws.column_dimensions[letter].width = min(max(width + 2, 10), 60)
        ws.freeze_panes = "B2" if cols and cols[0].name == "id" else "A2"
    if problems:
        raise InputError(problems)
    _write_about(about, sheet_columns, bold)
    wb.active = 0
    return save_workbook(wb, path, book_date(book))


def book_date(book: RateBook) -> date:
    """The time stamped into a rates workbook: the latest effective date in the book, so
    the same tables always give the same bytes (and new rows a new date)."""
    return max((row.effective for rows in book.tables.values() for row in rows), default=date(1980, 1, 1))


ABOUT_TEXT = (
    "Rate tables for copro-costing",
    "",
    "Each sheet is one table of rates. Each row is one version of an item, in force from its 'effective' date "
    "until the next row with the same id.",
    "Never change or delete an old row: a costing priced in the past must reproduce exactly. "
    "To change a rate, add a new row with the same id and a new effective date.",
    "Every row needs a source: where the figure comes from. Start it with 'illustrative' if it is a placeholder.",
    "Dates are YYYY-MM-DD. Amounts are in pounds with at most 2 decimal places (no £ sign needed). "
    "Percentages are written as percent: 20 means 20%.",
    "services: one effort.<role> column per role: staff days per unit; leave empty if the service does not use "
    "that role. To use a new role, add it on the roles sheet and add a column named effort.<its id>.",
    "services: coproducers.people / .hours / .prep_hours describe co-producer time included in each unit; "
    "leave all three empty if there is none.",
    "funders: headings.1, headings.2 ... are the funder's budget headings in order (add a column headings.7 for "
    "a seventh); each heading_for.<kind> must be one of them.",
    "Do not rename sheets or the column names in row 1; do not type formulas (type the value).",
    "Import with: copro-costing rates import THIS-FILE.xlsx RATES-FOLDER  "
    "(nothing is written unless every row is valid; every problem is listed with its sheet and cell).",
    "",
    "Columns",
)


def _write_about(ws: Any, sheet_columns: dict[str, list[Column]], bold: Any) -> None:
    for r, text in enumerate(ABOUT_TEXT, start=1):
        ws.cell(row=r, column=1, value=text).data_type = "s"
    ws.cell(row=1, column=1).font = bold
    r = len(ABOUT_TEXT) + 1
    for c, head in enumerate(("sheet", "column", "meaning"), start=1):
        ws.cell(row=r, column=c, value=head).font = bold
    for table, cols in sheet_columns.items():
        for col in cols:
            r += 1
            meaning = col.description
            if col.choices:
                meaning = (meaning + " " if meaning else "") + f"One of: {', '.join(col.choices)}."
            ws.cell(row=r, column=1, value=table)
            ws.cell(row=r, column=2, value=col.name)
            ws.cell(row=r, column=3, value=meaning).data_type = "s"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 32
    ws.column_dimensions["C"].width = 100


# Import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellWhere:
    """Where a row was written in a workbook; problems point at the cell of the field."""

    workbook: str
    sheet: str
    row: int
    letters: dict[str, str]  # column name -> column letter

    def cell(self, name: str | None) -> str:
        letter = self.letters.get(name or "") or "A"
        return f"{self.sheet}!{letter}{self.row}"

    def column(self, field_name: str) -> str | None:
        parts: list[str | int] = list(field_name.split(".")) if field_name else []
        return column_for(parts, list(self.letters))

    def problem(self, field_name: str, message: str) -> Problem:
        name = self.column(field_name)
        return Problem(f"{self.workbook}:{self.cell(name)}", None, name or "", message)

    def position(self, *fields: str) -> str:
        return self.cell(self.column(".".join(fields)))


def _format_places(number_format: str) -> int:
    section = (number_format or "General").split(";")[0]
    match = re.search(r"\.([0#]+)", section)
    return len(match.group(1)) if match else 0


def cell_decimal(value: int | float, number_format: str = "General") -> Decimal:
    """A number cell as an exact Decimal: shortest repr, padded to the places its format shows."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**FLOAT_DIGITS:
        result = Decimal(int(value))
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        result = Decimal(value)
    shown = _format_places(number_format)
    if shown > places(result):
        result = result.quantize(Decimal(1).scaleb(-shown))
    return result


_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
"""The parts of a number format that are not format codes: "quoted text", a character
after a backslash, and [bracketed] colours, conditions and currency symbols."""


def percent_format(number_format: str | None) -> bool:
    """Whether a number format shows numbers as percentages (Excel holds 20% as 0.2).

    A ``%`` in quotes or escaped (``0"%"``) is only a character shown after the number.
    """
    return "%" in _QUOTED.sub("", number_format or "")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _cell_value(cell: Any, col: Column) -> tuple[object, str | None]:
    """(value for the row model, or a problem message). Blank cells are filtered out before."""
    value = cell.value
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=") and cell.data_type != "s"):
        return None, "this cell holds a formula; type the value itself"
    if cell.data_type == "e":
        return None, f"this cell shows an error ({value}); type the value itself"
    if _is_number(value) and percent_format(cell.number_format):
        return None, (
            f"this cell has a percentage format, so Excel holds {format(cell_decimal(value), 'f')} where it shows "
            f"a percentage: type 20 for 20%, not a percentage format (format the cell as a number)"
        )
    if isinstance(value, datetime) and col.kind != "date":
        value = value.date() if value.time() == datetime.min.time() else value
        return (value.isoformat() if col.kind in ("text", "choice") else value), None
    if col.kind in ("money", "number", "percent", "int") and isinstance(value, (int, float)) and not isinstance(value, bool):
        number = cell_decimal(value, cell.number_format)
        if col.kind == "int" and number == number.to_integral_value():
            return int(number), None
        return number, None
    if col.kind == "date":
        if isinstance(value, datetime):
            return (value.date() if value.time() == datetime.min.time() else value), None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return None, f"expected a date as YYYY-MM-DD (got the number {value}); format the cell as a date"
        return value, None
    if col.kind in ("text", "choice"):
        if isinstance(value, float):
            return format(cell_decimal(value), "f"), None
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return str(value), None
    if isinstance(value, str) and col.kind in ("money", "number", "percent", "int", "date", "choice"):
        return value.strip(), None
    return value, None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class WorkbookRead:
    """The rows of a workbook that validated, where each was written, and every problem.

    ``unread``: tables not read in full (sheet missing or its header wrong, or a row
    already reported), which the consistency checks must not also call empty.
    """

    workbook: str
    rows: dict[str, list[tuple[Row, CellWhere]]]
    problems: list[Problem]
    complete: bool = True
    invalid_keys: dict[str, set[str]] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)


def _rename_hint(unknown: str, missing: Sequence[str], all_unknown: Sequence[str]) -> str:
    if len(missing) == 1 and len(all_unknown) == 1:
        return f"; expected {missing[0]!r}, which is missing: was it renamed?"
    close = difflib.get_close_matches(unknown, list(missing), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r} (missing)?"
    return ""


def _check_header(
    name: str, table: str, ws: Any
) -> tuple[list[tuple[int, Column]], list[Problem]]:
    """The columns of a sheet, or the problems with its header row."""
    from openpyxl.utils import get_column_letter

    static = {c.name: c for c in columns(table, ()) if not c.dynamic}
    found: list[tuple[int, Column]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for c in range(1, ws.max_column + 1):
        raw = ws.cell(row=1, column=c).value
        letter = get_column_letter(c)
        where = f"{name}:{table}!{letter}1"
        if _blank(raw):
            if any(not _blank(ws.cell(row=r, column=c).value) for r in range(2, ws.max_row + 1)):
                problems.append(Problem(where, None, "", "this column has values but no name in row 1"))
            continue
        head = str(raw).strip()
        if head in seen:
            other = get_column_letter(seen[head])
            problems.append(Problem(where, None, head, f"column {head!r} appears twice (also column {other})"))
            continue
        seen[head] = c
        if head in static:
            found.append((c, static[head]))
        elif table == "services" and _EFFORT.match(head):
            found.append((c, Column(head, "number", dynamic=True)))
        elif table == "funders" and _HEADING.match(head):
            found.append((c, Column(head, "text", dynamic=True)))
        else:
            unknown.append((c, head))
    missing = [n for n in static if n not in seen]
    if table == "funders" and not any(_HEADING.match(h) for h in seen):
        missing.append("headings.1")
    for c, head in unknown:
        hint = _rename_hint(head, missing, [h for _, h in unknown])
        problems.append(Problem(f"{name}:{table}!{get_column_letter(c)}1", None, head,
                                f"{head!r} is not a column of {table}{hint}"))
    paired = len(missing) == 1 and len(unknown) == 1
    if not paired:
        for head in missing:
            problems.append(Problem(f"{name}:{table}", None, head, f"required column {head!r} is missing from row 1"))
    return found, problems


def read_rates_workbook(path: Path | str, display: str | None = None) -> WorkbookRead:
    """Read and validate every row of a rates workbook (consistency checks not included)."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    name = display or str(path)
    rows: dict[str, list[tuple[Row, CellWhere]]] = {table: [] for table in ROW_TYPES}
    invalid: dict[str, set[str]] = {table: set() for table in ROW_TYPES}
    def unreadable(message: str) -> WorkbookRead:
        return WorkbookRead(name, rows, [Problem(name, None, "", message)], complete=False, unread=set(ROW_TYPES))

    if not path.exists():
        return unreadable("file not found")
    if path.is_dir():
        return unreadable("expected an Excel workbook (.xlsx), found a folder")
    try:
        wb = load_workbook(path, data_only=False)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        return unreadable(f"not a readable Excel workbook (.xlsx): {exc}")

    problems: list[Problem] = []
    complete = True
    unread: set[str] = set()
    sheets = [s for s in wb.sheetnames if s != ABOUT_SHEET]
    missing = [t for t in ROW_TYPES if t not in sheets]
    unknown = [s for s in sheets if s not in ROW_TYPES]
    for sheet in unknown:
        hint = _rename_hint(sheet, missing, unknown)
        problems.append(Problem(f"{name}:{sheet}", None, "",
                                f"sheet {sheet!r} is not a rates table{hint} (tables: {', '.join(ROW_TYPES)})"))
    if not (len(missing) == 1 and len(unknown) == 1):
        for table in missing:
            problems.append(Problem(name, None, "", f"sheet {table!r} is missing (it holds the {table} table)"))
    if missing or unknown:
        complete = False
    unread.update(missing)

    for table in ROW_TYPES:
        if table not in wb.sheetnames:
            continue
        ws = wb[table]
        found, header_problems = _check_header(name, table, ws)
        if header_problems:
            problems += header_problems
            complete = False
            unread.add(table)
            continue
        letters = {col.name: get_column_letter(c) for c, col in found}
        names = [col.name for _, col in found]
        model = ROW_TYPES[table]
        for r in range(2, ws.max_row + 1):
            cells = [(col, ws.cell(row=r, column=c)) for c, col in found]
            if all(_blank(cell.value) for _, cell in cells):
                continue
            where = CellWhere(name, table, r, letters)
            values: dict[str, object] = {}
            cell_problem_columns: set[str] = set()
            for col, cell in cells:
                if _blank(cell.value):
                    continue
                value, message = _cell_value(cell, col)
                if message:
                    problems.append(Problem(f"{name}:{where.cell(col.name)}", None, col.name, message))
                    cell_problem_columns.add(col.name)
                else:
                    values[col.name] = value
            data = unflatten(table, values)
            try:
                row = model.model_validate(data)
            except ValidationError as exc:
                for error, problem in zip(exc.errors(), problems_from(exc, name, None), strict=True):
                    column = column_for(error["loc"], names)
                    if column in cell_problem_columns:
                        continue
                    problems.append(Problem(f"{name}:{where.cell(column)}", None, column or problem.field, problem.message))
                if isinstance(data.get("id"), str):
                    invalid[table].add(data["id"].strip())
                unread.add(table)
                continue
            if cell_problem_columns:
                unread.add(table)
                continue
            rows[table].append((row, where))
    return WorkbookRead(name, rows, problems, complete, invalid, unread)


_CELL = re.compile(r"^(?P<book>.*):(?P<sheet>[^:!]+)(?:!(?P<col>[A-Z]+)(?P<row>\d+))?$")


def _problem_order(problem: Problem) -> tuple[int, int, int, str, str]:
    from openpyxl.utils import column_index_from_string

    match = _CELL.match(problem.file)
    if not match:
        return (-1, 0, 0, problem.field, problem.message)
    tables = list(ROW_TYPES)
    sheet = match.group("sheet")
    order = tables.index(sheet) if sheet in tables else len(tables)
    row = int(match.group("row") or 0)
    col = column_index_from_string(match.group("col")) if match.group("col") else 0
    return (order, row, col, problem.field, problem.message)


def check_workbook(path: Path | str, today: date | None = None, display: str | None = None) -> tuple[WorkbookRead, list[Problem]]:
    """Every problem in a workbook: field validation, then the same checks as ``rates check``."""
    today = today or date.today()
    read = read_rates_workbook(path, display)

    def sheet(table: str, message: str) -> Problem:
        return Problem(f"{read.workbook}:{table}", None, "", message)

    problems = read.problems + check_rows(
        read.rows, today, also_known=read.invalid_keys, complete=read.complete, table_where=sheet, unread=read.unread,
    )
    return read, sorted(problems, key=_problem_order)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: files written and unchanged, and rows added / changed / removed."""

    folder: str
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def summary(self) -> str:
        lines = [
            f"{label}: {item}" for label, items in (("added", self.added), ("changed", self.changed), ("removed", self.removed))
            for item in items
        ]
        wrote = ", ".join(self.written) or "nothing (no changes)"
        lines.append(f"Wrote {wrote} in {self.folder}; {len(self.unchanged)} files unchanged.")
        return "\n".join(lines) + "\n"


def _label(table: str, row: Row) -> str:
    """``roles/director from 2025-08-01``: one version of an item."""
    return f"{item_label(table, row)} from {row.effective.isoformat()}"


HISTORY_FLAG = "--allow-history-edit"
"""The command-line flag that lets an import change or remove rows already in the folder."""


@dataclass(frozen=True)
class RowChange:
    """One version of an item that the workbook adds, changes or leaves out."""

    kind: str  # added, changed, removed
    table: str
    old: tuple[Row, Located] | None
    new: tuple[Row, CellWhere] | None

    @property
    def label(self) -> str:
        row = self.new[0] if self.new else self.old[0]  # type: ignore[index]
        return _label(self.table, row)

    def columns(self) -> list[tuple[str, object, object]]:
        """(column, old value, new value) for every column a changed row changes."""
        if not (self.old and self.new):
            return []
        before, after = flatten(self.old[0]), flatten(self.new[0])
        names = list(dict.fromkeys([*before, *after]))
        return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]


def row_changes(
    old: dict[str, list[tuple[Row, Located]]], new: dict[str, list[tuple[Row, CellWhere]]]
) -> list[RowChange]:
    """Rows added, changed or removed, matched by item and effective date, table by table."""
    out: list[RowChange] = []
    for table in ROW_TYPES:
        before = {(r.key, r.effective): (r, w) for r, w in old.get(table, [])}
        after = {(r.key, r.effective): (r, w) for r, w in new.get(table, [])}
        for key, entry in after.items():
            if key not in before:
                out.append(RowChange("added", table, None, entry))
            elif before[key][0].model_dump(mode="json") != entry[0].model_dump(mode="json"):
                out.append(RowChange("changed", table, before[key], entry))
        out += [RowChange("removed", table, entry, None) for key, entry in before.items() if key not in after]
    return out


def _shown(value: object) -> str:
    """A cell value in a message: numbers and dates as written, text quoted (and cut short)."""
    if value is None:
        return "empty"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (int, date)):
        return str(value)
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


def history_problems(changes: Sequence[RowChange], workbook: str) -> list[Problem]:
    """A row already in the rates folder that the workbook changes or leaves out: each is
    a problem, because a costing priced with it would no longer reproduce."""
    problems = []
    for change in changes:
        if change.kind == "changed":
            _, where = change.new  # type: ignore[misc]
            cols = change.columns()
            what = "; ".join(f"{name}: {_shown(a)} → {_shown(b)}" for name, a, b in cols)
            column = next((name for name, _, _ in cols if name in where.letters), None)
            deleted = [name for name, _, _ in cols if name not in where.letters]
            restore = f", putting back the deleted column {', '.join(deleted)}," if deleted else ""
            problems.append(Problem(
                f"{workbook}:{where.cell(column)}", None, "",
                f"{change.label} is already in the rates folder and this row changes it ({what}): a costing "
                f"priced with it would no longer reproduce. Keep the old values{restore} and add a new row with a "
                f"new effective date for new figures; to correct a mistake on purpose, import with {HISTORY_FLAG}",
            ))
        elif change.kind == "removed":
            _, located = change.old  # type: ignore[misc]
            line = located.line()
            at = f"{Path(located.file).name}" + (f", line {line}" if line else "")
            problems.append(Problem(
                f"{workbook}:{change.table}", None, "",
                f"{change.label} is in the rates folder ({at}) but not on this sheet: a costing priced with it "
                "would no longer reproduce. Put the row back (to change a rate, add a new row with a new "
                f"effective date); to remove it on purpose, import with {HISTORY_FLAG}",
            ))
    return problems


def _unreadable_history(folder: Path, existing: FolderRead, files: Iterable[str]) -> list[Problem]:
    """Existing files that would be rewritten although some of their rows could not be read:
    whether the import changes those rows cannot be told."""
    problems = []
    for file in files:
        target = folder / file
        if target.is_file() and (file in existing.unreadable or any(p.file == str(target) for p in existing.problems)):
            problems.append(Problem(
                str(target), None, "",
                "this file has problems of its own (see copro-costing rates check), so the import cannot tell "
                f"whether it changes rows already there: fix the file first, or import with {HISTORY_FLAG}",
            ))
    return problems


def import_workbook(
    path: Path | str,
    folder: Path | str,
    today: date | None = None,
    display: str | None = None,
    *,
    allow_history_edit: bool = False,
) -> ImportResult:
    """Validate a workbook and, only if it has no problem at all, write the TOML files of ``folder``.

    Raises InputError with every problem (nothing is written). Adding rows is always
    fine; changing or leaving out a row already in the folder is a problem unless
    ``allow_history_edit`` (then :func:`history_warnings` says what was lost). Files
    whose rows did not change are left exactly as they were, comments and all.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), None, "", "rates folder not found (create it first)")])
    read, problems = check_workbook(path, today, display)
    if problems:
        raise InputError(problems)
    new_tables = {table: [row for row, _ in entries] for table, entries in read.rows.items()}
    existing = read_folder_details(folder)
    old_tables = {table: [row for row, _ in entries] for table, entries in existing.rows.items()}
    changes = row_changes(existing.rows, read.rows)

    texts: dict[str, str] = {}
    unchanged: list[str] = []
    for file, tables in FILES.items():
        target = folder / file
        old_text = target.read_text(encoding="utf-8") if target.is_file() else None
        mine = {t: new_tables[t] for t in tables}
        same_rows = file not in existing.unreadable and all(
            [r.model_dump(mode="json") for r in old_tables[t]] == [r.model_dump(mode="json") for r in mine[t]]
            for t in tables
        ) and not any(p.file == str(target) for p in existing.problems)
        if old_text is not None and same_rows:
            unchanged.append(file)
            continue
        header = header_of(old_text, file) if old_text is not None and old_text.strip() else default_header(file)
        text = render_file(file, mine, header)
        verify_round_trip(file, text, mine)
        texts[file] = text
    if not allow_history_edit:
        history = _unreadable_history(folder, existing, texts) + history_problems(changes, read.workbook)
        if history:
            raise InputError(sorted(history, key=_problem_order))
    write_files_atomic({folder / file: text.encode("utf-8") for file, text in texts.items()})

    def labels(kind: str) -> tuple[str, ...]:
        return tuple(c.label for c in changes if c.kind == kind)

    return ImportResult(str(folder), tuple(texts), tuple(unchanged), labels("added"), labels("changed"), labels("removed"))


def history_warnings(result: ImportResult) -> Iterable[str]:
    """Rows that existed and were changed or removed: old costings may no longer reproduce."""
    for label in result.changed:
        yield f"{label} was changed: a costing priced with it will not reproduce; add a new dated row instead"
    for label in result.removed:
        yield f"{label} was removed: a costing priced with it will not reproduce"
