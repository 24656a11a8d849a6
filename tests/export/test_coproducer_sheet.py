"""The Co-producer payments sheet's formulas, checked by structure (no LibreOffice needed).

Keyed on the sheets' header names, never on fixed cell addresses, so the checks hold
for any layout that keeps the promises: the payment per person per session is hours ×
hourly rate rounded UP to the penny, the row total adds payments and expenses, and the
Budget's co-producer lines take their quantity and unit price from this sheet.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from copro_costing import estimate, load_spec, parse_spec
from copro_costing.tomlfile import parse_toml
from snippets import INVOLVEMENT

CELL = re.compile(r"(?:'?(?P<sheet>[^'!]+)'?!)?\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)")


def headed(ws, first_header: str) -> tuple[int, dict[str, str]]:
    """(header row, {header: column letter}) for the row whose first cell is ``first_header``."""
    for row in ws.iter_rows(min_row=1, max_row=30):
        if row[0].value == first_header:
            return row[0].row, {c.value: c.column_letter for c in row if isinstance(c.value, str)}
    raise AssertionError(f"no header row starting {first_header!r} on {ws.title}")


def refs(formula: str) -> set[tuple[str | None, str]]:
    """The cells a formula refers to, as (sheet or None, "G5")."""
    return {(m.group("sheet"), m.group("col") + m.group("row")) for m in CELL.finditer(formula)}


@pytest.fixture
def workbook(tmp_path, spec_toml, book):
    def make(text: str):
        data, lines = parse_toml(text, "spec.toml")
        costing = estimate(parse_spec(data, "spec.toml", lines), book)
        path = tmp_path / "c.xlsx"
        costing.to_excel(path)
        return costing, load_workbook(path)

    return make


def coproducer_rows(wb):
    ws = wb["Co-producer payments"]
    header, cols = headed(ws, "Activity")
    rows = [r for r in range(header + 1, ws.max_row + 1)
            if isinstance(ws[f"{cols['Activity']}{r}"].value, str) and ws[f"{cols['People']}{r}"].value is not None]
    return ws, cols, rows


def test_the_payment_per_person_per_session_is_hours_times_rate_rounded_up(workbook, spec_toml, examples_dir):
    _, wb = workbook((examples_dir / "hearing-checks.toml").read_text())
    ws, cols, rows = coproducer_rows(wb)
    assert rows, "the example has co-producer activities"
    for r in rows:
        formula = ws[f"{cols['Payment per person per session']}{r}"].value
        assert isinstance(formula, str) and formula.startswith("=ROUNDUP("), formula
        assert formula.replace(" ", "").endswith(",2)"), formula
        used = {cell for _, cell in refs(formula)}
        assert used == {f"{cols[h]}{r}" for h in ("Hours per session", "Preparation hours per session", "Hourly rate")}


def test_each_row_total_adds_that_rows_payments_and_expenses(workbook, examples_dir):
    _, wb = workbook((examples_dir / "hearing-checks.toml").read_text())
    ws, cols, rows = coproducer_rows(wb)
    for r in rows:
        formula = ws[f"{cols['Total']}{r}"].value
        assert isinstance(formula, str) and formula.startswith("="), formula
        assert "SUM" in formula.upper() or "+" in formula
        assert {cell for _, cell in refs(formula)} == {f"{cols['Payments']}{r}", f"{cols['Expenses']}{r}"}


def test_the_budget_takes_co_producer_quantities_and_prices_from_the_payments_sheet(workbook, examples_dir):
    _costing, wb = workbook((examples_dir / "hearing-checks.toml").read_text())
    _ws, cols, rows = coproducer_rows(wb)
    budget = wb["Budget"]
    header, bcols = headed(budget, "Kind")
    quantity_col, price_col = bcols["Quantity"], bcols["Unit price"]
    pays = {f"{cols['Payment per person per session']}{r}" for r in rows}
    people_sessions = {frozenset({f"{cols['People']}{r}", f"{cols['Sessions']}{r}"}) for r in rows}
    linked = 0
    for r in range(header + 1, budget.max_row + 1):
        price = budget[f"{price_col}{r}"].value
        if isinstance(price, str) and "Co-producer payments" in price:
            linked += 1
            assert {cell for _, cell in refs(price)} <= pays, price
            quantity = budget[f"{quantity_col}{r}"].value
            assert frozenset(cell for _, cell in refs(quantity)) in people_sessions, quantity
    assert linked == len(rows)


def test_co_producers_are_paid_rounded_up_to_the_penny(spec_toml, book):
    """9.99 h x £40.51 = £404.6949: paid £404.70, never £404.69 (below the agreed rate)."""
    text = spec_toml(INVOLVEMENT.replace("hours = 2", "hours = 9.99").replace("prep_hours = 1", "prep_hours = 0")
                     + "rate = 40.51\n")
    data, lines = parse_toml(text, "spec.toml")
    costing = estimate(parse_spec(data, "spec.toml", lines), book)
    pay = [line for line in costing.lines if line.kind == "involvement" and line.hours is not None]
    assert {line.unit_price for line in pay} == {Decimal("404.70")}
    assert all(line.unit_price >= line.hours * line.hourly_rate for line in pay)
    assert all(line.amount == line.quantity * line.unit_price for line in pay)


def test_everything_else_still_rounds_half_up(spec_toml, book):
    text = spec_toml('[[expenses]]\nitem = "Room"\ncost = 10.01\nquantity = 0.5\nyear = 1\n')
    data, lines = parse_toml(text, "spec.toml")
    (line,) = estimate(parse_spec(data, "spec.toml", lines), book).lines
    assert line.amount == Decimal("5.01")  # 5.005 rounds half up; 0.5 x 10.01 is not a payment


def test_the_examples_pay_co_producers_at_least_hours_times_rate(examples_dir, book):
    for path in sorted(examples_dir.glob("*.toml")):
        for line in estimate(load_spec(path), book).lines:
            if line.hours is not None and line.hourly_rate is not None:
                assert line.unit_price >= line.hours * line.hourly_rate, (path.name, line.description)
