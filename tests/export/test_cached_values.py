"""Every figure is readable without recalculating: each formula cell caches the engine's result.

Mail and phone previews, web previewers, ``pandas.read_excel`` and openpyxl with
``data_only=True`` read the cached results; Excel and LibreOffice recalculate on open
(proven against the engine in test_spreadsheet_engine.py).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from copro_costing import Costing, estimate, load_spec
from copro_costing.export.workbook import BUDGET, COPRODUCERS, FUNDER, SUMMARY, TOTAL_NAMES
from copro_costing.export.workbook.budget import kind_word
from spreadsheet import all_cells, money, name_cell, row_of


def _examples(examples_dir: Path) -> list[Path]:
    return sorted(examples_dir.glob("*.toml"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory, examples_dir, book) -> list[tuple[Costing, Path]]:
    folder = tmp_path_factory.mktemp("cached")
    out = []
    for spec in _examples(examples_dir):
        costing = estimate(load_spec(spec), book)
        out.append((costing, costing.to_excel(folder / f"{spec.stem}.xlsx")))
    return out


def test_every_formula_cell_has_a_cached_result(exported):
    for _, path in exported:
        formulas, values = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
        missing = [
            f"{cell.parent.title}!{cell.coordinate}" for cell in all_cells(formulas)
            if cell.data_type == "f" and values[cell.parent.title][cell.coordinate].value is None
        ]
        assert not missing, f"{path.name}: formulas without a cached result: {missing[:10]}"


def test_cached_totals_and_lines_are_the_engines_figures_to_the_penny(exported):
    for costing, path in exported:
        formulas, values = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
        t = costing.totals
        expected = dict(zip(TOTAL_NAMES, (t.value, t.waived, t.vat, t.price, t.funder_contribution), strict=True))
        assert {name: money(name_cell(formulas, values, name).value) for name in TOTAL_NAMES} == expected
        assert name_cell(formulas, values, "Reconciled").value is True
        budget = values[BUDGET]
        for i, line in enumerate(costing.lines):
            cells = {c.column_letter: c.value for c in budget[2 + i]}
            assert [money(cells[c]) for c in "FGIJK"] == [line.unit_price, line.amount, line.waived, line.vat, line.price]
        summary = values[SUMMARY]
        header = row_of(summary, "Year")
        assert {y: money(summary.cell(header + y, 5).value) for y in range(1, costing.years + 1)} == t.by_year
        funder = values[FUNDER]
        header = row_of(funder, "Heading")
        listed = {funder.cell(r, 1).value: money(funder.cell(r, 5).value)
                  for r in range(header + 1, row_of(funder, "Total", start=header))}
        assert {h: v for h, v in listed.items() if h in t.by_heading} == t.by_heading
        coproducers = values[COPRODUCERS]
        total = row_of(coproducers, "Total", start=4)
        involvement = sum((line.amount for line in costing.lines if line.kind == "involvement"), Decimal("0.00"))
        assert money(coproducers.cell(total, 12).value) == involvement
        assert coproducers.cell(row_of(coproducers, "Reconciles with the Budget sheet"), 12).value == "yes"


def test_pandas_reads_every_amount_and_total(exported):
    for costing, path in exported:
        budget = pd.read_excel(path, sheet_name=BUDGET)
        lines = budget.iloc[: len(costing.lines)]
        assert list(lines["Kind"]) == [kind_word(line.kind) for line in costing.lines]
        for column, field in (("Amount", "amount"), ("VAT", "vat"), ("Price", "price"), ("Waived", "waived")):
            got = [Decimal(str(round(v, 2))).quantize(Decimal("0.01")) for v in lines[column]]
            assert got == [getattr(line, field) for line in costing.lines], (path.name, column)
        total = budget[budget["Kind"] == "Total"]
        assert money(float(total["Price"].iloc[0])) == costing.totals.price
        assert not budget[["Amount", "Price"]].iloc[: len(costing.lines)].isna().any().any()
        summary = pd.read_excel(path, sheet_name=SUMMARY, header=None)
        pairs = dict(zip(summary[0], summary[1], strict=True))
        assert money(pairs["Price: what the bid asks for"]) == costing.totals.price
        assert money(pairs["Funder contribution"]) == costing.totals.funder_contribution
