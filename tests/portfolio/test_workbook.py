"""The portfolio workbook, recalculated by LibreOffice: every formula equals its cached value.

The cached values are the Report's figures; LibreOffice recomputes each formula from the
data sheets. They must agree to the penny, no formula may be an error, and editing a
stage in the Costings sheet must move that costing's price into the pipeline.
"""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from copro_costing import portfolio
from copro_costing.portfolio_report import examples_dir
from spreadsheet import find_soffice, in_ci, is_error, money, recalculate, row_of

pytestmark = pytest.mark.spreadsheet


@pytest.fixture(scope="module")
def soffice():
    found = find_soffice()
    if found is None:
        if in_ci():
            pytest.fail("LibreOffice (soffice) is required under CI")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


def test_every_formula_recalculates_to_its_cached_value(tmp_path, soffice):
    p = portfolio(examples_dir())
    source = tmp_path / "portfolio.xlsx"
    p.to_excel(source)
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(source)
    costings = wb["Costings"]
    hearing = row_of(costings, str(examples_dir() / "hearing-checks.toml"))
    costings.cell(hearing, 10).value = "submitted"  # the Stage column
    wb.save(edited)
    results = recalculate([source, edited], tmp_path, soffice)

    formulas = openpyxl.load_workbook(source)
    cached = openpyxl.load_workbook(source, data_only=True)
    computed = openpyxl.load_workbook(results[source], data_only=True)
    checked = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                    continue
                got = computed[ws.title][cell.coordinate]
                want = cached[ws.title][cell.coordinate].value
                assert not is_error(got), f"{ws.title}!{cell.coordinate} {cell.value}: {got.value}"
                if isinstance(want, (int, float)) and not isinstance(want, bool):
                    assert money(got.value) == money(want), f"{ws.title}!{cell.coordinate} {cell.value}"
                else:
                    assert (got.value or "") == (want or ""), f"{ws.title}!{cell.coordinate}"
                checked += 1
    assert checked > 100

    summary = computed["Summary"]
    label = row_of(summary, "Awarded income (awarded and delivered)")
    assert money(summary.cell(label, 2).value) == p.report.total.awarded
    after = openpyxl.load_workbook(results[edited], data_only=True)["Summary"]
    hearing_price = next(r.price for r in p.records if r.file.endswith("hearing-checks.toml"))
    assert money(after.cell(label, 2).value) == p.report.total.awarded - hearing_price
    pipeline = row_of(after, "Pipeline (submitted, not decided)")
    assert money(after.cell(pipeline, 2).value) == p.report.total.pipeline + hearing_price


def test_the_workbook_has_the_chart_print_setup_and_left_out_files_first(tmp_path, examples_dir):
    import shutil

    folder = tmp_path / "store"
    shutil.copytree(examples_dir / "portfolio", folder)
    (folder / "broken.toml").write_text("[project]\n", encoding="utf-8")
    path = tmp_path / "p.xlsx"
    portfolio(folder, keep_going=True).to_excel(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["Summary", "Breakdown"]
    summary = wb["Summary"]
    assert str(summary["A2"].value).startswith("Left out: 1 file")
    assert "broken.toml" in str(summary["A3"].value)
    with zipfile.ZipFile(path) as z:  # a native chart of income and free work by financial year
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and "Summary" in chart
    assert summary.page_setup.orientation == "landscape"
    assert wb["Costings"].print_title_rows == "$1:$1"
