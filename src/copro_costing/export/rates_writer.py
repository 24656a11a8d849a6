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
cannot hold) is stored as text instead. Written with XlsxWriter, with stable bytes (dated
the latest effective date in the tables) and printable on A4 (see :mod:`.workbook.book`).
``rates import`` is :mod:`.rates_import`.
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
from .workbook.book import Book, row_height, save_atomic, set_height

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
    problems: list[Problem] = []
    role_ids = list(dict.fromkeys(r.key for r in book.rows("roles")))
    sheets: list[tuple[str, list[Column], list[dict[str, Any]]]] = []
    for table in ROW_TYPES:
        rows = list(book.rows(table))
        cols = table_columns(table, rows, role_ids if table == "services" else ())
        flat = [flatten(row) for row in rows]
        for index, values in enumerate(flat):
            for name, value in values.items():
                if isinstance(value, str) and (problem := _text_problem(book, table, index, name, value)):
                    problems.append(problem)
        sheets.append((table, cols, flat))
    if problems:
        raise InputError(problems)
    return save_atomic(path, lambda tmp: _write(sheets, tmp, book_date(book)))


def _width(col: Column, flat: list[dict[str, Any]]) -> float:
    longest = max([len(col.name)] + [len(str(values.get(col.name, ""))) for values in flat])
    return min(max(longest + 2, 10), 40)


def _write(sheets: list[tuple[str, list[Column], list[dict[str, Any]]]], target: str, when: date) -> None:
    from xlsxwriter.utility import xl_col_to_name

    wb = Book(target, when, stream=False)
    wb.set_page_texts("copro-costing rate tables", "", f"Latest effective date {when.isoformat()}")
    about = wb.sheet(ABOUT_SHEET, (18, 32, 70))
    bold = wb.fmt(bold=True)
    header = wb.fmt(bold=True, bg_color="#DDEBF7", text_wrap=True)
    wrap = wb.fmt(text_wrap=True)
    date_format = wb.fmt(num_format=DATE_FORMAT, align="left")
    formats: dict[str, Any] = {}
    for table, cols, flat in sheets:
        widths = [_width(col, flat) for col in cols] or [10.0]
        ws = wb.sheet(table, widths)
        set_height(ws, 0, row_height((col.name, w - 1) for col, w in zip(cols, widths, strict=True)))
        for c, col in enumerate(cols):
            wb.text(ws, 0, c, col.name, header)
            if col.description:
                ws.write_comment(0, c, col.description, {"author": "copro-costing", "x_scale": 2, "y_scale": 2})
        for r, values in enumerate(flat, start=1):
            texts = []
            for c, col in enumerate(cols):
                value = values.get(col.name)
                if value is None:
                    continue
                if isinstance(value, Decimal):
                    if len(value.as_tuple().digits) > FLOAT_DIGITS:
                        wb.text(ws, r, c, format(value, "f"))
                    else:
                        code = _number_format(value, col.kind)
                        fmt = formats.get(code) or formats.setdefault(code, wb.fmt(num_format=code))
                        ws.write_number(r, c, float(value), fmt)
                elif isinstance(value, date):
                    wb.number(ws, r, c, value, date_format)
                elif isinstance(value, str):
                    wb.text(ws, r, c, value, wrap)  # never a formula, whatever it starts with
                    texts.append((value, widths[c]))
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                else:
                    ws.write_number(r, c, value)
            if texts:
                set_height(ws, r, row_height(texts))
        for c, col in enumerate(cols):
            if col.choices:
                letter = xl_col_to_name(c)
                ws.data_validation(f"{letter}2:{letter}1048576", {
                    "validate": "list", "source": list(col.choices), "ignore_blank": col.name == "currency",
                    "error_title": col.name, "error_message": f"{col.name} must be one of: {', '.join(col.choices)}",
                })
        ws.freeze_panes(1, 1 if cols and cols[0].name == "id" else 0)
        wb.print_setup(ws, len(flat), repeat=(0, 0), landscape=True)
    _write_about(wb, about, sheets, bold, wrap)
    about.activate()
    wb.close({"title": "copro-costing rate tables", "author": "copro-costing"})


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


def _write_about(wb: Book, ws: Any, sheets: list[tuple[str, list[Column], list[dict[str, Any]]]], bold: Any,
                 wrap: Any) -> None:
    width = 18 + 32 + 70
    for r, text in enumerate(ABOUT_TEXT):
        if len(text) > width:
            set_height(ws, r, row_height([(text, width)]))
            ws.merge_range(r, 0, r, 2, "", wrap)
        wb.text(ws, r, 0, text, bold if r == 0 else wrap if len(text) > width else None)
    r = len(ABOUT_TEXT)
    for c, head in enumerate(("sheet", "column", "meaning")):
        wb.text(ws, r, c, head, bold)
    for table, cols, _ in sheets:
        for col in cols:
            r += 1
            meaning = col.description
            if col.choices:
                meaning = (meaning + " " if meaning else "") + f"One of: {', '.join(col.choices)}."
            set_height(ws, r, row_height([(meaning, 70), (col.name, 32)]))
            wb.text(ws, r, 0, table)
            wb.text(ws, r, 1, col.name, wrap)
            wb.text(ws, r, 2, meaning, wrap)
    wb.print_setup(ws, r, repeat=(len(ABOUT_TEXT), len(ABOUT_TEXT)), landscape=False)
