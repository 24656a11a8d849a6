"""The rate tables as an Excel workbook: ``rates export``.

For staff who prefer Excel. One sheet per table, named as the table (``roles``,
``services`` …); row 1 holds the field names, one row per version of an item, the
whole history included. Nested fields are spread over columns (see
:mod:`copro_costing.ratebook.columns`): ``effort.<role>`` per role, ``coproducers.people``
/ ``.hours`` / ``.prep_hours``, ``headings.1`` … and ``heading_for.<kind>``. Columns
that take one of a fixed set of values (``internal_policy``, ``prices``, ``currency``)
carry a drop-down list. An ``about`` sheet explains every column; it is ignored on import.

Numbers are stored as real numbers so Excel shows and sorts them as numbers, each in a
format showing exactly the places it was written with, so it reads back unchanged (see
:mod:`.rates_reader`); a value with more than 15 significant digits (which a float
cannot hold) is stored as text instead. The workbook is saved with stable bytes (see
:mod:`.workbook_file`). ``rates import`` is :mod:`.rates_import`.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..money import places
from ..ratebook.columns import Column, flatten, table_columns
from ..ratebook.folder import TABLE_FILE
from ..ratebook.models import ROW_TYPES, RateBook
from .rates_layout import ABOUT_SHEET, DATE_FORMAT, FLOAT_DIGITS, MONEY_FORMAT

_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037\r]")


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
