"""The workbook's data sheets: the rows every Summary and Breakdown formula adds up.

**Costings** holds one row per costing with its own figures (as its ``quote`` gives
them) and its stage; a costing in another currency has the same row on its currency's
sheet instead (see ``workbook_currency``). It holds no formulas: every total tests the
Stage column itself inside its SUMPRODUCT (see :func:`stage_in`), so changing a stage in
Excel moves that costing's figures between awarded, pipeline and decided. **Financial
years** (each costing's figures spread over financial years) and **Services** have one
row per costing, in the same order, so totals multiply their columns by that same stage
test; a zero there is left blank (a costing touches a few financial years and services
of many), which every total counts as zero and a reader sees at a glance. Likewise an
empty text (no reference, no contact) is a blank cell, and text has the default cell
format: a workbook of thousands of costings is written cell by cell, so nothing is
written that shows nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from ..pricing.status import DECIDED, PIPELINE, WON
from .report import Report
from .years import fy_label

COSTING_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("file", "File", 30), ("title", "Title", 40), ("reference", "Reference", 12), ("client", "Client", 9),
    ("organisation", "Organisation", 28), ("department", "Department", 24), ("faculty", "Faculty", 22),
    ("funder", "Funder", 12), ("funder_name", "Funder name", 28), ("stage", "Stage", 10),
    ("submitted", "Submitted", 11), ("decided", "Decided", 11), ("start", "Start", 11), ("months", "Months", 7),
    ("priced_on", "Priced on", 11), ("value", "Value", 13), ("given_free", "Given free (waived)", 13),
    ("vat", "VAT", 12), ("price", "Price", 13), ("funder_contribution", "Funder contribution", 13),
    ("requested", "Requested contributions", 13), ("coproducer_fees", "Co-producer fees", 13),
    ("coproducer_expenses", "Co-producer expenses", 13), ("coproducer", "Co-producer payments", 13),
    ("person_sessions", "Person-sessions", 10), ("contact", "Contact", 28), ("illustrative", "Illustrative rates", 10),
)
COSTING_KEYS = tuple(k for k, _, _ in COSTING_COLUMNS)
MONEY_KEYS = COSTING_KEYS[COSTING_KEYS.index("value"):COSTING_KEYS.index("coproducer") + 1]
"""The money columns of COSTING_COLUMNS, Value to Co-producer payments, in that order."""


@dataclass(frozen=True)
class Sheet:
    """Where a data sheet's columns are, for formulas on other sheets."""

    name: str
    columns: tuple[str, ...]
    rows: int
    header: int = 0
    """The header row (0-based); the data rows follow it."""

    def col(self, key: str) -> str:
        """The absolute range of a column's data rows, e.g. ``'Costings'!$S$2:$S$11``."""
        letter = xl_col_to_name(self.columns.index(key))
        first = self.header + 2  # 1-based: the row after the header
        return f"'{self.name}'!${letter}${first}:${letter}${first + max(self.rows, 1) - 1}"


def stage_in(costings: Sheet, stages: frozenset[str]) -> str:
    """An array for SUMPRODUCT: 1 for each costing whose Stage is one of ``stages``, else 0.

    Each comparison gives TRUE or FALSE; adding them (or ``--`` for one) makes them 1 or 0,
    which SUMPRODUCT multiplies with a column of figures, counting a blank cell as zero.
    """
    stage = costings.col("stage")
    tests = [f'({stage}="{s}")' for s in sorted(stages)]
    return "--" + tests[0] if len(tests) == 1 else "(" + "+".join(tests) + ")"


@dataclass(frozen=True)
class DataSheets:
    """The three data sheets and the stage tests every total multiplies by."""

    costings: Sheet
    years: Sheet
    services: Sheet

    @property
    def won(self) -> str:
        """Awarded or delivered."""
        return stage_in(self.costings, WON)

    @property
    def decided(self) -> str:
        """Awarded, declined or delivered."""
        return stage_in(self.costings, DECIDED)

    @property
    def pipeline(self) -> str:
        """Submitted, not yet decided."""
        return stage_in(self.costings, PIPELINE)


def print_setup(ws: Any, header_row: int | None = None) -> None:
    """A4 landscape, one page wide, the sheet's name and page numbers in the footer."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_footer("&L&A&RPage &P of &N")
    if header_row is not None:
        ws.repeat_rows(header_row)


def column_widths(ws: Any, columns: tuple) -> None:
    for i, (_, _title, width) in enumerate(columns):
        ws.set_column(i, i, width)


def _header(ws: Any, columns: tuple, fmt: dict) -> None:
    column_widths(ws, columns)
    ws.write_row(0, 0, [title for _, title, _ in columns], fmt["head"])
    ws.freeze_panes(1, 0)
    print_setup(ws, 0)


def write_costing_rows(costings: Any, report: Report, first_row: int, fmt: dict) -> None:
    """One row per costing of ``report``, in COSTING_COLUMNS, from ``first_row`` on (0-based): Costings, and a
    currency's sheet. Department and faculty are written as the breakdowns show their groups, so a
    breakdown's formula finds each costing by its name."""
    at = {k: i for i, k in enumerate(COSTING_KEYS)}
    dates = tuple(at[k] for k in ("submitted", "decided", "start", "priced_on"))
    first_money, contact, illustrative = at[MONEY_KEYS[0]], at["contact"], at["illustrative"]
    money, date, integer, number = fmt["money"], fmt["date"], fmt["int"], fmt["num"]
    for n, r in enumerate(report.records, start=first_row):
        department, faculty = report.department(r), report.faculty(r)
        # text in the default format; an empty text (no reference, no contact) is a blank cell
        for i, text in enumerate((r.file, r.title, r.reference, r.client, r.organisation, department, faculty,
                                  r.funder, r.funder_name, r.stage)):
            if text:
                costings.write_string(n, i, text)
        for i, day in zip(dates, (r.submitted, r.decided, r.start, r.priced_on), strict=True):
            if day is not None:
                costings.write_datetime(n, i, day, date)
        costings.write_number(n, at["months"], r.months, integer)
        for i, value in enumerate((r.value, r.given_free, r.vat, r.price, r.funder_contribution, r.requested,
                                   r.coproducer_fees, r.coproducer_expenses, r.coproducer), start=first_money):
            costings.write_number(n, i, value, money)
        costings.write_number(n, at["person_sessions"], r.person_sessions, number)
        if r.contact:
            costings.write_string(n, contact, r.contact)
        costings.write_string(n, illustrative, "yes" if r.illustrative else "no")


def write_data_sheets(wb: Any, report: Report, fmt: dict) -> DataSheets:
    """Write Costings, Financial years and Services (row n of each is costing n); return where columns are."""
    costings = wb.add_worksheet("Costings")
    years = wb.add_worksheet("Financial years")
    services = wb.add_worksheet("Services")
    fys = [fy.fy for fy in report.financial_years]
    year_cols = (("file", "File", 30), *((f"{k}:{fy}", f"{title} {fy_label(fy)}", 13) for fy in fys
                                         for k, title in (("price", "Price"), ("given_free", "Given free"),
                                                          ("coproducer", "Co-producer payments"))))
    ids = [s.service for s in report.by_service]
    service_cols = (("file", "File", 30), *((f"{k}:{sid}", f"{title}: {sid}", 14) for sid in ids
                                            for k, title in (("value", "Value"), ("given_free", "Given free"),
                                                             ("price", "Price"))))
    for ws, cols in ((costings, COSTING_COLUMNS), (years, year_cols), (services, service_cols)):
        _header(ws, cols, fmt)
    write_costing_rows(costings, report, 1, fmt)
    money = fmt["money"]
    for n, r in enumerate(report.records, start=1):
        years.write_string(n, 0, r.file)
        by_fy = {y.fy: y for y in r.years}
        for j, fy in enumerate(fys):
            y = by_fy.get(fy)
            if y is None:
                continue
            for k, value in enumerate((y.price, y.given_free, y.coproducer)):
                if value:
                    years.write_number(n, 1 + 3 * j + k, value, money)
        services.write_string(n, 0, r.file)
        by_id = {s.service: s for s in r.services}
        for j, sid in enumerate(ids):
            s = by_id.get(sid)
            if s is None:
                continue
            for k, value in enumerate((s.value, s.given_free, s.price)):
                if value:
                    services.write_number(n, 1 + 3 * j + k, value, money)
    rows = len(report.records)
    return DataSheets(
        Sheet("Costings", COSTING_KEYS, rows),
        Sheet("Financial years", tuple(k for k, _, _ in year_cols), rows),
        Sheet("Services", tuple(k for k, _, _ in service_cols), rows),
    )

