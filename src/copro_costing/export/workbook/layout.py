"""Where everything lands in the costing workbook, worked out before anything is written.

XlsxWriter streams rows in order (constant-memory mode), and formulas on one sheet point
at rows of another, so every row number is known first: the Budget rows, the spare rows
a facilitator can type new lines into, the Total, and the Co-producer payments rows that
hold the people, sessions and hours the Budget's co-producer lines follow.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from ...money import round_payment
from ...pricing.costing import Costing, Line
from ...pricing.policy import WAIVED_CHARGES

SUMMARY = "Summary"
BUDGET = "Budget"
COPRODUCERS = "Co-producer payments"
FUNDER = "Funder view"
JUSTIFICATION = "Justification"
RATES = "Rates"
SHEETS = (SUMMARY, BUDGET, COPRODUCERS, FUNDER, JUSTIFICATION, RATES)

TOTAL_NAMES = ("TotalValue", "TotalWaived", "TotalVAT", "TotalPrice", "FunderContribution")
"""Workbook-level names of the headline totals, each a formula cell."""
RECONCILED = "Reconciled"
"""TRUE when every priced Budget row is inside the ranges the totals add up."""

ILLUSTRATIVE_BANNER = "Contains illustrative rates: confirm with finance before submitting."

CHARGES = ("charged", "free", "requested", "waived")
COPRODUCER_CHARGES = ("charged",)
"""The only charge a co-producer row (a line of kind "involvement") may have: co-producers are always paid."""
WAIVED = tuple(sorted(WAIVED_CHARGES))

KIND_WORDS = {"service": "Unit service", "involvement": "Co-producers", "expense": "Other cost"}
"""What a line's kind is called on the sheets (people's words, not field values)."""

# Budget columns, in order: (heading, width in characters). The widths are chosen so that
# the sheet, fitted to one A4 landscape page wide, prints at 8 pt or more.
BUDGET_COLUMNS = (
    ("Kind", 11),
    ("Description", 29),
    ("Year", 6),
    ("Unit", 11),
    ("Quantity", 8),
    ("Unit price", 11),
    ("Amount", 11),
    ("Charge", 10),
    ("Waived", 10),
    ("VAT", 9),
    ("Price", 11),
    ("Funder heading", 20),
    ("Note", 26),
)
(B_KIND, B_DESC, B_YEAR, B_UNIT, B_QTY, B_PRICE, B_AMOUNT, B_CHARGE, B_WAIVED, B_VAT, B_TOTAL, B_HEADING,
 B_NOTE) = (xl_col_to_name(i) for i in range(len(BUDGET_COLUMNS)))
BUDGET_FIRST_ROW = 2  # 1-based, as formulas write it
BUDGET_INPUTS = ("Quantity", "Unit price", "Charge")
SPARE_ROWS = 5
"""Empty Budget rows, with their formulas, between the last line and the Total: a line typed there is counted."""

COPRODUCER_COLUMNS = (
    ("Activity", 27),
    ("Year", 6),
    ("People", 8),
    ("Sessions", 9),
    ("Hours per session", 9),
    ("Preparation hours per session", 12),
    ("Hourly rate", 10),
    ("Payment per person per session", 12),
    ("Payments", 12),
    ("Expenses per person per session", 12),
    ("Expenses", 11),
    ("Total", 12),
    ("Note", 28),
)
COPRODUCER_HEADER_ROW = 3
COPRODUCER_INPUTS = ("People", "Sessions", "Hours per session", "Preparation hours per session", "Hourly rate")

_REF = re.compile(r"^(services|involvement|expenses)\[(\d+)\]$")


@dataclass(slots=True)
class CoproducerRow:
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
class Plan:
    """Row numbers (1-based) of everything other sheets point at."""

    lines: tuple[Line, ...]
    budget_last_line: int  # the last line's row (BUDGET_FIRST_ROW - 1 when there is none)
    budget_total_row: int
    coproducer_lines: array  # the line starting each Co-producer payments row, in sheet order
    linked: array  # by line: +k, a payments line whose inputs are on Co-producer payments row k; -k, its expenses
    headings: list[str]
    included: dict[str, list[Any]] = field(default_factory=dict)  # by service: the co-producers each rate row includes

    @property
    def budget_spare_rows(self) -> range:
        return range(self.budget_last_line + 1, self.budget_total_row)


def _ref(ref: str) -> tuple[str, int] | None:
    match = _REF.match(ref)
    return (match.group(1), int(match.group(2))) if match else None


def included_coproducers(costing: Costing) -> dict[str, list[Any]]:
    """By service id, the co-producers per unit of each services rate row used (in the rows' order)."""
    out: dict[str, list[Any]] = {}
    for table, row in costing.rates_used:
        if table == "services":
            included = getattr(row, "coproducers", None)
            if included is not None:
                out.setdefault(row.key, []).append(included)
    return out


def plan(costing: Costing) -> Plan:
    """Every row number, from the costing's lines (a few integers per line, so 20,000 lines cost little)."""
    lines = costing.lines
    last_line = BUDGET_FIRST_ROW + len(lines) - 1
    included = included_coproducers(costing)
    # Sheet order of the Co-producer payments rows: by (group, entry, year, line), each row's
    # key packed in one integer, so that sorting makes no tuple per row.
    groups, entries, years, starts = array("i"), array("i"), array("i"), array("i")
    expense_rows = array("i", bytes(4 * len(lines)))  # by line: the Budget row of its expenses line, if paired
    linked_line = bytearray(len(lines))
    for i in range(len(lines)):
        row = coproducer_row(costing, i, included)
        if row is not None:
            groups.append(row.group)
            entries.append(row.index)
            years.append(row.year)
            starts.append(i)
            linked_line[i] = row.linked
            expense_rows[i] = row.expense_row or 0
    n_entries, n_years, n_lines = max(entries, default=0) + 1, max(years, default=0) + 1, max(len(lines), 1)
    keys = sorted(((g * n_entries + e) * n_years + y) * n_lines + i
                  for g, e, y, i in zip(groups, entries, years, starts, strict=True))
    starts = array("i", (key % n_lines for key in keys))
    del keys, groups, entries, years
    linked = array("i", bytes(4 * len(lines)))
    for n, i in enumerate(starts):
        if linked_line[i]:
            k = COPRODUCER_HEADER_ROW + 1 + n
            linked[i] = k
            if expense_rows[i]:
                linked[expense_rows[i] - BUDGET_FIRST_ROW] = -k
    headings = list(costing.funder.heading_names)
    headings += list(dict.fromkeys(line.heading for line in lines if line.heading not in headings))
    return Plan(
        lines=lines,
        budget_last_line=last_line,
        budget_total_row=last_line + SPARE_ROWS + 1,
        coproducer_lines=starts,
        linked=linked,
        headings=headings,
        included=included,
    )


def _pairs(pay: Line, expenses: Line) -> bool:
    """Are these an activity's payments and expenses lines in one year (the engine writes them in turn)?"""
    return (
        pay.cost_type == "involvement" and expenses.cost_type == "involvement_expenses"
        and bool(pay.ref) and pay.ref == expenses.ref and pay.year == expenses.year
    )


def coproducer_row(costing: Costing, i: int, included: dict[str, list[Any]] | None = None) -> CoproducerRow | None:
    """The Co-producer payments row that line ``i`` starts, if any.

    A payments line starts a row, with its expenses line when that follows it; an
    expenses line on its own starts its own row; other lines start none. ``included``
    is :func:`included_coproducers` of the costing, when already worked out.
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
        return CoproducerRow(line.description, line.year, None, BUDGET_FIRST_ROW + i, note=line.note, group=2)
    row = CoproducerRow(line.description, line.year, BUDGET_FIRST_ROW + i, note=line.note,
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
            if included is None:
                included = included_coproducers(costing)
            _link_service(row, costing, ref[1], line, before, BUDGET_FIRST_ROW + i - 1, included)
    return row


def _reproduces(pay: Line, people_sessions: Decimal, hours: Decimal, prep_hours: Decimal) -> bool:
    """Do these inputs give exactly the engine's line (people x sessions at hours x rate)?"""
    rate = pay.hourly_rate
    return (
        rate is not None
        and pay.quantity == people_sessions
        and (pay.hours is None or pay.hours == hours + prep_hours)
        and round_payment((hours + prep_hours) * rate) == pay.unit_price
    )


def _link_involvement(row: CoproducerRow, costing: Costing, index: int, pay: Line, expenses: Line | None) -> None:
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
    row: CoproducerRow, costing: Costing, index: int, pay: Line, service_line: Line, service_row: int,
    included_by_service: dict[str, list[Any]],
) -> None:
    """Co-producer time included in a service: people and hours per unit, from the rate tables."""
    entries = costing.spec.services
    if index >= len(entries):
        return
    for included in included_by_service.get(entries[index].service, ()):
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
