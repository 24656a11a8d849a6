"""The portfolio workbook, recalculated by LibreOffice: every formula equals its cached value.

The cached values are the Report's figures; LibreOffice recomputes each formula from the
data sheets. They must agree to the penny (and with the JSON report), no formula may be
an error, and editing a stage in the Costings sheet must move that costing's figures
between awarded, pipeline and decided: every total tests the Stage column itself.
"""

from __future__ import annotations

import zipfile
from decimal import Decimal

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


def _set_stage(source, target, file_name: str, stage: str) -> None:
    """Change one costing's Stage on the Costings sheet, as a user would in Excel."""
    wb = openpyxl.load_workbook(source)
    costings = wb["Costings"]
    stage_column = [c.value for c in costings[1]].index("Stage") + 1
    costings.cell(row_of(costings, str(examples_dir() / file_name)), stage_column).value = stage
    wb.save(target)


def _figure(ws, label: str, column: int = 2, start: int = 1) -> Decimal:
    return money(ws.cell(row_of(ws, label, start=start), column).value)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, soffice):
    """The example portfolio's workbook, and two edits of it, each recalculated by LibreOffice.

    ``demoted``: an awarded costing set back to submitted; ``promoted``: a submitted one awarded.
    """
    tmp = tmp_path_factory.mktemp("portfolio")
    p = portfolio(examples_dir())
    source = tmp / "portfolio.xlsx"
    p.to_excel(source)
    demoted, promoted = tmp / "demoted.xlsx", tmp / "promoted.xlsx"
    _set_stage(source, demoted, "hearing-checks.toml", "submitted")
    _set_stage(source, promoted, "voices-for-improvement.toml", "awarded")
    results = recalculate([source, demoted, promoted], tmp, soffice)
    return p, source, {name: openpyxl.load_workbook(results[path], data_only=True)
                       for name, path in (("source", source), ("demoted", demoted), ("promoted", promoted))}


def test_every_formula_recalculates_to_its_cached_value(recalculated):
    _, source, books = recalculated
    formulas = openpyxl.load_workbook(source)
    cached = openpyxl.load_workbook(source, data_only=True)
    computed = books["source"]
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


def test_the_data_sheets_hold_figures_only_and_their_blanks_count_as_zero(recalculated):
    p, source, books = recalculated
    wb = openpyxl.load_workbook(source)
    costings = wb["Costings"]
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for row in costings.iter_rows() for c in row)
    assert "Stage" in [c.value for c in costings[1]]
    assert not {"Awarded or delivered", "Decided (1/0)", "Pipeline (1/0)"} & {c.value for c in costings[1]}
    reference = [c.value for c in costings[1]].index("Reference") + 1
    no_reference = next(r for r in p.records if not r.reference)
    assert costings.cell(row_of(costings, no_reference.file), reference).value is None  # blank, not ""
    # a costing touches few financial years and services: those cells are blank, not 0, and every
    # total that multiplies them by a stage test still comes out at the report's figure
    for name in ("Financial years", "Services"):
        data = wb[name].iter_rows(min_row=2, min_col=2)
        assert any(c.value is None for row in data for c in row), name
    summary, breakdown = books["source"]["Summary"], books["source"]["Breakdown"]
    start = row_of(summary, "Financial year")
    for fy in p.report.financial_years:
        assert _figure(summary, fy.label, 2, start) == fy.awarded
        assert _figure(summary, fy.label, 4, start) == fy.given_free
    start = row_of(breakdown, "Service")
    for s in p.report.by_service:
        assert _figure(breakdown, s.service, 4, start) == s.given_free


def test_after_recalculation_every_summary_figure_is_the_json_reports(recalculated):
    p, _, books = recalculated
    j = p.as_json()
    summary = books["source"]["Summary"]
    stage = j["by_stage"]
    assert summary.cell(row_of(summary, "Costings"), 2).value == j["costings"]
    assert _figure(summary, "Awarded income (awarded and delivered)") == (
        Decimal(stage["awarded"]["price"]) + Decimal(stage["delivered"]["price"]))
    assert _figure(summary, "Pipeline (submitted, not decided)") == Decimal(stage["submitted"]["price"])
    assert _figure(summary, "Given free to the university's own staff") == Decimal(j["given_free_internal"])
    assert _figure(summary, "Contributions requested from them (in the price)") == p.report.requested_internal
    assert _figure(summary, "Co-producer payments budgeted") == Decimal(j["coproducer_payments"]["budgeted"])
    assert _figure(summary, "Co-producer payments awarded") == Decimal(j["coproducer_payments"]["awarded"])
    sessions = j["coproducer_person_sessions"]
    assert _figure(summary, "Co-producer person-sessions budgeted") == Decimal(sessions["budgeted"])
    assert _figure(summary, "Co-producer person-sessions awarded") == Decimal(sessions["awarded"])
    assert _figure(summary, "Success rate (awarded ÷ decided)") == Decimal(j["success_rate"])
    start = row_of(summary, "By stage")
    for name, figures in stage.items():
        assert summary.cell(row_of(summary, name, start=start), 2).value == figures["count"]
        assert _figure(summary, name, 3, start) == Decimal(figures["price"])
    start = row_of(summary, "Financial year")
    for fy in p.report.financial_years:
        figures = j["by_financial_year"][fy.label]
        assert _figure(summary, fy.label, 2, start) == Decimal(figures["awarded"])
        assert _figure(summary, fy.label, 3, start) == Decimal(figures["pipeline"])
        assert _figure(summary, fy.label, 4, start) == Decimal(figures["given_free"])
    start = row_of(summary, "By client")
    for client, figures in j["clients"].items():
        for column, key in ((3, "price"), (4, "awarded"), (5, "pipeline"), (6, "given_free")):
            assert _figure(summary, client, column, start) == Decimal(figures[key]), (client, key)


def test_changing_a_stage_in_the_workbook_moves_the_costing_between_awarded_and_pipeline(recalculated):
    p, _, books = recalculated
    before = books["source"]["Summary"]
    awarded, pipeline = "Awarded income (awarded and delivered)", "Pipeline (submitted, not decided)"
    rate = "Success rate (awarded ÷ decided)"
    won, decided = p.report.total.won, p.report.total.decided

    record = next(r for r in p.records if r.file.endswith("voices-for-improvement.toml"))
    assert record.stage == "submitted" and record.price > 0
    after = books["promoted"]["Summary"]  # submitted -> awarded: out of the pipeline, into awarded and decided
    assert _figure(after, awarded) == _figure(before, awarded) + record.price == p.report.total.awarded + record.price
    assert _figure(after, pipeline) == _figure(before, pipeline) - record.price
    assert _figure(after, rate) == money((won + 1) / (decided + 1))
    start = row_of(after, "Financial year")
    for y in record.years:
        fy = next(f for f in p.report.financial_years if f.fy == y.fy)
        assert _figure(after, fy.label, 2, start) == fy.awarded + y.price
        assert _figure(after, fy.label, 3, start) == fy.pipeline - y.price
    start = row_of(after, "By client")
    assert _figure(after, record.client, 4, start) == _figure(before, record.client, 4, start) + record.price

    record = next(r for r in p.records if r.file.endswith("hearing-checks.toml"))
    assert record.stage == "awarded" and record.price > 0
    after = books["demoted"]["Summary"]  # awarded -> submitted: back into the pipeline, no longer decided
    assert _figure(after, awarded) == p.report.total.awarded - record.price
    assert _figure(after, pipeline) == p.report.total.pipeline + record.price
    assert _figure(after, rate) == money((won - 1) / (decided - 1))


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
