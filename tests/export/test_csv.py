"""The CSV export: one row per priced line, every money column the engine's figure, every
text column safe from formula injection."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from copro_costing.export.csv import COLUMNS
from copro_costing.export.safe import FORMULA_STARTS
from copro_costing.money import money_str, plain_number

TEXT_COLUMNS = ("description", "unit", "heading", "note")
MONEY_COLUMNS = ("unit_price", "amount", "waived", "vat", "price")

HOSTILE = """
[[services]]
service = "training-workshop"
quantity = 1
year = 1
note = "=HYPERLINK(\\"http://example.invalid\\", \\"click\\")"

[[involvement]]
activity = "+44 panel"
people = 3
sessions = 2
hours = 1.5
year = 1
note = "@SUM(A1:A9)"

[[expenses]]
item = "-2 rooms"
cost = 12.34
quantity = 3
year = 2
note = "\\tindented"
"""


def rows(costing) -> list[dict[str, str]]:
    text = costing.to_csv()
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(params=["internal", "external"])
def hostile(request, quote, spec_toml):
    return quote(spec_toml(HOSTILE, client=request.param, months=24))


def test_the_header_is_the_documented_columns(hostile):
    first = hostile.to_csv().splitlines()[0]
    assert first.split(",") == list(COLUMNS)


def test_one_row_per_line_in_the_engines_order(hostile):
    found = rows(hostile)
    assert len(found) == len(hostile.lines)
    for row, line in zip(found, hostile.lines, strict=True):
        assert (int(row["year"]), row["kind"], row["charge"]) == (line.year, line.kind, line.charge)
        assert row["quantity"] == plain_number(line.quantity)


def test_every_money_column_is_the_engines_figure(hostile):
    for row, line in zip(rows(hostile), hostile.lines, strict=True):
        for column in MONEY_COLUMNS:
            assert row[column] == money_str(getattr(line, column)), (column, line.description)


def test_the_price_column_is_the_price_not_the_amount(quote, spec_toml):
    costing = quote(spec_toml(HOSTILE, client="external", months=24))
    charged = [(row, line) for row, line in zip(rows(costing), costing.lines, strict=True) if line.vat > 0]
    assert charged, "an external client pays VAT"
    for row, line in charged:
        assert row["price"] == money_str(line.amount + line.vat) != row["amount"]


def test_the_columns_add_up_to_the_totals(hostile):
    found = rows(hostile)
    totals = hostile.totals
    assert sum(Decimal(r["amount"]) for r in found) == totals.value
    assert sum(Decimal(r["waived"]) for r in found) == totals.waived
    assert sum(Decimal(r["vat"]) for r in found) == totals.vat
    assert sum(Decimal(r["price"]) for r in found) == totals.price


def test_no_text_column_can_start_a_formula(hostile):
    found = rows(hostile)
    for row in found:
        for column in TEXT_COLUMNS:
            assert not row[column].startswith(FORMULA_STARTS), (column, row[column])
    descriptions = [r["description"] for r in found]
    assert "'+44 panel" in descriptions and "'-2 rooms" in descriptions
    notes = " | ".join(r["note"] for r in found)
    assert "'=HYPERLINK(" in notes


@pytest.mark.parametrize("column", TEXT_COLUMNS)
def test_each_text_column_keeps_the_text_after_its_guard(hostile, column):
    for row, line in zip(rows(hostile), hostile.lines, strict=True):
        original = getattr(line, column)
        assert row[column].removeprefix("'") == original or row[column] == original
        assert row[column] == ("'" + original if original.startswith(FORMULA_STARTS) else original)
