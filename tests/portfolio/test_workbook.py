"""The portfolio workbook, recalculated by LibreOffice: every formula equals its cached value.

The cached values are the Report's figures; LibreOffice recomputes each formula from the
data sheets. They must agree to the penny (and with the JSON report), no formula may be
an error, and editing a stage in the Costings sheet must move that costing's figures
between awarded, pipeline and decided: every total tests the Stage column itself. Costings
in euros are on a sheet of their own, added up there in euros, never with pounds.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from copro_costing import portfolio
from copro_costing.portfolio_report import examples_dir
from copro_costing.portfolio_report.sections import LABELS
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


EUROS = "Costings in EUR"


def _in_euros(source: Path, target: Path) -> Path:
    """A copy of a costing file in euros, as a unit bidding for a European funder writes it."""
    text = source.read_text(encoding="utf-8").replace("[project]\n", '[project]\ncurrency = "EUR"\n', 1)
    target.write_text(text, encoding="utf-8")
    return target


def _folder_with_euros(folder: Path) -> Path:
    """The example portfolio and two costings in euros: one awarded, one submitted."""
    shutil.copytree(examples_dir(), folder)
    _in_euros(folder / "patient-data-principles.toml", folder / "patient-data-principles-eur.toml")  # awarded
    _in_euros(folder / "family-changemakers.toml", folder / "family-changemakers-eur.toml")  # submitted
    return folder


def _set_stages(source, target, edits: list[tuple[str, Path, str]]) -> None:
    """Change costings' Stage on their sheet (sheet, file, stage), as a user would in Excel."""
    wb = openpyxl.load_workbook(source)
    for sheet, file, stage in edits:
        ws = wb[sheet]
        header = row_of(ws, "File")
        stage_column = [c.value for c in ws[header]].index("Stage") + 1
        ws.cell(row_of(ws, str(file), start=header), stage_column).value = stage
    wb.save(target)


def _figure(ws, label: str, column: int = 2, start: int = 1) -> Decimal:
    return money(ws.cell(row_of(ws, label, start=start), column).value)


def _column(ws, header_row: int, title: str) -> int:
    return [c.value for c in ws[header_row]].index(title) + 1


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, soffice):
    """The example portfolio (with two costings in euros), and two edits, each recalculated by LibreOffice.

    ``demoted``: an awarded costing set back to submitted; ``promoted``: a submitted one awarded,
    and a submitted one in euros awarded on its own sheet.
    """
    tmp = tmp_path_factory.mktemp("portfolio")
    folder = _folder_with_euros(tmp / "costings")
    p = portfolio(folder)
    source = tmp / "portfolio.xlsx"
    p.to_excel(source)
    demoted, promoted = tmp / "demoted.xlsx", tmp / "promoted.xlsx"
    _set_stages(source, demoted, [("Costings", folder / "hearing-checks.toml", "submitted")])
    _set_stages(source, promoted, [("Costings", folder / "voices-for-improvement.toml", "awarded"),
                                   (EUROS, folder / "family-changemakers-eur.toml", "awarded")])
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
    no_reference = next(r for r in p.report.records if not r.reference)
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
        assert _figure(breakdown, s.name, _column(breakdown, start, "Given free"), start) == s.given_free


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
    assert _figure(summary, LABELS["requested_internal"]) == p.report.requested_internal
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

    record = next(r for r in p.report.records if r.file.endswith("voices-for-improvement.toml"))
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

    record = next(r for r in p.report.records if r.file.endswith("hearing-checks.toml"))
    assert record.stage == "awarded" and record.price > 0
    after = books["demoted"]["Summary"]  # awarded -> submitted: back into the pipeline, no longer decided
    assert _figure(after, awarded) == p.report.total.awarded - record.price
    assert _figure(after, pipeline) == p.report.total.pipeline + record.price
    assert _figure(after, rate) == money((won - 1) / (decided - 1))


def test_the_workbook_has_the_chart_print_setup_and_left_out_files_first(tmp_path, examples_dir):
    folder = tmp_path / "store"
    shutil.copytree(examples_dir / "portfolio", folder)
    (folder / "broken.toml").write_text("[project]\n", encoding="utf-8")
    path = tmp_path / "p.xlsx"
    portfolio(folder, keep_going=True).to_excel(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["Summary", "Breakdown"]
    summary = wb["Summary"]
    assert str(summary["A2"].value).startswith("Left out, with problems: 1 file (fix them")
    assert "broken.toml" in str(summary["A3"].value)
    with zipfile.ZipFile(path) as z:  # a native chart of income and free work by financial year
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and "Summary" in chart
    for ws in wb.worksheets:  # every sheet prints on A4 landscape, one page wide, with page numbers
        assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.oddFooter.right.text == "Page &P of &N", ws.title
    assert wb["Costings"].print_title_rows == "$1:$1"


def test_the_summary_counts_what_was_left_out_as_files_and_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.toml").write_text("[project\n", encoding="utf-8")
    p = portfolio([examples_dir(), tmp_path / "empty", tmp_path / "broken.toml"], keep_going=True)
    summary = openpyxl.load_workbook(p.to_excel(tmp_path / "p.xlsx"))["Summary"]
    assert summary["A2"].value == "Left out, with problems: 1 file and 1 folder (fix them and run the report again)"


def _chart_cells(path: Path) -> tuple[int, int, int, int]:
    """The cells the Summary's chart lies over: first row, first column, last row, last column (1-based)."""
    with zipfile.ZipFile(path) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    (left, top), (right, bottom) = re.findall(r"<xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", drawing, re.S)
    return int(top) + 1, int(left) + 1, int(bottom) + 1, int(right) + 1


def _width(ws, column: int) -> float:
    """A column's width, in characters."""
    for dimension in ws.column_dimensions.values():
        if dimension.min <= column <= dimension.max and dimension.width:
            return dimension.width
    return 8.43


def _runs_into(ws, cell, column: int) -> bool:
    """Whether the text of ``cell`` runs on, over the empty cells to its right, into ``column``."""
    if cell.data_type != "s" or cell.alignment.wrap_text:  # text (not a formula or a figure), not wrapped
        return False
    room = 0.0
    for c in range(cell.column, column):
        if c > cell.column and ws.cell(cell.row, c).value is not None:
            return False  # the next cell stops it
        room += _width(ws, c)
    return len(cell.value) > room


@pytest.mark.parametrize("broken", [1, 6])
def test_the_chart_covers_no_text_however_many_files_are_left_out(tmp_path, broken):
    folder = tmp_path / "Shared drive of the co-production unit" / "Costings submitted in 2026-27"
    shutil.copytree(examples_dir(), folder)
    for n in range(broken):
        (folder / f"broken-{n}.toml").write_text("[project]\n", encoding="utf-8")
    path = portfolio(folder, keep_going=True).to_excel(tmp_path / "p.xlsx")
    summary = openpyxl.load_workbook(path)["Summary"]
    assert row_of(summary, "Costings") > 2 + 5 * broken  # the problems (five a file) come first
    top, left, bottom, _ = _chart_cells(path)
    for row in summary.iter_rows(min_row=top, max_row=bottom):
        for cell in row:
            if cell.value is not None:
                assert cell.column < left, f"{cell.coordinate} is under the chart"
                assert not _runs_into(summary, cell, left), f"{cell.coordinate} runs under the chart: {cell.value}"


def _table(ws, title: str) -> tuple[list, list[tuple]]:
    """The header and the rows (cached values) of the table under ``title``."""
    top = row_of(ws, title) + 1
    header = [c.value for c in ws[top]]
    while header and header[-1] is None:
        header.pop()
    rows = []
    for row in ws.iter_rows(min_row=top + 1, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    return header, rows


def test_each_breakdown_table_is_headed_and_starts_with_the_names_people_read(tmp_path):
    p = portfolio(examples_dir())
    breakdown = openpyxl.load_workbook(p.to_excel(tmp_path / "p.xlsx"), data_only=True)["Breakdown"]
    for title, label in (("By faculty", "Faculty"), ("By department", "Department"), ("By funder", "Funder"),
                         ("By service", "Service")):
        header, rows = _table(breakdown, title)
        assert header[0] == label, title
        assert rows and all(header[i] for row in rows for i, v in enumerate(row) if v is not None), title
    header, rows = _table(breakdown, "By funder")  # the name people read first, the id its formulas look for last
    assert header[:2] == ["Funder", "Costings"] and header[-1] == "Funder id"
    ids = len(header) - 1
    assert {row[ids]: row[0] for row in rows} == {g.name: p.report.funder_names[g.name] for g in p.report.by_funder}
    header, rows = _table(breakdown, "By service")
    assert header == ["Service", "Costings", "Value", "Waived", "Price", "Given free", "Service id"]
    assert [(row[6], row[0]) for row in rows] == [(s.service, s.name) for s in p.report.by_service]
    assert [tuple(map(money, row[2:6])) for row in rows] == [(s.value, s.waived, s.price, s.given_free)
                                                            for s in p.report.by_service]
    assert breakdown.column_dimensions["B"].width < 20  # (a count, not a name, in column B)

    header, rows = _table(breakdown, "Given free to internal clients, by department and financial year")
    assert header == ["Department", *(fy.label for fy in p.report.financial_years), "Total"]
    years = p.report.given_free_by_department
    assert [row[0] for row in rows] == list(years)
    for row in rows:  # each department's total is its financial years added up
        total = money(row[len(header) - 1])
        assert total == p.report.given_free_by_department_total[row[0]] == sum(map(money, row[1:len(header) - 1]))
    assert sum(money(row[len(header) - 1]) for row in rows) == p.report.given_free_internal


def test_costings_in_euros_have_a_sheet_of_their_own_in_euros(tmp_path):
    folder = tmp_path / "costings"
    folder.mkdir()
    _in_euros(examples_dir() / "patient-data-principles.toml", folder / "patient-data-principles-eur.toml")
    _in_euros(examples_dir() / "family-changemakers.toml", folder / "family-changemakers-eur.toml")
    (folder / "advisory-group.toml").write_bytes((examples_dir() / "advisory-group.toml").read_bytes())  # in pounds
    p = portfolio(folder)
    euros = p.reports["EUR"]
    path = p.to_excel(tmp_path / "a.xlsx")
    assert path.read_bytes() == p.to_excel(tmp_path / "b.xlsx").read_bytes()
    wb, cached = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    assert wb.sheetnames == ["Summary", "Breakdown", EUROS, "Costings", "Financial years", "Services", "Notes"]
    assert wb["Costings"].max_row == 2  # pounds only: the one costing in pounds
    assert _figure(cached["Summary"], "Awarded income (awarded and delivered)") == p.report.total.awarded
    link = next(c for row in wb["Summary"].iter_rows() for c in row if c.hyperlink)
    assert link.hyperlink.location == f"'{EUROS}'!A1" and link.value.startswith("2 costings in EUR")

    sheet = wb[EUROS]
    header = row_of(sheet, "File")  # the costings' rows, as on the Costings sheet, under the figures
    assert [c.value for c in sheet[header]] == [c.value for c in wb["Costings"][1]]
    assert [sheet.cell(r, 1).value for r in range(header + 1, sheet.max_row + 1)] == [r.file for r in euros.records]
    for r in euros.records:
        assert _figure(sheet, r.file, _column(sheet, header, "Price"), header) == r.price
    for label, want in (("Costings", euros.total.costings),
                        ("Awarded income (awarded and delivered)", euros.total.awarded),
                        ("Pipeline (submitted, not decided)", euros.total.pipeline),
                        ("Given free to the university's own staff", euros.given_free_internal),
                        ("Co-producer payments budgeted", euros.coproducer_budgeted),
                        ("Co-producer payments awarded", euros.coproducer_awarded)):
        formula = sheet.cell(row_of(sheet, label), 2)
        assert formula.value.startswith("=") and f"'{EUROS}'!" in formula.value and "'Costings'" not in formula.value
        assert _figure(cached[EUROS], label) == want > 0, label
        if label != "Costings":
            assert formula.number_format == '#,##0.00 "EUR"', label
    start = row_of(sheet, "By stage")
    for g in euros.by_stage:
        assert cached[EUROS].cell(row_of(sheet, g.name, start=start), 2).value == g.costings
        assert _figure(cached[EUROS], g.name, 3, start) == g.price
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == f"${header}:${header}"


def test_the_euro_sheet_recalculates_to_the_reports_figures_and_follows_its_stages(recalculated):
    p, _, books = recalculated
    euros = p.as_json()["other_currencies"]["EUR"]
    before, after = books["source"][EUROS], books["promoted"][EUROS]
    awarded, pipeline = "Awarded income (awarded and delivered)", "Pipeline (submitted, not decided)"
    stage = euros["by_stage"]
    assert before.cell(row_of(before, "Costings"), 2).value == euros["costings"] == 2
    assert _figure(before, awarded) == Decimal(stage["awarded"]["price"]) + Decimal(stage["delivered"]["price"])
    assert _figure(before, pipeline) == Decimal(stage["submitted"]["price"])
    assert _figure(before, "Given free to the university's own staff") == Decimal(euros["given_free_internal"]) > 0
    assert _figure(before, "Co-producer payments budgeted") == Decimal(euros["coproducer_payments"]["budgeted"])
    assert _figure(before, "Co-producer payments awarded") == Decimal(euros["coproducer_payments"]["awarded"])
    # the submitted costing in euros awarded on its sheet: its price moves from pipeline to awarded, in euros
    record = next(r for r in p.reports["EUR"].records if r.file.endswith("family-changemakers-eur.toml"))
    assert _figure(after, awarded) == _figure(before, awarded) + record.price
    assert _figure(after, pipeline) == _figure(before, pipeline) - record.price == 0
