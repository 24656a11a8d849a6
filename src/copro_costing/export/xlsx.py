"""The costing workbook: live Excel formulas a facilitator can edit and defend to finance.

Sheets: Summary, Budget, Co-producer payments, Funder view, Justification, Rates.

Inputs (quantities, unit prices, the VAT rate, the funder's share) are written as
numbers; every derived figure (amount, waived, VAT, price and every total on every sheet)
is a formula over the Budget rows, so editing a quantity in Excel moves every total. The
formulas repeat the engine's arithmetic exactly: each line is rounded once with ROUND
(halves away from zero, as ROUND_HALF_UP does for these non-negative amounts), VAT is
rounded per line, totals are sums of rounded lines. The exporter never recomputes a
price itself: the workbook's arithmetic is checked against the engine by LibreOffice in
``tests/export/test_spreadsheet_engine.py``.

Safety: user text (titles, notes, activities, rate-table text) is always written as a
string cell, even when it starts with ``=``, ``+``, ``-`` or ``@``; only this module's
own code writes formulas. Determinism: document dates and zip entry times are the
pricing date, so the same costing always gives the same bytes. Writes are atomic.

Edits cannot break "co-producers are always paid": the Charge drop-down offers only
"charged" on co-producer rows, the hourly rates on Co-producer payments may not go below
the co-producer rate in force for their year, and people, sessions and hours follow the
costing file's rules (hours more than 0): data validations, with their error alerts on.

openpyxl is imported only by the modules under ``export/``, and only when a workbook is
written, so ``import copro_costing`` and ``quote --format json`` stay quick. Rows are
streamed (write-only mode). For speed and for stable bytes the exporter relies on these
openpyxl internals, which is why pyproject.toml pins ``openpyxl>=3.1,<3.2``:

- ``openpyxl.worksheet._write_only.WriteOnlyWorksheet`` (a private module), subclassed
  as ``_Sheet`` to override its private ``_values_to_row``, so ready-made cells are
  written as they are;
- ``Workbook._add_sheet``, to put a ``_Sheet`` into the workbook (``create_sheet``
  cannot make one);
- ``Cell._style``: prepared style arrays are copied onto cells instead of each cell
  looking its named style up;
- ``WriteOnlyWorksheet._writer``, ``WorksheetWriter.cleanup`` and
  ``WriteOnlyWorksheet.closed``, to remove the temporary files write-only sheets stream
  into when building fails;
- that ``ExcelWriter`` puts each write-only sheet into the zip with
  ``archive.write(filename, arcname)`` and every other part with ``archive.writestr``,
  which is what lets the fixed-time zip (:mod:`.workbook_file`) give every entry the
  pricing date.

``tests/export/test_xlsx.py`` fails loudly when any of these stops holding (the fast path not
taken, a zip entry dated other than the pricing date, styles or temporary files lost).
"""

from __future__ import annotations

import io
import re
from array import array
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..atomic import write_atomic
from ..money import format_money, places, plain_number, round_money
from ..pricing.costing import Costing, Line
from ..pricing.policy import WAIVED_CHARGES
from .safe import looks_like_formula
from .text import justification
from .workbook_file import write_workbook_to

# Number formats, as named constants (never typed inline at a call site).
GBP = "£#,##0.00"
QUANTITY = "General"
DATE = "yyyy-mm-dd"
YEAR_HEADING = '"Year "0'
INPUT_FILL = "FFF2CC"  # inputs a facilitator may edit: shaded cells, or the headers of shaded columns

SUMMARY = "Summary"
BUDGET = "Budget"
COPRODUCERS = "Co-producer payments"
FUNDER = "Funder view"
JUSTIFICATION = "Justification"
RATES = "Rates"
SHEETS = (SUMMARY, BUDGET, COPRODUCERS, FUNDER, JUSTIFICATION, RATES)

TOTAL_NAMES = ("TotalValue", "TotalWaived", "TotalVAT", "TotalPrice", "FunderContribution")
"""Workbook-level names of the headline totals, each a formula cell."""

ILLUSTRATIVE_BANNER = "Contains illustrative rates: confirm with finance before submitting."

CHARGES = ("charged", "free", "requested", "waived")
COPRODUCER_CHARGES = ("charged",)
"""The only charge a co-producer row (a line of kind "involvement") may have: co-producers are always paid."""

# Budget columns (1-based), in the order they appear.
BUDGET_COLUMNS = (
    ("Kind", 12),
    ("Description", 46),
    ("Year", 7),
    ("Unit", 15),
    ("Quantity", 10),
    ("Unit price", 12),
    ("Amount", 13),
    ("Charge", 11),
    ("Waived", 12),
    ("VAT", 12),
    ("Price", 13),
    ("Funder heading", 34),
    ("Note", 60),
)
B_KIND, B_DESC, B_YEAR, B_UNIT, B_QTY, B_PRICE, B_AMOUNT, B_CHARGE, B_WAIVED, B_VAT, B_TOTAL, B_HEADING, B_NOTE = (
    get_column_letter(i) for i in range(1, len(BUDGET_COLUMNS) + 1)
)
BUDGET_FIRST_ROW = 2
BUDGET_INPUTS = ("Quantity", "Unit price", "Charge")

COPRODUCER_COLUMNS = (
    ("Activity", 44),
    ("Year", 7),
    ("People", 9),
    ("Sessions", 10),
    ("Hours per session", 11),
    ("Preparation hours per session", 13),
    ("Hourly rate", 11),
    ("Payment per person per session", 14),
    ("Payments", 13),
    ("Expenses per person per session", 14),
    ("Expenses", 12),
    ("Total", 13),
    ("Note", 60),
)
COPRODUCER_HEADER_ROW = 3
COPRODUCER_INPUTS = ("People", "Sessions", "Hours per session", "Preparation hours per session", "Hourly rate")

_REF = re.compile(r"^(services|involvement|expenses)\[(\d+)\]$")


def write_workbook(costing: Costing, path: Path | str, locale: str = "en_GB") -> Path:
    """Write ``costing`` as an xlsx workbook at ``path``, atomically; return the path."""
    return write_atomic(Path(path), lambda tmp: _save(costing, locale, tmp))


def workbook_bytes(costing: Costing, locale: str = "en_GB") -> bytes:
    """The workbook's bytes: the same costing always gives the same bytes."""
    buffer = io.BytesIO()
    _save(costing, locale, buffer)
    return buffer.getvalue()


def _save(costing: Costing, locale: str, target: Path | io.BytesIO) -> None:
    """Build the workbook and stream it into ``target`` (a file or a buffer)."""
    builder = _Builder(costing, locale)
    wb = builder.wb
    try:
        builder.build()
        write_workbook_to(wb, target, costing.stamp.priced_on)  # every time stamp is the pricing date
    except BaseException:
        _discard(wb)
        raise


# ---------------------------------------------------------------------------------------
# Layout: where every line lands, worked out before anything is written (write-only mode
# writes rows in order, and formulas on one sheet point at rows of another).


@dataclass(slots=True)
class _CoproducerRow:
    """One row of the Co-producer payments sheet: an activity in a project year.

    When ``linked``, the row holds the inputs (people, sessions, hours, hourly rate) and
    the Budget's quantity and unit price for the activity are formulas of them, so an edit
    on either sheet moves the other. Otherwise it shows what the lines carry.
    """

    activity: str
    year: int
    pay_row: int | None  # Budget row of the payments line
    expense_row: int | None = None  # Budget row of the expenses line
    people: int | None = None
    sessions: int | None = None
    service_row: int | None = None  # Budget row whose quantity is the number of sessions (service units)
    hours: Decimal | None = None
    prep_hours: Decimal | None = None
    hourly_rate: Decimal | None = None
    note: str = ""
    linked: bool = False
    group: int = 2  # sheet order: activities (0), co-producers included in services (1), others (2)
    index: int = 0  # the spec entry's position


@dataclass
class _Plan:
    lines: tuple[Line, ...]
    budget_total_row: int
    budget_last_row: int  # last row the column ranges cover (>= first row)
    coproducer_lines: array  # the line starting each Co-producer payments row, in sheet order
    linked: array  # by line: +k, a payments line whose inputs are on Co-producer payments row k; -k, its expenses
    headings: list[str]


def _ref(ref: str) -> tuple[str, int] | None:
    match = _REF.match(ref)
    return (match.group(1), int(match.group(2))) if match else None


def _plan(costing: Costing) -> _Plan:
    lines = costing.lines
    last_row = BUDGET_FIRST_ROW + max(len(lines), 1) - 1  # the column ranges cover at least one row
    # Co-producer rows by activity, then project year. Kept as small integers (the rows are
    # built again when written), so a 20,000-line costing costs little memory here.
    starts = []
    for i in range(len(lines)):
        row = _coproducer_row(costing, i)
        if row is not None:
            starts.append((row.group, row.index, row.year, i, row.linked, row.expense_row or 0))
    starts.sort()
    linked = array("q", bytes(8 * len(lines)))
    for n, (_, _, _, i, is_linked, expense_row) in enumerate(starts):
        if is_linked:
            k = COPRODUCER_HEADER_ROW + 1 + n
            linked[i] = k
            if expense_row:
                linked[expense_row - BUDGET_FIRST_ROW] = -k
    headings = list(costing.funder.heading_names)
    headings += list(dict.fromkeys(line.heading for line in lines if line.heading not in headings))
    return _Plan(
        lines=lines,
        budget_total_row=last_row + 1,
        budget_last_row=last_row,
        coproducer_lines=array("q", (start[3] for start in starts)),
        linked=linked,
        headings=headings,
    )


def _pairs(pay: Line, expenses: Line) -> bool:
    """Are these an activity's payments and expenses lines in one year (the engine writes them in turn)?"""
    return (
        pay.cost_type == "involvement" and expenses.cost_type == "involvement_expenses"
        and bool(pay.ref) and pay.ref == expenses.ref and pay.year == expenses.year
    )


def _coproducer_row(costing: Costing, i: int) -> _CoproducerRow | None:
    """The Co-producer payments row that line ``i`` starts, if any.

    A payments line starts a row, with its expenses line when that follows it; an
    expenses line on its own starts its own row; other lines start none.
    """
    lines = costing.lines
    line = lines[i]
    if line.kind != "involvement":
        return None
    before = lines[i - 1] if i else None
    after = lines[i + 1] if i + 1 < len(lines) else None
    if line.cost_type == "involvement_expenses":
        if before is not None and _pairs(before, line):
            return None  # shown on its payments line's row
        return _CoproducerRow(line.description, line.year, None, BUDGET_FIRST_ROW + i, note=line.note, group=2)
    row = _CoproducerRow(line.description, line.year, BUDGET_FIRST_ROW + i, note=line.note,
                         hours=line.hours, hourly_rate=line.hourly_rate, group=2)
    ref = _ref(line.ref)
    if ref is not None and ref[0] == "involvement":
        expenses = after if after is not None and _pairs(line, after) else None
        if expenses is not None:
            row.expense_row = BUDGET_FIRST_ROW + i + 1
        row.group, row.index = 0, ref[1]
        _link_involvement(row, costing, ref[1], line, expenses)
    elif ref is not None and ref[0] == "services":
        row.group, row.index = 1, ref[1]
        if before is not None and before.cost_type == "service" and before.ref == line.ref and before.year == line.year:
            _link_service(row, costing, ref[1], line, before, BUDGET_FIRST_ROW + i - 1)
    return row


def _reproduces(pay: Line, people_sessions: Decimal, hours: Decimal, prep_hours: Decimal) -> bool:
    """Do these inputs give exactly the engine's line (people x sessions at hours x rate)?"""
    rate = pay.hourly_rate
    return (
        rate is not None
        and pay.quantity == people_sessions
        and (pay.hours is None or pay.hours == hours + prep_hours)
        and round_money((hours + prep_hours) * rate) == pay.unit_price
    )


def _link_involvement(row: _CoproducerRow, costing: Costing, index: int, pay: Line, expenses: Line | None) -> None:
    """Take people, sessions and hours from the spec when they reproduce the lines exactly."""
    entries = costing.spec.involvement
    if index >= len(entries):
        return
    entry = entries[index]
    person_sessions = Decimal(entry.people * entry.sessions)
    if not _reproduces(pay, person_sessions, entry.hours, entry.prep_hours):
        return
    if expenses is not None and expenses.quantity != person_sessions:
        return
    row.people, row.sessions = entry.people, entry.sessions
    row.hours, row.prep_hours = entry.hours, entry.prep_hours
    row.note, row.linked = entry.note, True


def _link_service(
    row: _CoproducerRow, costing: Costing, index: int, pay: Line, service_line: Line, service_row: int
) -> None:
    """Co-producer time included in a service: people and hours per unit, from the rate tables."""
    entries = costing.spec.services
    if index >= len(entries):
        return
    service_id = entries[index].service
    for table, rate_row in costing.rates_used:
        included = getattr(rate_row, "coproducers", None)
        if table != "services" or rate_row.key != service_id or included is None:
            continue
        if _reproduces(pay, service_line.quantity * included.people, included.hours, included.prep_hours):
            row.people, row.service_row = included.people, service_row
            row.hours, row.prep_hours = included.hours, included.prep_hours
            row.linked = True
            unit = service_line.unit
            row.note = (
                f"Included in {service_line.description}: {included.people} co-producers per {unit}; "
                f"sessions are the {unit}s on the Budget sheet, and the payment is per person per {unit}"
            )
            return


# ---------------------------------------------------------------------------------------
# Building the workbook.


class _Rows:
    """Row numbers gathered as runs of consecutive rows: the cell ranges of a data validation."""

    def __init__(self) -> None:
        self.runs: list[list[int]] = []

    def add(self, row: int) -> None:
        if self.runs and self.runs[-1][1] == row - 1:
            self.runs[-1][1] = row
        else:
            self.runs.append([row, row])

    def ranges(self, column: str) -> str:
        return " ".join(f"{column}{a}" if a == b else f"{column}{a}:{column}{b}" for a, b in self.runs)


def _list(items: Iterable[str]) -> str:
    """A data validation's list of allowed values, as Excel writes it (``"a,b,c"``)."""
    return '"' + ",".join(items) + '"'


def _validate(ws: Any, rows: _Rows, column: str, *, error: str, **rule: str) -> None:
    """Refuse, with ``error``, any value typed into ``column`` on ``rows`` that breaks ``rule``.

    The error alert is switched on (openpyxl's default leaves it off, and Excel then
    accepts anything) and stops the entry.
    """
    if not rows.runs:
        return
    validation = DataValidation(
        sqref=rows.ranges(column), allow_blank=False, showErrorMessage=True, errorStyle="stop",
        errorTitle="Not allowed", error=error, **rule,
    )
    ws.data_validations.append(validation)


def _clean(text: str) -> str:
    """Text as a cell can hold it: control characters XML cannot carry are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _sheet_ref(title: str) -> str:
    """A sheet name as a formula writes it: quoted only when it must be (``Budget``, ``'Funder view'``)."""
    return title if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) else quote_sheetname(title)


def _absolute(sheet: str, reference: str) -> str:
    """``Budget!$G$9`` from ``("Budget", "G9")``; ranges such as ``G2:G8`` too."""
    parts = []
    for coordinate in reference.split(":"):
        column = coordinate.rstrip("0123456789")
        parts.append(f"${column}${coordinate[len(column):]}")
    return f"{_sheet_ref(sheet)}!{':'.join(parts)}"


def _percent_format(fraction: Decimal) -> str:
    digits = max(places((fraction * 100).normalize()), 0)
    return "0%" if digits == 0 else "0." + "0" * digits + "%"


def _fraction(percent: Decimal) -> Decimal:
    return percent / Decimal(100)


_STYLES: dict[str, dict[str, Any]] = {
    "copro title": {"font": Font(bold=True, size=14)},
    "copro section": {"font": Font(bold=True, size=12)},
    "copro header": {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor="D9E1F2"),
        "alignment": Alignment(wrap_text=True, vertical="top"),
        "border": Border(bottom=Side(style="thin")),
    },
    "copro year header": {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor="D9E1F2"),
        "alignment": Alignment(wrap_text=True, vertical="top"),
        "border": Border(bottom=Side(style="thin")),
        "number_format": YEAR_HEADING,
    },
    "copro banner": {"font": Font(bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor="C00000")},
    "copro label": {"font": Font(bold=True)},
    "copro wrap": {"alignment": Alignment(wrap_text=True, vertical="top")},
    "copro money": {"number_format": GBP},
    "copro input header": {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor=INPUT_FILL),
        "alignment": Alignment(wrap_text=True, vertical="top"),
        "border": Border(bottom=Side(style="thin")),
    },
    "copro input": {"number_format": QUANTITY, "fill": PatternFill("solid", fgColor=INPUT_FILL)},
    "copro money total": {"number_format": GBP, "font": Font(bold=True), "border": Border(top=Side(style="thin"))},
    "copro total": {"font": Font(bold=True), "border": Border(top=Side(style="thin"))},
    "copro date": {"number_format": DATE, "alignment": Alignment(horizontal="left")},
}


class _Builder:
    def __init__(self, costing: Costing, locale: str) -> None:
        self.costing = costing
        self.locale = locale
        self.plan = _plan(costing)
        self.wb = Workbook(write_only=True)
        for name, attributes in _STYLES.items():
            self.wb.add_named_style(NamedStyle(name=name, **attributes))
        self.sheets = {title: _add_sheet(self.wb, title) for title in SHEETS}
        self.style_arrays = {}
        for name in _STYLES:
            prototype = WriteOnlyCell(self.sheets[SUMMARY])
            prototype.style = name
            self.style_arrays[name] = prototype._style

    # -- cells ------------------------------------------------------------------------

    # Each returns what ``ws.append`` takes: a Cell when it needs a style or a forced type,
    # else the plain value (much cheaper for openpyxl to write, which matters at 20,000 lines).

    def text(self, ws: Any, value: str, style: str | None = None) -> Any:
        """A string cell, whatever the text starts with: user text never becomes a formula."""
        value = _clean(value)
        if not value:
            return self.number(ws, None, style)
        if style is None and not looks_like_formula(value) and value not in ERROR_CODES:
            return value  # openpyxl stores a plain str as text
        cell = WriteOnlyCell(ws)
        cell.value = value
        cell.data_type = "s"  # never "f" (a formula) or "e" (an error such as #REF!)
        return self._styled(cell, style)

    def number(self, ws: Any, value: Decimal | int | date | None, style: str | None = None) -> Any:
        if style is None:
            return value
        return self._styled(WriteOnlyCell(ws, value), style)

    def formula(self, ws: Any, formula: str, style: str | None = None) -> Any:
        """A formula written by this module (never from user text)."""
        assert formula.startswith("="), formula
        if style is None:
            return formula
        return self._styled(WriteOnlyCell(ws, formula), style)

    def _styled(self, cell: Cell, style: str | None) -> Cell:
        if style:
            # The named style's prepared array: the same result as ``cell.style = style``,
            # without openpyxl looking the style up by name for every cell.
            cell._style = copy(self.style_arrays[style])
        return cell

    def name(self, name: str, sheet: str, reference: str) -> None:
        """A workbook-level defined name for a cell or range (``reference`` like ``A1`` or ``A1:A9``)."""
        self.wb.defined_names[name] = DefinedName(name, attr_text=_absolute(sheet, reference))

    @staticmethod
    def setup(ws: Any, widths: Iterable[float], freeze: str | None = None, title_rows: str | None = None) -> None:
        for i, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        if freeze:
            ws.freeze_panes = freeze
        if title_rows:
            ws.print_title_rows = title_rows
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    # -- the workbook -----------------------------------------------------------------

    def build(self) -> None:
        costing = self.costing
        project = costing.spec.project
        self.wb.properties.title = _clean(f"Co-production costing: {project.title}")
        self.wb.properties.subject = _clean(
            f"Co-production costs for a research funding application ({costing.funder.name})"
        )
        self.wb.properties.creator = f"copro-costing {__version__}"
        self.wb.properties.lastModifiedBy = f"copro-costing {__version__}"
        self.wb.properties.keywords = "co-production; public involvement; costing; research funding"
        self.wb.properties.description = (
            f"Rates in force on {costing.stamp.priced_on.isoformat()}, sha256 {costing.stamp.sha256}"
        )
        self.wb.calculation.fullCalcOnLoad = True
        self._summary()
        self._budget()
        self._coproducers()
        self._funder_view()
        self._justification()
        self._rates()

    def _summary(self) -> None:
        c, ws, p = self.costing, self.sheets[SUMMARY], self.costing.spec.project
        self.setup(ws, (44, 20, 16, 16, 16, 16, 4))
        t, n = self.text, self.number
        row = 0

        def put(*cells: Cell | None) -> int:
            nonlocal row
            ws.append(list(cells))
            row += 1
            return row

        put(t(ws, "Co-production costing", "copro title"))
        if c.illustrative:
            put(t(ws, ILLUSTRATIVE_BANNER, "copro banner"), *(n(ws, None, "copro banner") for _ in range(5)))
        put()
        put(t(ws, "Project", "copro section"))
        put(t(ws, "Project"), t(ws, p.title))
        if p.reference:
            put(t(ws, "Reference"), t(ws, p.reference))
        put(t(ws, "Client"), t(ws, "internal (same university)" if p.client == "internal" else "external"))
        if p.organisation:
            put(t(ws, "Organisation"), t(ws, p.organisation))
        put(t(ws, "Funder"), t(ws, c.funder.name))
        put(t(ws, "Start"), n(ws, p.start, "copro date"))
        put(t(ws, "Months"), n(ws, p.months))
        put(t(ws, "Project years"), n(ws, c.years))
        put()

        put(t(ws, "Assumptions (change these here: every sheet follows)", "copro section"))
        vat = _fraction(c.vat_percent) if c.vat_applies else Decimal(0)
        if c.vat_applies:
            vat_note = f"{plain_number(c.vat_percent)}% on everything charged to an external client; finance to confirm"
        elif p.vat is False:
            vat_note = f"No VAT: {p.vat_reason}"
        else:
            vat_note = "No VAT for internal clients"
        r = put(t(ws, "VAT rate"), self._percent(ws, vat), t(ws, vat_note))
        self.name("VATRate", SUMMARY, f"B{r}")
        indirect = _fraction(c.funder.indirect_percent)
        r = put(t(ws, "Indirect costs the funder adds"), self._percent(ws, indirect))
        self.name("FunderIndirect", SUMMARY, f"B{r}")
        uplift = _fraction(c.uplift_percent)
        put(
            t(ws, "Annual uplift (already in later years' unit prices)"),
            self._percent(ws, uplift, style=None),
            t(ws, "years after the first are uplifted, compounded" if c.uplift_percent else "current prices: no inflation added"),
        )
        put()

        put(t(ws, "Totals", "copro section"))
        put(t(ws, "Value at full rates"), self.formula(ws, "=TotalValue", "copro money"))
        put(t(ws, "Waived (given free)"), self.formula(ws, "=TotalWaived", "copro money"))
        put(t(ws, "VAT"), self.formula(ws, "=TotalVAT", "copro money"))
        put(t(ws, "Price: what the bid asks for", "copro label"), self.formula(ws, "=TotalPrice", "copro money total"))
        put(t(ws, "Funder contribution"), self.formula(ws, "=FunderContribution", "copro money"))
        put(t(ws, "Remainder the funder does not pay"), self.formula(ws, "=TotalPrice-FunderContribution", "copro money"))
        put()

        put(t(ws, "By project year", "copro section"))
        header = put(*(t(ws, h, "copro header") for h in ("Year", "Value", "Waived", "VAT", "Price")))
        for year in range(1, c.years + 1):
            r = row + 1
            put(
                n(ws, year),
                *(
                    self.formula(ws, f"=SUMIFS({column},BudgetYear,$A{r})", "copro money")
                    for column in ("BudgetAmount", "BudgetWaived", "BudgetVAT", "BudgetPrice")
                ),
            )
        last_year = row
        put(
            t(ws, "Total", "copro total"),
            *(
                self.formula(ws, f"=SUM({col}{header + 1}:{col}{max(last_year, header + 1)})", "copro money total")
                for col in "BCDE"
            ),
        )
        self._chart(ws, header, last_year)
        put()

        put(t(ws, f"By {c.funder.name} heading", "copro section"))
        header = put(t(ws, "Heading", "copro header"), t(ws, "Price", "copro header"))
        for heading in self.plan.headings:
            r = row + 1
            put(t(ws, heading), self.formula(ws, f"=SUMPRODUCT((BudgetHeading=$A{r})*BudgetPrice)", "copro money"))
        put(t(ws, "Total", "copro total"),
            self.formula(ws, f"=SUM(B{header + 1}:B{max(row, header + 1)})", "copro money total"))
        put()

        put(t(ws, "Rates stamp", "copro section"))
        put(t(ws, "Rates in force on"), n(ws, c.stamp.priced_on, "copro date"))
        put(t(ws, "SHA-256 of the rates in force"), t(ws, c.stamp.sha256))
        put(t(ws, "copro-costing version"), t(ws, __version__))
        put(
            t(ws, "Illustrative rates used"),
            t(ws, "yes: see the Rates sheet; confirm with finance before submitting" if c.illustrative else "no"),
        )
        if c.warnings:
            put()
            put(t(ws, "Warnings", "copro section"))
            for warning in c.warnings:
                put(t(ws, warning))

    def _percent(self, ws: Any, fraction: Decimal, style: str | None = "copro input", formula: str | None = None) -> Cell:
        """``fraction`` as a percentage, or ``formula`` (this module's own) shown like it."""
        assert formula is None or formula.startswith("="), formula
        cell = self._styled(WriteOnlyCell(ws, formula or fraction), style)
        cell.number_format = _percent_format(fraction)
        return cell

    def _chart(self, ws: Any, header: int, last_year: int) -> None:
        chart = BarChart()
        chart.type = "col"
        chart.title = "Price by project year"
        chart.y_axis.title = "Price (GBP)"
        chart.x_axis.title = "Project year"
        chart.y_axis.numFmt = GBP
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.legend = None
        chart.add_data(Reference(ws, min_col=5, min_row=header, max_row=max(last_year, header + 1)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=max(last_year, header + 1)))
        chart.width, chart.height = 16, 8
        ws.add_chart(chart, "H3")

    def _budget(self) -> None:
        ws, plan = self.sheets[BUDGET], self.plan
        self.setup(ws, (w for _, w in BUDGET_COLUMNS), freeze="A2", title_rows="1:1")
        t, n, f = self.text, self.number, self.formula
        waived_if = ",".join(f'{B_CHARGE}{{r}}="{charge}"' for charge in sorted(WAIVED_CHARGES))
        coproducers = _sheet_ref(COPRODUCERS)
        ws.append([t(ws, h, "copro input header" if h in BUDGET_INPUTS else "copro header") for h, _ in BUDGET_COLUMNS])
        coproducer_rows, other_rows = _Rows(), _Rows()
        for i, line in enumerate(plan.lines):
            r = BUDGET_FIRST_ROW + i
            (coproducer_rows if line.kind == "involvement" else other_rows).add(r)
            quantity = price = None
            k = plan.linked[i]
            if k:  # people x sessions, and the payment per person, from the other sheet
                quantity = f"={coproducers}!C{abs(k)}*{coproducers}!D{abs(k)}"
                price = f"={coproducers}!H{k}" if k > 0 else None
            ws.append([
                t(ws, line.kind),
                t(ws, line.description),
                n(ws, line.year),
                t(ws, line.unit),
                f(ws, quantity) if quantity else n(ws, line.quantity),
                f(ws, price, "copro money") if price else n(ws, line.unit_price, "copro money"),
                f(ws, f"=ROUND({B_QTY}{r}*{B_PRICE}{r},2)", "copro money"),
                t(ws, line.charge),
                f(ws, f"=IF(OR({waived_if.format(r=r)}),{B_AMOUNT}{r},0)", "copro money"),
                f(ws, f"=ROUND(({B_AMOUNT}{r}-{B_WAIVED}{r})*VATRate,2)", "copro money"),
                f(ws, f"={B_AMOUNT}{r}-{B_WAIVED}{r}+{B_VAT}{r}", "copro money"),
                t(ws, line.heading),
                t(ws, line.note),
            ])
        first, last, total = BUDGET_FIRST_ROW, plan.budget_last_row, plan.budget_total_row
        if not plan.lines:
            ws.append([])  # the (empty) row the column ranges cover
        cells: list[Cell | None] = [t(ws, "Total", "copro total")] + [None] * 5
        for col in (B_AMOUNT, None, B_WAIVED, B_VAT, B_TOTAL):
            cells.append(f(ws, f"=SUM({col}{first}:{col}{last})", "copro money total") if col else None)
        ws.append(cells)
        for name, col in zip(TOTAL_NAMES[:4], (B_AMOUNT, B_WAIVED, B_VAT, B_TOTAL), strict=True):
            self.name(name, BUDGET, f"{col}{total}")
        for name, col in (
            ("BudgetKind", B_KIND), ("BudgetYear", B_YEAR), ("BudgetQuantity", B_QTY), ("BudgetAmount", B_AMOUNT),
            ("BudgetCharge", B_CHARGE), ("BudgetWaived", B_WAIVED), ("BudgetVAT", B_VAT), ("BudgetPrice", B_TOTAL),
            ("BudgetHeading", B_HEADING),
        ):
            self.name(name, BUDGET, f"{col}{first}:{col}{last}")
        ws.append([])
        ws.append([t(ws, (
            "Charge: charged and requested lines are in the price; free and waived lines are shown at full "
            "value and given free. Columns with a shaded heading are inputs: edit them and every total follows."
        ))])
        ws.append([t(ws, (
            "VAT is the VAT rate on the Summary sheet (VATRate) times the charged amount, rounded per line. "
            "Co-producer lines take their quantity and unit price from the Co-producer payments sheet: edit them there."
        ))])
        _validate(ws, coproducer_rows, B_CHARGE, type="list", formula1=_list(COPRODUCER_CHARGES), error=(
            "Co-producers are always paid: a co-producer line is always charged."
        ))
        _validate(ws, other_rows, B_CHARGE, type="list", formula1=_list(CHARGES),
                  error="Charge is one of: " + ", ".join(CHARGES))
        # Quantities and unit prices typed on other lines follow the costing file's rules.
        _validate(ws, other_rows, B_QTY, type="decimal", operator="greaterThan", formula1="0",
                  error="A quantity is greater than zero: remove the line instead of typing 0.")
        _validate(ws, other_rows, B_PRICE, type="decimal", operator="greaterThanOrEqual", formula1="0",
                  error="A unit price cannot be negative.")

    def _coproducers(self) -> None:
        c, ws, plan = self.costing, self.sheets[COPRODUCERS], self.plan
        header = COPRODUCER_HEADER_ROW
        self.setup(ws, (w for _, w in COPRODUCER_COLUMNS), freeze=f"A{header + 1}", title_rows=f"{header}:{header}")
        t, n, f = self.text, self.number, self.formula
        budget = _sheet_ref(BUDGET)
        ws.append([t(ws, "Co-producer payments", "copro title")])
        rates = [row for table, row in c.rates_used if table == "coproducer_rate"]
        policy = "What co-producers will be paid, and for what. Co-producers are always paid"
        if rates:
            rate = rates[-1]
            policy += f", at least {format_money(rate.hourly_rate, self.locale)} per hour ({rate.source})"  # type: ignore[attr-defined]
        policy += "; preparation time is paid and expenses are reimbursed on top."
        ws.append([t(ws, policy)])
        ws.append([
            t(ws, h, "copro input header" if h in COPRODUCER_INPUTS else "copro header") for h, _ in COPRODUCER_COLUMNS
        ])
        first = header + 1
        floors = c.coproducer_floors
        floor_rows: dict[Decimal, _Rows] = {}
        linked_rows, session_rows = _Rows(), _Rows()  # inputs: people and hours; sessions typed here
        for k, i in enumerate(plan.coproducer_lines):
            r = first + k
            row = _coproducer_row(c, i)
            assert row is not None
            floor = floors.get(row.year)
            if row.hourly_rate is not None and floor is not None:
                floor_rows.setdefault(floor, _Rows()).add(r)
            cells: list[Any] = [t(ws, row.activity), n(ws, row.year)]
            if row.linked:
                linked_rows.add(r)
                if not row.service_row:
                    session_rows.add(r)
                # Inputs: the Budget's quantity and unit price for this activity follow them.
                sessions = f(ws, f"={budget}!{B_QTY}{row.service_row}") if row.service_row else (
                    n(ws, row.sessions))
                cells += [
                    n(ws, row.people), sessions, n(ws, row.hours),
                    n(ws, row.prep_hours), n(ws, row.hourly_rate, "copro money"),
                    f(ws, f"=ROUND(G{r}*(E{r}+F{r}),2)", "copro money"),
                ]
            else:  # shown as the line carries it
                cells += [None, None, n(ws, row.hours), None, n(ws, row.hourly_rate, "copro money"), (
                    f(ws, f"={budget}!{B_PRICE}{row.pay_row}", "copro money") if row.hours is not None else None)]
            if row.pay_row is not None:
                cells.append(f(ws, f"={budget}!{B_AMOUNT}{row.pay_row}", "copro money"))
            else:
                cells.append(None)
            if row.expense_row is not None:
                cells.append(f(ws, f"={budget}!{B_PRICE}{row.expense_row}", "copro money"))
                cells.append(f(ws, f"={budget}!{B_AMOUNT}{row.expense_row}", "copro money"))
            else:
                cells += [None, None]
            cells.append(f(ws, f"=SUM(I{r},K{r})", "copro money"))
            cells.append(t(ws, row.note))
            ws.append(cells)
        # The rules a costing file must follow, so an edit cannot leave co-producers unpaid.
        for column, rows, rule, what in (
            ("C", linked_rows, ("whole", "greaterThanOrEqual", "1"), "People is a whole number, at least 1."),
            ("D", session_rows, ("whole", "greaterThanOrEqual", "1"), "Sessions is a whole number, at least 1."),
            ("E", linked_rows, ("decimal", "greaterThan", "0"),
             "Co-producers are always paid: hours per session must be more than 0."),
            ("F", linked_rows, ("decimal", "greaterThanOrEqual", "0"), "Preparation hours cannot be negative."),
        ):
            _validate(ws, rows, column, type=rule[0], operator=rule[1], formula1=rule[2], error=what)
        for floor, rows in sorted(floor_rows.items()):
            at_least = format_money(floor, self.locale)
            _validate(ws, rows, "G", type="decimal", operator="greaterThanOrEqual", formula1=str(floor), error=(
                f"Co-producers are always paid at least {at_least} per hour: "
                "the co-producer rate in force for this year."
            ))
        last = max(first + len(plan.coproducer_lines) - 1, first)
        if not plan.coproducer_lines:
            ws.append([])
        total = last + 1
        ws.append(
            [t(ws, "Total", "copro total")] + [None] * 7
            + [f(ws, f"=SUM({col}{first}:{col}{last})", "copro money total") if col else None for col in ("I", None, "K", "L")]
        )
        ws.append([])
        ws.append([t(ws, "Budget: co-producer payments and expenses")] + [None] * 10 + [
            f(ws, '=SUMIF(BudgetKind,"involvement",BudgetAmount)', "copro money")
        ])
        ws.append([t(ws, "Reconciles with the Budget sheet")] + [None] * 10 + [
            f(ws, f'=IF(ROUND(L{total}-L{total + 2},2)=0,"yes","NO: check the Budget sheet")')
        ])
        ws.append([])
        ws.append([t(ws, (
            "Amounts are what co-producers receive; where VAT applies to the costing it is added on the Budget sheet. "
            "Payments can affect state benefits: offer co-producers independent benefits advice."
        ))])

    def _funder_view(self) -> None:
        c, ws, plan = self.costing, self.sheets[FUNDER], self.plan
        years = c.years
        header = 5
        widths = [44, 14, 13, 13, 14] + [13] * years + [12, 14]
        self.setup(ws, widths, freeze=f"B{header + 1}", title_rows=f"{header}:{header}")
        t, n, f = self.text, self.number, self.formula
        ws.append([t(ws, "Funder view", "copro title")])
        ws.append([t(ws, c.funder.name, "copro section")])
        ws.append([t(ws, c.funder.notes)] if c.funder.notes else [])
        ws.append([])
        share_col, pays_col = get_column_letter(6 + years), get_column_letter(7 + years)
        ws.append(
            [t(ws, h, "copro header") for h in ("Heading", "Value", "Waived", "VAT", "Price")]
            + [n(ws, year, "copro year header") for year in range(1, years + 1)]
            + [t(ws, h, "copro header") for h in ("Share paid", "Funder pays")]
        )
        first = header + 1
        vat_counts = c.funder.vat == "all" or (c.funder.vat == "irrecoverable" and c.applicant != "business")
        base_rows = []
        for k, heading in enumerate(plan.headings):
            r = first + k
            match = f"(BudgetHeading=$A{r})"
            cells = [t(ws, heading)] + [
                f(ws, f"=SUMPRODUCT({match}*{column})", "copro money")
                for column in ("BudgetAmount", "BudgetWaived", "BudgetVAT", "BudgetPrice")
            ]
            for year in range(1, years + 1):
                col = get_column_letter(5 + year)
                cells.append(f(ws, f"=SUMPRODUCT({match}*(BudgetYear={col}${header})*BudgetPrice)", "copro money"))
            spec = c.funder.heading(heading)
            share = c.share.percent(spec.category) if (c.share is not None and spec is not None) else Decimal(0)
            if spec is not None and spec.base and spec.category != "indirect":
                base_rows.append(r)
            eligible = f"E{r}" if vat_counts else f"(B{r}-C{r})"
            cells.append(self._percent(ws, _fraction(share), style=None))
            cells.append(f(ws, f"=ROUND({eligible}*{share_col}{r},2)", "copro money"))
            ws.append(cells)
        last = first + len(plan.headings) - 1
        total = last + 1
        ws.append([t(ws, "Total", "copro total")] + [
            f(ws, f"=SUM({col}{first}:{col}{last})", "copro money total")
            for col in (get_column_letter(i) for i in range(2, 6 + years))
        ] + [None, f(ws, f"=SUM({pays_col}{first}:{pays_col}{last})", "copro money total")])
        ws.append([t(ws, "Reconciles with the Budget total price"), None, None, None, f(
            ws, f'=IF(ROUND(E{total}-TotalPrice,2)=0,"yes","NO: a Budget heading is not listed here")'
        )])
        ws.append([])
        # Percentages, as on the Summary sheet they follow (not 0.8 for 80%).
        ws.append([t(ws, "Flat indirect rate the funder adds on its base"), None, None, None, self._percent(
            ws, _fraction(c.funder.indirect_percent), style=None, formula="=FunderIndirect")])
        base = "+".join(f"{'E' if vat_counts else 'B'}{r}" + ("" if vat_counts else f"-C{r}") for r in base_rows) or "0"
        indirect_row = total + 4
        ws.append([t(ws, "Indirect costs the funder adds"), None, None, None,
                   f(ws, f"=ROUND(({base})*FunderIndirect,2)", "copro money")])
        indirect_share = c.share.percent("indirect") if c.share is not None else Decimal(0)
        ws.append([t(ws, "Share of indirect costs paid"), None, None, None,
                   self._percent(ws, _fraction(indirect_share), style=None)])
        contribution = total + 6
        ws.append([t(ws, "Funder contribution", "copro label"), None, None, None, f(
            ws, f"=ROUND({pays_col}{total}+ROUND(E{indirect_row}*E{indirect_row + 1},2),2)", "copro money total"
        )])
        self.name("FunderContribution", FUNDER, f"E{contribution}")
        ws.append([t(ws, "Remainder: price the funder does not pay"), None, None, None, f(
            ws, "=TotalPrice-FunderContribution", "copro money"
        )])

    def _justification(self) -> None:
        ws = self.sheets[JUSTIFICATION]
        self.setup(ws, (110,))
        ws.append([self.text(ws, "Justification of resources", "copro title")])
        ws.append([self.text(ws, (
            "Written from the costing as priced, ready to paste into an application; "
            "it does not follow edits made in this workbook."
        ))])
        ws.append([])
        for paragraph in _paragraphs(justification(self.costing, self.locale)):
            ws.append([self.text(ws, paragraph, "copro wrap")])

    def _rates(self) -> None:
        ws = self.sheets[RATES]
        columns = (("Table", 16), ("Item", 26), ("What", 56), ("Amount", 13), ("Unit", 15),
                   ("Effective from", 13), ("Source", 90), ("Illustrative", 11))
        self.setup(ws, (w for _, w in columns), freeze="A2", title_rows="1:1")
        t, n = self.text, self.number
        ws.append([t(ws, h, "copro header") for h, _ in columns])
        for table, row in self.costing.rates_used:
            for what, amount, unit, kind in _figures(table, row):
                if amount is None:
                    amount_cell = None
                elif kind == "money":
                    amount_cell = n(ws, amount, "copro money")
                elif kind == "percent":
                    amount_cell = self._percent(ws, amount, style=None)
                else:
                    amount_cell = n(ws, amount)
                ws.append([
                    t(ws, table), t(ws, row.key), t(ws, what), amount_cell, t(ws, unit),
                    n(ws, row.effective, "copro date"), t(ws, row.source),
                    t(ws, "yes" if row.illustrative else "no"),
                ])


def _paragraphs(text: str) -> Iterable[str]:
    """The paragraphs of ``text`` one at a time (a long costing's text is not copied whole)."""
    start = 0
    while (end := text.find("\n\n", start)) >= 0:
        yield text[start:end]
        start = end + 2
    yield text[start:]


def _figures(table: str, row: Any) -> list[tuple[str, Decimal | None, str, str]]:
    """The figures of one rate row: (what, amount, unit, kind of amount)."""
    if table == "roles":
        return [
            (f"{row.name}: internal day rate", row.internal_day_rate, "day", "money"),
            (f"{row.name}: external day rate", row.external_day_rate, "day", "money"),
        ]
    if table == "coproducer_rate":
        return [("Co-producer hourly rate", row.hourly_rate, "hour", "money")]
    if table == "expense_defaults":
        return [(row.name, row.amount, row.unit, "money")]
    if table == "vat":
        return [("VAT rate", _fraction(row.percent), "", "percent")]
    if table == "uplift":
        return [("Annual uplift", _fraction(row.percent), "", "percent")]
    if table == "funders":
        return [
            (f"{row.name}: flat indirect rate added", _fraction(row.indirect_percent), "", "percent"),
        ]
    if table == "funder_shares":
        return [
            (f"{row.funder} pays a {row.applicant} applicant: {category.replace('-', ' ')} costs",
             _fraction(row.percent(category)), "", "percent")
            for category in ("directly-incurred", "directly-allocated", "indirect", "exception")
        ]
    if table == "exchange_rates":
        return [(f"Budgeting exchange rate: {row.currency} per GBP 1", row.rate, row.currency, "number")]
    if table == "services":
        out: list[tuple[str, Decimal | None, str, str]] = [
            (f"{row.name}: {role} staff days per {row.unit}", days, "day", "number") for role, days in row.effort.items()
        ]
        if row.coproducers is not None:
            cp = row.coproducers
            out.append((
                f"{row.name}: co-producers per {row.unit} ({plain_number(cp.hours)} h + "
                f"{plain_number(cp.prep_hours)} h preparation each)",
                Decimal(cp.people), "people", "number",
            ))
        out.append((f"{row.name}: internal charging policy {row.internal_policy!r}", None, "", ""))
        return out
    return [(str(row.key or table), None, "", "")]


class _Sheet(WriteOnlyWorksheet):
    """A write-only sheet that takes the exporter's ready-made cells directly.

    openpyxl's write-only ``append`` first tries every value as a plain value and, for a
    styled cell, builds an error message before falling back to the cell itself; at
    20,000 lines that costs more than writing the cell. Plain values go the usual way.
    """

    def _values_to_row(self, values: Iterable[Any], row_idx: int) -> Iterable[Cell]:
        plain = WriteOnlyCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                cell = value
            else:
                cell = plain  # reused, as openpyxl does: each cell is written before the next
                cell.value = value
                if cell.has_style:  # a date gives the cell a date format: the next value needs a fresh cell
                    plain = WriteOnlyCell(self)
            cell.column = col_idx
            cell.row = row_idx
            yield cell


def _add_sheet(wb: Workbook, title: str) -> Any:
    if hasattr(WriteOnlyWorksheet, "_values_to_row") and hasattr(wb, "_add_sheet"):
        sheet = _Sheet(parent=wb, title=title)
        wb._add_sheet(sheet)
        return sheet
    return wb.create_sheet(title)  # another openpyxl: its own (slower) path


def _discard(wb: Workbook) -> None:
    """Remove the temporary files write-only worksheets stream into, after a failure."""
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        for step in (() if ws.closed else (ws.close,)) + (writer.cleanup,):
            try:
                step()
            except Exception:  # best effort: the original error matters more
                pass
