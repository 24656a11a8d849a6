"""The rates workbook read back: ``rates import`` (the writer is :mod:`.rates_writer`).

Reading numbers never trusts a binary float blindly: a number cell becomes a Decimal
through its shortest repr (``0.1`` stays ``0.1``) and the places its number format shows
(``520`` in a ``0.00`` cell is ``520.00``), then the row model refuses money with more
than two decimal places, exactly as it would from TOML.

A cell Excel holds differently from what it shows is refused rather than guessed at:
a formula, an error (``#REF!``), and a number in a percentage format (typing ``20%``
stores 0.2; percentages are typed as percent, 20 for 20%).

Importing validates exactly like ``rates check`` (the same models, the same
consistency checks) and reports each problem at its sheet, cell and column
(``rates.xlsx:roles!D5: internal_day_rate: …``). History is protected: a row already
in the rates folder that the workbook changes or leaves out is a problem too, unless
the import is told it is a deliberate correction (``allow_history_edit``). The TOML
files are written only when there is no problem at all, each checked to read back
exactly before any is replaced.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Problem
from ..money import LIMIT, places
from ..ratebook.check import check_rows
from ..ratebook.columns import YES_NO, Column, column_for, columns, unflatten
from ..ratebook.folder import KEY_FIELD
from ..ratebook.models import ROW_TYPES, Row
from ..tomlfile import problems_from
from .rates_layout import ABOUT_SHEET, FLOAT_DIGITS
from .workbook_read import Cells, UnreadableWorkbook, open_workbook, sheet_cells

_EFFORT = re.compile(r"^effort\.(.+)$")
_HEADING = re.compile(r"^headings\.([1-9][0-9]*)(?:\.(category|base))?$")




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
    if col.choices == YES_NO and not isinstance(value, bool):  # a yes-or-no field, in the words its cells offer
        if isinstance(value, str) and value.strip().lower() in YES_NO:
            return value.strip(), None
        shown = (format(cell_decimal(value), "f") if _is_number(value)
                 else value.date().isoformat() if isinstance(value, datetime) else value)
        return None, f"expected yes or no (got {shown!r})"
    if isinstance(value, datetime) and col.kind != "date":
        value = value.date() if value.time() == datetime.min.time() else value
        return (value.isoformat() if col.kind in ("text", "choice") else value), None
    if _is_number(value) and not (math.isfinite(value) and abs(value) < LIMIT):
        shown = ("-" if value < 0 else "") + "infinity" if math.isinf(value) else f"{value:G}"
        return None, f"this number is far too large to be a rate (got {shown}); type the figure itself"
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
    name: str, table: str, cells: Cells
) -> tuple[list[tuple[int, Column]], list[Problem]]:
    """The columns of a sheet, or the problems with its header row."""
    from openpyxl.utils import get_column_letter

    static = {c.name: c for c in columns(table, ()) if not c.dynamic}
    found: list[tuple[int, Column]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    header = cells.get(1, {})
    below = {c for r, row in cells.items() if r > 1 for c in row}
    for c in sorted(set(header) | below):
        letter = get_column_letter(c)
        where = f"{name}:{table}!{letter}1"
        if c not in header:
            problems.append(Problem(where, None, "", "this column has values but no name in row 1"))
            continue
        head = str(header[c].value).strip()
        if head in seen:
            other = get_column_letter(seen[head])
            problems.append(Problem(where, None, head, f"column {head!r} appears twice (also column {other})"))
            continue
        seen[head] = c
        if head in static:
            found.append((c, static[head]))
        elif table == "services" and _EFFORT.match(head):
            found.append((c, Column(head, "number", dynamic=True)))
        elif table == "funders" and (match := _HEADING.match(head)):
            kind = match.group(2)  # headings.N (text), .category (a choice) or .base (yes or no)
            found.append((c, Column(head, "choice" if kind else "text", YES_NO if kind == "base" else (),
                                    dynamic=True)))
        else:
            unknown.append((c, head))
    missing = [n for n in static if n not in seen]
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
    path = Path(path)
    name = display or str(path)
    rows: dict[str, list[tuple[Row, CellWhere]]] = {table: [] for table in ROW_TYPES}

    def unreadable(message: str) -> WorkbookRead:
        return WorkbookRead(name, rows, [Problem(name, None, "", message)], complete=False, unread=set(ROW_TYPES))

    if not path.exists():
        return unreadable("file not found")
    if path.is_dir():
        return unreadable("expected an Excel workbook (.xlsx), found a folder")
    try:
        with open_workbook(path) as wb:
            sheets = {s: sheet_cells(wb, s) for s in wb.sheetnames if s in ROW_TYPES}
            names = list(wb.sheetnames)
    except UnreadableWorkbook as exc:
        return unreadable(str(exc))
    return _read_sheets(name, names, sheets)


def _read_sheets(name: str, sheetnames: list[str], sheets: dict[str, Cells]) -> WorkbookRead:
    from openpyxl.utils import get_column_letter

    rows: dict[str, list[tuple[Row, CellWhere]]] = {table: [] for table in ROW_TYPES}
    invalid: dict[str, set[str]] = {table: set() for table in ROW_TYPES}
    problems: list[Problem] = []
    complete = True
    unread: set[str] = set()
    present = [s for s in sheetnames if s != ABOUT_SHEET]
    missing = [t for t in ROW_TYPES if t not in present]
    unknown = [s for s in present if s not in ROW_TYPES]
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
        if table not in sheets:
            continue
        cells = sheets[table]
        found, header_problems = _check_header(name, table, cells)
        if header_problems:
            problems += header_problems
            complete = False
            unread.add(table)
            continue
        letters = {col.name: get_column_letter(c) for c, col in found}
        names = [col.name for _, col in found]
        model = ROW_TYPES[table]
        for r in sorted(cells):
            if r < 2:
                continue
            present_cells = [(col, cells[r][c]) for c, col in found if c in cells[r]]
            if not present_cells:
                continue
            where = CellWhere(name, table, r, letters)
            values: dict[str, object] = {}
            cell_problem_columns: set[str] = set()
            for col, cell in present_cells:
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
                row = None
            if row is None or cell_problem_columns:  # reported already: what names the row is not also a problem
                key = data.get(KEY_FIELD.get(table, "id"))
                if isinstance(key, str):
                    invalid[table].add(key.strip())
                unread.add(table)
                continue
            rows[table].append((row, where))
    return WorkbookRead(name, rows, problems, complete, invalid, unread)


_CELL = re.compile(r"^(?P<book>.*):(?P<sheet>[^:!]+)(?:!(?P<col>[A-Z]+)(?P<row>\d+))?$")


def problem_order(problem: Problem) -> tuple[int, int, int, str, str]:
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
    return read, sorted(problems, key=problem_order)
