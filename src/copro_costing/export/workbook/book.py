"""Writing cells with XlsxWriter's public API: text that never becomes a formula, numbers,
formulas with their cached results, names, validations, and print setup on A4.

Shared by every workbook the package writes: the costing workbook (this package), the
offer (:mod:`copro_costing.export.offer_xlsx`) and the rate tables
(:mod:`copro_costing.export.rates_writer`).

Stable bytes: XlsxWriter dates every zip entry 1 January 1980 and writes the document's
``created`` date as given, so with that date set from the content (the pricing date of a
costing, the latest effective date of a rates book, the date of an offer), the same
content always gives the same file. Writes are atomic (:func:`save_atomic`).
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from array import array
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from ...atomic import write_atomic
from ...money import CURRENCY

_CONTROL = re.compile(r"[\000-\010\013\014\016-\037\uFFFE\uFFFF]")
FONT = "Calibri"
"""The one font family of every workbook (LibreOffice renders it with the metric-compatible Carlito)."""
FONT_SIZE = 11
LINE_HEIGHT = 15.0  # points per line of 11 pt text
MIN_PRINT_PT = 8.0
"""No sheet prints smaller than this."""
PRINT_MARGIN = 1.08
"""Spreadsheet programs fit a little tighter than the 96 dpi estimate here: leave that much room."""
A4 = 9  # XlsxWriter's paper code for A4
A4_MM = (210.0, 297.0)
MARGIN_IN = 0.5
DIGIT_PX = 7  # the width of "0" in Calibri 11 at 96 dpi: Excel's unit of column width
INPUT_FILL = "#FFF2CC"
HEADER_FILL = "#D9E1F2"
DATE = "yyyy-mm-dd"
SYMBOLS = {"GBP": "£", "EUR": "€"}


def money_format(currency: str = CURRENCY) -> str:
    """The number format of an amount in ``currency``: the symbol, thousands, two decimals."""
    symbol = SYMBOLS.get(currency)
    return f'"{symbol}"#,##0.00' if symbol else f'#,##0.00" {currency}"'


def fixed_time(day: date | datetime) -> datetime:
    """A date as the (naive) time stamped into a workbook: midnight of that day."""
    return day if isinstance(day, datetime) else datetime.combine(day, time())


def clean(text: str) -> str:
    """Text as a cell can hold it: control characters dropped, line ends as line feeds."""
    if text.isascii() and text.isprintable():
        return text  # the common case, checked in C: nothing to drop or change
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def header_text(text: str) -> str:
    """User text inside a page header or footer, where ``&`` starts a code."""
    return clean(text).replace("\n", " ").replace("&", "&&")


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` characters wide.

    Column widths count digits; most letters are narrower, so a line is taken to hold
    about 1.15 characters per unit of width, less one for the cell's padding: a little
    more room than Calibri (or LibreOffice's metric-compatible Carlito) needs.
    """
    chars = max(int(width * 1.15) - 1, 1)
    if len(text) <= chars and "\t" not in text:
        return 1 + text.count("\n")  # every part fits on its line: no need to wrap
    return sum(_part_lines(part, chars) for part in text.split("\n"))


def _part_lines(part: str, chars: int) -> int:
    if len(part) <= chars and "\t" not in part:
        return 1  # textwrap expands only tabs, so a part this short is one line (or none: still one row)
    return max(len(textwrap.wrap(part, chars, break_long_words=True)), 1)


def row_height(texts: Iterable[tuple[str, float]], lines_at_least: int = 1) -> float:
    """The height (points) of a row whose wrapped cells hold ``texts`` (text, column width)."""
    lines = max([lines_at_least, *(wrapped_lines(text, width) for text, width in texts)])
    return LINE_HEIGHT * lines


def set_height(ws: Worksheet, row: int, height: float) -> None:
    """Give ``row`` its height when it needs more than one line of text.

    A one-line row is written the same with or without a height, and XlsxWriter keeps
    every height it is given until the sheet is closed (about 250 bytes a row, even when
    streaming), so only taller rows are given one.
    """
    if height > LINE_HEIGHT:
        ws.set_row(row, height)


def cached_row_height(size: int = 512) -> Callable[..., float]:
    """:func:`row_height` with its own bounded cache of line counts, for one sheet's rows.

    A sheet's units, headings and notes repeat line after line, so each is wrapped once;
    the cache goes with the sheet writer, so nothing is kept once the sheet is written.
    """
    lines = lru_cache(maxsize=size)(wrapped_lines)

    def height(texts: Iterable[tuple[str, float]], lines_at_least: int = 1) -> float:
        return LINE_HEIGHT * max([lines_at_least, *(lines(text, width) for text, width in texts)])

    return height


def column_px(widths: Iterable[float]) -> int:
    """The on-screen width of columns, in pixels at 96 dpi, as Excel sizes them."""
    return sum(math.trunc(w * DIGIT_PX + 5) for w in widths)


def printable_px(landscape: bool) -> float:
    """The printable width of an A4 page with the margins used here, in pixels at 96 dpi."""
    width_mm = A4_MM[1] if landscape else A4_MM[0]
    return (width_mm / 25.4 - 2 * MARGIN_IN) * 96


def print_scale(widths: Iterable[float], landscape: bool) -> float:
    """The scale at which the columns, fitted to one page wide, print (1.0 when they fit)."""
    return min(1.0, printable_px(landscape) / max(column_px(widths) * PRINT_MARGIN, 1))


def cell_range(sheet: str, first_row: int, first_col: int, last_row: int | None = None, last_col: int | None = None) -> str:
    """``Budget!$G$9`` or ``'Funder view'!$B$2:$F$9`` from 0-based rows and columns."""
    ref = xl_rowcol_to_cell(first_row, first_col, True, True)
    if last_row is not None and last_col is not None:
        ref += ":" + xl_rowcol_to_cell(last_row, last_col, True, True)
    return f"{sheet_ref(sheet)}!{ref}"


def sheet_ref(title: str) -> str:
    """A sheet name as a formula writes it: quoted only when it must be (``Budget``, ``'Funder view'``)."""
    return title if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) else quote_sheetname(title)


def number(value: Decimal | int | float) -> float | int:
    """A Decimal as the number a cell stores (a float holds every amount written to the penny)."""
    return value if isinstance(value, int) else float(value)


class Runs:
    """Runs of consecutive rows (0-based, inclusive), added in order: two integers a run, however many lines."""

    __slots__ = ("_ends",)

    def __init__(self) -> None:
        self._ends = array("i")  # first, last, first, last, ...

    def add(self, row: int) -> None:
        ends = self._ends
        if ends and ends[-1] == row - 1:
            ends[-1] = row
        else:
            ends.append(row)
            ends.append(row)

    def __bool__(self) -> bool:
        return bool(self._ends)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        ends = self._ends
        return zip(ends[::2], ends[1::2], strict=True)

    def first(self) -> tuple[int, int]:
        return self._ends[0], self._ends[1]

    def ranges(self, col: int) -> str:
        """The runs in column ``col`` as a range list: ``H2 H4:H9 H12``."""
        letter = xl_col_to_name(col)
        out = io.StringIO()
        for n, (a, b) in enumerate(self):
            if n:
                out.write(" ")
            out.write(f"{letter}{a + 1}" if a == b else f"{letter}{a + 1}:{letter}{b + 1}")
        return out.getvalue()


class Book:
    """An XlsxWriter workbook with this package's formats, cell writers and page setup.

    ``constant_memory`` streams each row to a temporary file once the next row starts,
    so memory stays flat however many lines a costing has; rows are written in order.
    """

    def __init__(self, target: str | io.BytesIO, when: date | datetime, *, stream: bool = True) -> None:
        options: dict[str, Any] = {
            "constant_memory": stream,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": DATE,
        }
        self.wb = xlsxwriter.Workbook(target, options)
        self.when = fixed_time(when)
        self._formats: dict[tuple[tuple[str, Any], ...], Format] = {}
        self.widths: dict[str, list[float]] = {}
        self.header = ""
        self.footer = ""
        self.plain = self.fmt()

    # -- formats --------------------------------------------------------------------

    def fmt(self, **properties: Any) -> Format:
        """One shared Format per set of properties (XlsxWriter writes each format once)."""
        key = tuple(sorted(properties.items()))
        found = self._formats.get(key)
        if found is None:
            base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top"}
            found = self._formats[key] = self.wb.add_format({**base, **properties})
        return found

    # -- cells ----------------------------------------------------------------------

    def text(self, ws: Worksheet, row: int, col: int, value: str, fmt: Format | None = None) -> None:
        """A string cell, whatever the text starts with: user text never becomes a formula."""
        value = clean(value)
        if value:
            ws.write_string(row, col, value, fmt or self.plain)
        elif fmt is not None:
            ws.write_blank(row, col, None, fmt)

    def number(self, ws: Worksheet, row: int, col: int, value: Decimal | int | date | None, fmt: Format | None = None) -> None:
        fmt = fmt or self.plain
        if value is None:
            if fmt is not None:
                ws.write_blank(row, col, None, fmt)
        elif isinstance(value, date):
            ws.write_datetime(row, col, fixed_time(value), fmt)
        else:
            ws.write_number(row, col, number(value), fmt)

    def formula(self, ws: Worksheet, row: int, col: int, formula: str, value: Any, fmt: Format | None = None) -> None:
        """A formula written by this package (never from user text), with its result cached.

        ``value`` is the engine's figure, so viewers that do not recalculate (mail previews,
        ``pandas.read_excel``, openpyxl ``data_only=True``) show it; Excel recalculates on open.
        """
        assert formula.startswith("="), formula
        if isinstance(value, Decimal):
            value = number(value)
        ws.write_formula(row, col, formula, fmt or self.plain, value)

    def name(self, name: str, reference: str) -> None:
        """A workbook-level defined name (``reference`` like ``=Budget!$G$9``)."""
        self.wb.define_name(name, reference if reference.startswith("=") else "=" + reference)

    @staticmethod
    def validate(ws: Worksheet, col: int, rows: Runs, *, error: str, **rule: Any) -> None:
        """Refuse, with ``error``, any value typed into ``col`` on the row runs ``rows``."""
        if not rows:
            return
        first, last = rows.first()
        options = {"ignore_blank": False, "error_type": "stop", "error_title": "Not allowed", "error_message": error,
                   "multi_range": rows.ranges(col), **rule}
        ws.data_validation(first, col, last, col, options)

    # -- sheets and printing ------------------------------------------------------------

    def sheet(self, title: str, widths: Iterable[float], *, freeze: tuple[int, int] | None = None) -> Worksheet:
        ws = self.wb.add_worksheet(title)
        widths = list(widths)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        if freeze:
            ws.freeze_panes(*freeze)
        self.widths[title] = widths
        return ws

    def print_setup(self, ws: Worksheet, last_row: int, *, repeat: tuple[int, int] | None = None,
                    landscape: bool | None = None, last_col: int | None = None) -> None:
        """A4, fitted to one page wide when that prints at 8 pt or more, else tiled at full size.

        Header rows ``repeat`` (0-based, inclusive) print on every page; the print area is
        every written cell; the page header and footer carry the project, its reference,
        "page N of M" and the rates stamp (see :attr:`header` and :attr:`footer`).
        """
        widths = self.widths[ws.name]
        ws.set_paper(A4)
        ws.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=0.8, bottom=0.8)
        ws.center_horizontally()
        if landscape is None:
            landscape = print_scale(widths, False) * FONT_SIZE < MIN_PRINT_PT
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        if print_scale(widths, landscape) * FONT_SIZE >= MIN_PRINT_PT:
            ws.fit_to_pages(1, 0)
        else:
            ws.repeat_columns(0)  # too wide for one page at 8 pt: printed full size across pages
        if repeat is not None:
            ws.repeat_rows(*repeat)
        ws.print_area(0, 0, max(last_row, 0), (last_col if last_col is not None else len(widths) - 1))
        if self.header:
            ws.set_header(self.header, {"margin": 0.3})
        ws.set_footer(self.footer or "&RPage &P of &N", {"margin": 0.3})

    def set_page_texts(self, left: str, centre: str, stamp: str) -> None:
        """The page header (``left`` and ``centre``: project and reference, at either end) and footer (``stamp``, page N of M)."""
        left, centre, stamp = header_text(left)[:90], header_text(centre)[:40], header_text(stamp)[:110]
        self.header = f"&L{left}" + (f"&R{centre}" if centre else "")
        self.footer = (f"&L{stamp}" if stamp else "") + "&RPage &P of &N"

    def close(self, properties: dict[str, Any]) -> None:
        """Set the document properties (dated :attr:`when`) and write the file."""
        self.wb.set_properties({**properties, "created": self.when})
        self.wb.set_calc_mode("auto")
        self.wb.close()


def save_atomic(path: Path | str, build: Callable[[str], None]) -> Path:
    """Write a workbook to ``path`` atomically: ``build(tmp_path)`` writes it beside the target first."""
    return write_atomic(Path(path), lambda tmp: build(str(tmp)))
