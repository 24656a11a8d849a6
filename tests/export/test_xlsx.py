"""The costing workbook as written: structure, formulas, safety, determinism, atomic writes.

Whether the formulas compute the engine's figures is proven by LibreOffice in
test_spreadsheet_engine.py; these tests need no spreadsheet program.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copro_costing import Costing, estimate, load_rates, load_spec, parse_spec
from copro_costing.cli import main
from copro_costing.export import workbook as xlsx
from copro_costing.export.safe import FORMULA_STARTS
from copro_costing.export.workbook import (
    BUDGET,
    COPRODUCERS,
    FUNDER,
    ILLUSTRATIVE_BANNER,
    JUSTIFICATION,
    RATES,
    SHEETS,
    SPARE_ROWS,
    SUMMARY,
    TOTAL_NAMES,
    money_format,
    workbook_bytes,
)
from copro_costing.export.workbook.budget import kind_word
from copro_costing.export.workbook.rates import TABLE_WORDS

GBP = money_format("GBP")


@pytest.fixture(scope="module")
def hearing(examples_dir, book) -> Costing:
    return estimate(load_spec(examples_dir / "hearing-checks.toml"), book)


@pytest.fixture(scope="module")
def patient_data(examples_dir, book) -> Costing:
    return estimate(load_spec(examples_dir / "patient-data-principles.toml"), book)


@pytest.fixture(scope="module")
def group(examples_dir, book) -> Costing:
    return estimate(load_spec(examples_dir / "advisory-group.toml"), book)


@pytest.fixture(scope="module")
def hearing_path(tmp_path_factory, hearing) -> Path:
    return hearing.to_excel(tmp_path_factory.mktemp("xlsx") / "hearing.xlsx")


@pytest.fixture(scope="module")
def wb(hearing_path):
    return openpyxl.load_workbook(hearing_path)


def _load(costing: Costing, tmp_path: Path, name: str = "costing.xlsx"):
    return openpyxl.load_workbook(costing.to_excel(tmp_path / name))


def _labels(ws, column: int = 1) -> list[object]:
    return [row[0] for row in ws.iter_rows(min_col=column, max_col=column, values_only=True)]


def _cell_for_name(wb, name: str):
    ((sheet, coordinate),) = list(wb.defined_names[name].destinations)
    return wb[sheet][coordinate.replace("$", "")]


# --- structure ---------------------------------------------------------------------------


def test_sheets_in_order_with_titles_excel_accepts(wb):
    assert wb.sheetnames == list(SHEETS) == [
        "Summary", "Budget", "Co-producer payments", "Funder view", "Justification", "Rates",
    ]
    assert all(len(title) <= 31 for title in wb.sheetnames)


def test_total_names_point_at_formula_cells(wb):
    for name in TOTAL_NAMES:
        cell = _cell_for_name(wb, name)
        assert cell.data_type == "f", name
    # Up to the row above, however many rows are inserted.
    assert _cell_for_name(wb, "TotalPrice").value == "=SUM(K2:INDEX(K:K,ROW()-1))"
    # The funder pays each heading at its category's share, plus its share of the flat indirect costs.
    assert re.fullmatch(r"=ROUND\([A-Z]+\d+\+ROUND\(E\d+\*E\d+,2\),2\)", _cell_for_name(wb, "FunderContribution").value)


def test_budget_has_one_row_per_line_with_live_formulas(wb, hearing):
    ws = wb[BUDGET]
    assert [c.value for c in ws[1]] == [
        "Kind", "Description", "Year", "Unit", "Quantity", "Unit price", "Amount", "Charge",
        "Waived", "VAT", "Price", "Funder heading", "Note",
    ]
    for i, line in enumerate(hearing.lines):
        r = 2 + i
        row = {c.column_letter: c for c in ws[r]}
        assert (row["A"].value, row["B"].value, row["C"].value, row["D"].value) == (
            kind_word(line.kind), line.description, line.year, line.unit)
        if line.cost_type == "involvement" and line.ref:
            # Co-producer payments follow the people, sessions, hours and rate on their own sheet.
            assert row["E"].value.startswith("='Co-producer payments'!C"), line
            assert row["F"].value.startswith("='Co-producer payments'!H"), line
        else:
            assert row["F"].value == pytest.approx(float(line.unit_price))
        assert row["G"].value == f"=ROUND(E{r}*F{r},2)"
        assert row["I"].value == f'=IF(OR(H{r}="free",H{r}="waived"),G{r},0)'
        # Standard-rated lines at VATRate; an exempt line (the training workshop) carries none.
        assert row["J"].value == ("=0" if line.vat_treatment == "exempt" else f"=ROUND((G{r}-I{r})*VATRate,2)")
        assert row["K"].value == f"=G{r}-I{r}+J{r}"
        assert (row["H"].value, row["L"].value) == (line.charge, line.heading)
        assert row["F"].number_format == GBP and row["G"].number_format == GBP
        if line.cost_type == "involvement_expenses":
            assert str(row["E"].value).startswith("='Co-producer payments'!C"), "follows the people and sessions"
        elif line.kind != "involvement":
            assert row["E"].value == pytest.approx(float(line.quantity))
    total = 2 + len(hearing.lines) + SPARE_ROWS
    assert ws[f"A{total}"].value == "Total"
    assert [ws[f"{c}{total}"].value for c in "GIJK"] == [f"=SUM({c}2:INDEX({c}:{c},ROW()-1))" for c in "GIJK"]
    for r in range(2 + len(hearing.lines), total):  # spare rows: a line typed there is priced and counted
        assert ws[f"E{r}"].value is None and ws[f"G{r}"].value == f"=ROUND(E{r}*F{r},2)"
        assert ws[f"K{r}"].value == f"=G{r}-I{r}+J{r}"


def test_every_total_on_every_sheet_is_a_formula(wb, hearing):
    summary = wb[SUMMARY]
    labels = _labels(summary)
    for label in ("Value at full rates", "Waived (given free)", "VAT", "Price: what the bid asks for",
                  "Funder contribution", "Remainder the funder does not pay"):
        assert summary.cell(labels.index(label) + 1, 2).data_type == "f", label
    year_header = labels.index("Year") + 1
    for y in range(1, hearing.years + 1):
        assert summary.cell(year_header + y, 5).value == f"=SUMIFS(BudgetPrice,BudgetYear,$A{year_header + y})"
    funder = wb[FUNDER]
    heading_header = _labels(funder).index("Heading") + 1
    for k, _ in enumerate(hearing.funder.headings, 1):
        assert funder.cell(heading_header + k, 5).value.startswith("=SUMPRODUCT((BudgetHeading=")
    # Every amount that is not an input is a formula: no computed figure is typed in. The cost to the
    # university is the engine's (it rests on day rates the workbook does not show per line).
    cost_row = labels.index("Cost to the university (full economic cost)") + 1
    for ws, inputs in ((wb[SUMMARY], ""), (wb[FUNDER], ""), (wb[COPRODUCERS], "G"), (wb[BUDGET], "F")):
        for row in ws.iter_rows():
            for cell in row:
                if ws.title == SUMMARY and cell.row == cost_row:
                    continue
                if cell.number_format == GBP and cell.value is not None and cell.column_letter not in inputs:
                    assert cell.data_type == "f", f"{ws.title}!{cell.coordinate} = {cell.value!r}"


def test_input_columns_have_shaded_headings(wb):
    shaded = {
        ws.title: [c.value for c in ws[row] if str(c.fill.fgColor.rgb).endswith("FFF2CC")]
        for ws, row in ((wb[BUDGET], 1), (wb[COPRODUCERS], 3))
    }
    assert shaded == {
        BUDGET: ["Quantity", "Unit price", "Charge"],
        COPRODUCERS: ["People", "Sessions", "Hours per session", "Preparation hours per session", "Hourly rate"],
    }


def test_inputs_are_shaded_and_rates_are_named_cells(wb, hearing):
    assert _cell_for_name(wb, "VATRate").value == pytest.approx(0.2)
    assert "FunderPays" not in wb.defined_names  # the share depends on each heading's category now
    assert _cell_for_name(wb, "FunderIndirect").value == 0
    assert _cell_for_name(wb, "VATRate").number_format == "0%"
    total = 2 + len(hearing.lines) + SPARE_ROWS
    for name, col in (("BudgetYear", "C"), ("BudgetPrice", "K"), ("BudgetHeading", "L"), ("BudgetKind", "A")):
        # From the first line to the row above the Total, wherever rows are inserted.
        assert wb.defined_names[name].attr_text == f"Budget!${col}$2:INDEX(Budget!${col}:${col},ROW(Budget!${col}${total})-1)"


def test_coproducer_sheet_shows_people_sessions_hours_rates_and_links_to_budget(wb, hearing):
    ws = wb[COPRODUCERS]
    assert [c.value for c in ws[3]][:12] == [
        "Activity", "Year", "People", "Sessions", "Hours per session", "Preparation hours per session",
        "Hourly rate", "Payment per person per session", "Payments", "Expenses per person per session",
        "Expenses", "Total",
    ]
    panel = [row for row in ws.iter_rows(min_row=4, values_only=True) if row[0] == "Lived-experience advisory panel"]
    assert [row[:6] for row in panel] == [("Lived-experience advisory panel", 1, 10, 4, 2.5, 1),
                                          ("Lived-experience advisory panel", 2, 10, 4, 2.5, 1)]
    assert [row[6] for row in panel] == [30, 30], "the hourly rate in force each year (NIHR: current prices)"
    assert all(row[7].startswith("=ROUNDUP(ROUND(G") and row[8].startswith("=Budget!G") for row in panel)
    assert all(row[9].startswith("=Budget!F") and row[10].startswith("=Budget!G") for row in panel), "expenses"
    included = [row for row in ws.iter_rows(min_row=4, values_only=True)
                if row[0] == "Co-production training workshop: co-producer payments"]
    assert included and included[0][2] == 2 and str(included[0][3]).startswith("=Budget!E"), "sessions = workshops"
    labels = _labels(ws)
    assert ws.cell(labels.index("Budget: co-producer payments and expenses") + 1, 12).value == (
        '=SUMIF(BudgetKind,"Co-producers",BudgetAmount)')


def test_funder_view_lists_every_heading_by_year_and_what_the_funder_pays(wb, hearing):
    ws = wb[FUNDER]
    labels = _labels(ws)
    header = labels.index("Heading") + 1
    assert labels[header: header + len(hearing.funder.headings)] == list(hearing.funder.heading_names)
    shown = [c.value for c in ws[header]]
    assert shown[-2:] == ["Share paid", "Funder pays"], "a share and a contribution per heading"
    # NIHR pays an NHS body 100% of direct costs and nothing of indirect costs.
    shares = {ws.cell(header + k, len(shown) - 1).value for k, h in enumerate(hearing.funder.headings, 1)
              if h.category == "directly-incurred"}
    assert shares == {1}
    (indirect,) = [k for k, h in enumerate(hearing.funder.headings, 1) if h.category == "indirect"]
    assert ws.cell(header + indirect, len(shown) - 1).value == 0
    assert [ws.cell(header, 5 + y).value for y in range(1, hearing.years + 1)] == [1, 2]
    assert ws.cell(header, 6).number_format == '"Year "0'
    for label in ("Reconciles with the Budget total price", "Funder contribution", "Remainder: price the funder does not pay"):
        assert label in labels


def test_funder_view_shows_the_funders_share_and_indirect_costs_as_percentages(wb):
    ws = wb[FUNDER]
    labels = _labels(ws)
    for label, name in (
        ("Flat indirect rate the funder adds on its base", "=FunderIndirect"),
    ):
        cell = ws.cell(labels.index(label) + 1, 5)
        assert cell.value == name
        assert cell.number_format.endswith("%"), f"{label}: {cell.number_format!r} shows 0.8 for 80%"
    header = labels.index("Heading") + 1
    share = [c.value for c in ws[header]].index("Share paid") + 1
    assert all(ws.cell(r, share).number_format.endswith("%") for r in range(header + 1, labels.index("Total") + 1))
    indirect_share = ws.cell(labels.index("Share of indirect costs paid") + 1, 5)
    assert indirect_share.number_format.endswith("%")


# --- an edit cannot leave co-producers unpaid ------------------------------------------------


def _validations_of(ws, coordinate: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


def _stops_the_entry(dv) -> bool:
    """Excel accepts anything typed into a validated cell unless the error alert is on."""
    return bool(dv.showErrorMessage) and dv.errorStyle in (None, "stop")


@pytest.mark.parametrize("example", ["hearing", "patient_data"])
def test_coproducer_lines_can_only_be_charged_other_lines_take_any_charge(example, request, tmp_path):
    costing = request.getfixturevalue(example)
    ws = _load(costing, tmp_path)[BUDGET]
    kinds = set()
    for i, line in enumerate(costing.lines):
        coordinate = f"H{2 + i}"
        (dv,) = _validations_of(ws, coordinate)  # exactly one: overlapping validations are not allowed
        assert dv.type == "list" and _stops_the_entry(dv), coordinate
        if line.kind == "involvement":
            assert dv.formula1 == '"charged"', f"{coordinate}: co-producer line {line.description!r}"
            assert "Co-producers are always paid" in dv.error
        else:
            assert dv.formula1 == '"charged,free,requested,waived"', coordinate
        kinds.add(line.kind)
    assert {"involvement", "service"} <= kinds


@pytest.fixture(scope="module")
def hearing_uplifted(hearing, book) -> Costing:
    """Hearing checks as an application to an AMRC charity, whose applicants add inflation."""
    return estimate(hearing.spec.with_project(funder="amrc-charity", applicant="university"), book)


def test_hourly_rates_cannot_go_below_the_coproducer_rate(hearing_uplifted, tmp_path):
    ws = _load(hearing_uplifted, tmp_path)[COPRODUCERS]
    total = _labels(ws).index("Total") + 1
    rows = [r for r in range(4, total) if ws.cell(r, 7).value is not None]
    assert len(rows) >= 3
    for r in rows:
        (dv,) = _validations_of(ws, f"G{r}")
        assert (dv.type, dv.operator) == ("decimal", "greaterThanOrEqual") and _stops_the_entry(dv)
        assert Decimal(dv.formula1) == Decimal("30.00")
        assert "Co-producers are always paid at least £30.00 per hour" in dv.error
        assert ws.cell(r, 7).value >= 30, "the rate as priced passes its own check"
    uplifted = [ws.cell(r, 7).value for r in rows if ws.cell(r, 2).value == 2]
    assert uplifted and all(rate > 30 for rate in uplifted), "later years: uplifted rate, floored at the rate itself"
    assert [ws.cell(r, 7).value for r in rows if ws.cell(r, 2).value == 1] == [30] * (len(rows) - len(uplifted))


def test_people_sessions_and_hours_follow_the_costing_files_rules(wb, hearing):
    ws = wb[COPRODUCERS]
    total = _labels(ws).index("Total") + 1
    linked = [r for r in range(4, total) if ws.cell(r, 3).value is not None]
    assert len(linked) >= 3
    rules = {"C": ("whole", "greaterThanOrEqual", "1"), "E": ("decimal", "greaterThan", "0"),
             "F": ("decimal", "greaterThanOrEqual", "0")}
    for r in linked:
        for column, rule in rules.items():
            (dv,) = _validations_of(ws, f"{column}{r}")
            assert (dv.type, dv.operator, dv.formula1) == rule and _stops_the_entry(dv), f"{column}{r}"
        sessions = ws.cell(r, 4)
        if sessions.data_type == "n":  # typed here; a service's sessions are its Budget quantity
            (dv,) = _validations_of(ws, sessions.coordinate)
            assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "1")
    hours = _validations_of(ws, f"E{linked[0]}")[0]
    assert "Co-producers are always paid" in hours.error


RATE_RISE = """
[[coproducer_rate]]
tier = "standard"
name = "Standard"
effective = 2027-01-01
hourly_rate = 32.00
source = "illustrative: a test rise"
"""


def test_each_years_hourly_rate_is_floored_at_the_rate_in_force_for_that_year(rates_copy, append, tmp_path):
    append(rates_copy, "coproducer.toml", RATE_RISE)
    spec = parse_spec({
        "project": {"title": "Rise", "client": "external", "funder": "amrc-charity", "applicant": "university",
                    "start": "2026-04-01", "months": 36, "priced_on": "2027-06-01"},
        "involvement": [{"activity": "Panel", "people": 2, "sessions": 3, "hours": "2", "years": [1, 2, 3]}],
    })
    costing = estimate(spec, load_rates(rates_copy))
    ws = _load(costing, tmp_path)[COPRODUCERS]
    floors, rates = {}, {}
    for r in range(4, 7):
        year = ws.cell(r, 2).value
        (dv,) = _validations_of(ws, f"G{r}")
        floors[year], rates[year] = Decimal(dv.formula1), Decimal(str(ws.cell(r, 7).value))
    # Years 1 and 2 have started: priced at the rate in force when each began (£30, then
    # £32); year 3 is today's £32 uplifted for 1 August 2027, and may not go below £32.
    assert floors == {1: Decimal("30.00"), 2: Decimal("32.00"), 3: Decimal("32.00")}
    assert rates[1] == 30 and rates[2] == 32 and rates[3] > 32


def test_justification_sheet_is_the_justification_text(wb, hearing):
    paragraphs = [v for v in _labels(wb[JUSTIFICATION])[3:] if v]
    assert paragraphs == hearing.justification().split("\n\n")


def test_rates_sheet_shows_every_rate_used_with_its_source(wb, hearing):
    ws = wb[RATES]
    assert [c.value for c in ws[1]] == ["Table", "Item", "What", "Amount", "Unit", "Effective from", "Source", "Illustrative"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    for table, row in hearing.rates_used:
        mine = [r for r in rows if r[0] == TABLE_WORDS[table] and (r[1] or "") == row.key]
        assert mine, (table, row.key)
        assert all(r[6] == row.source and r[5].date() == row.effective for r in mine)
        assert all(r[7] == ("yes" if row.illustrative else "no") for r in mine)
    rate = next(r for r in rows if r[0] == "Co-producer rate")
    assert rate[3] == 30 and rate[4] == "hour" and "Co-Production Collective" in rate[6]


def test_summary_shows_project_totals_tables_and_stamp(wb, hearing):
    ws = wb[SUMMARY]
    pairs = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    project = hearing.spec.project
    assert pairs["Project"] == project.title
    assert pairs["Client"] == "External client"
    assert pairs["Organisation"] == "NHS England"
    assert pairs["Funder"] == hearing.funder.name
    assert pairs["Reference"] == "HC-2026-014"
    assert pairs["Start"].date() == project.start and pairs["Months"] == 24
    assert pairs["Rates in force on"].date() == hearing.stamp.priced_on
    assert pairs["SHA-256 of the rates in force"] == hearing.stamp.sha256
    from copro_costing import __version__

    assert pairs["copro-costing version"] == __version__
    assert "By project year" in pairs and f"By {hearing.funder.name} heading" in pairs


def test_illustrative_banner_shown_only_when_illustrative_rates_were_used(wb, group, confirmed_rates, tmp_path):
    # The advisory group for NIHR, once finance has confirmed NIHR's rules, uses only published figures.
    group = estimate(group.spec.with_project(funder="nihr"), load_rates(confirmed_rates))
    assert ILLUSTRATIVE_BANNER.lower().startswith("contains illustrative rates: confirm with finance before submitting")
    assert wb[SUMMARY]["A2"].value == ILLUSTRATIVE_BANNER
    assert str(wb[SUMMARY]["A2"].fill.fgColor.rgb).endswith("C00000")
    assert not group.illustrative
    plain = _load(group, tmp_path)
    assert ILLUSTRATIVE_BANNER not in [c.value for row in plain[SUMMARY].iter_rows() for c in row]


def test_price_by_year_chart_on_summary_starts_at_zero(hearing_path):
    with zipfile.ZipFile(hearing_path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/")]
        assert charts == ["xl/charts/chart1.xml"]
        xml = z.read(charts[0]).decode()
    assert "barChart" in xml and "Summary" in xml and "Price by project year" in xml
    assert '<c:min val="0"/>' in xml, "the price axis starts at zero, so bars compare honestly"


def test_print_setup_a4_repeated_headers_print_areas_headers_and_footers(wb, hearing):
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize == 9, f"{ws.title}: A4"
        assert ws.print_area, ws.title
        assert "Page &P of &N" in ws.oddFooter.right.text, ws.title
        assert hearing.spec.project.title in ws.oddHeader.left.text
        assert ws.oddHeader.right.text == hearing.spec.project.reference
        assert hearing.stamp.priced_on.isoformat() in ws.oddFooter.left.text
        assert hearing.stamp.sha256[:12] in ws.oddFooter.left.text
        assert ws.column_dimensions["A"].width >= 10
    assert wb[BUDGET].freeze_panes == "A2"
    assert wb[RATES].freeze_panes == "A2"
    assert wb[COPRODUCERS].freeze_panes == "A4"
    assert wb[BUDGET].print_title_rows == "$1:$1"
    assert wb[COPRODUCERS].print_title_rows == "$3:$3"
    assert wb[BUDGET].page_setup.orientation == "landscape" and wb[SUMMARY].page_setup.orientation == "portrait"
    props = wb.properties
    assert props.title == f"Co-production costing: {hearing.spec.project.title}"
    assert props.subject and hearing.funder.name in props.subject
    assert props.creator.startswith("copro-costing")
    priced = hearing.stamp.priced_on
    assert props.created.date() == props.modified.date() == priced


def test_wrapped_text_gets_row_heights_that_hold_it(wb, hearing):
    from copro_costing.export.workbook.book import LINE_HEIGHT, wrapped_lines

    justification = wb[JUSTIFICATION]
    long = [c for (c,) in justification.iter_rows(min_row=4, max_col=1) if c.value and len(c.value) > 120]
    assert long
    for cell in long:
        lines = wrapped_lines(cell.value, justification.column_dimensions["A"].width)
        assert lines >= 2 and justification.row_dimensions[cell.row].height >= LINE_HEIGHT * lines, cell.coordinate
        assert cell.alignment.wrap_text
    header = wb[COPRODUCERS].row_dimensions[3].height
    assert header >= 2 * LINE_HEIGHT, "wrapped headers get the height of their lines"


# --- text never becomes a formula ----------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "#REF!",
]


def _hostile(costing: Costing, texts: list[str]) -> Costing:
    project = costing.spec.project.model_copy(update={"title": texts[0], "organisation": texts[1], "reference": texts[2]})
    spec = costing.spec.model_copy(update={"project": project})
    lines = tuple(
        dataclasses.replace(line, description=texts[i % len(texts)], note=texts[(i + 3) % len(texts)],
                            unit=texts[(i + 5) % len(texts)])
        for i, line in enumerate(costing.lines)
    )
    return dataclasses.replace(costing, spec=spec, lines=lines)


def _formula_texts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [
            f for name in z.namelist() if name.startswith("xl/worksheets/sheet")
            for f in re.findall(r"<f>(.*?)</f>", z.read(name).decode())
        ]


def test_user_text_that_looks_like_a_formula_is_stored_as_text(hearing, tmp_path):
    costing = _hostile(hearing, HOSTILE)
    path = costing.to_excel(tmp_path / "hostile.xlsx")
    formulas = _formula_texts(path)
    assert formulas, "the exporter's own formulas are there"
    for text in ("HYPERLINK", "cmd", "1+1", "2+3", "SUM(A1:A2)"):
        assert not [f for f in formulas if text in f], text
    wb = openpyxl.load_workbook(path)
    budget = wb[BUDGET]
    for i, line in enumerate(costing.lines):
        for column, expected in ((2, line.description), (4, line.unit), (13, line.note)):
            cell = budget.cell(2 + i, column)
            assert cell.data_type == "s", (cell.coordinate, cell.value)
            assert cell.value == expected.replace("\r", "\n")  # XML reads a carriage return as a line feed
    summary = {row[0]: row[1] for row in wb[SUMMARY].iter_rows() if row[0].value}
    by_label = {k.value: v for k, v in summary.items()}
    assert by_label["Project"].value == HOSTILE[0] and by_label["Project"].data_type == "s"
    assert by_label["Organisation"].value == HOSTILE[1] and by_label["Organisation"].data_type == "s"
    assert by_label["Reference"].value == HOSTILE[2] and by_label["Reference"].data_type == "s"


@settings(max_examples=40, deadline=None)
@given(
    start=st.sampled_from(FORMULA_STARTS),
    rest=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
)
def test_any_text_starting_like_a_formula_is_text(tmp_path_factory, group, start, rest):
    text = start + rest
    costing = _hostile(group, [text] * 3)
    path = costing.to_excel(tmp_path_factory.mktemp("h") / "h.xlsx")
    wb = openpyxl.load_workbook(path)
    cell = wb[BUDGET]["B2"]
    assert cell.data_type == "s"
    assert cell.value == text.replace("\r", "\n")
    assert wb[COPRODUCERS]["A4"].data_type == "s"


def test_control_characters_xml_cannot_hold_are_dropped_not_fatal(group, tmp_path):
    costing = _hostile(group, ["Panel\x00\x07 A"] * 3)
    wb = _load(costing, tmp_path)
    assert wb[BUDGET]["B2"].value == "Panel A"


# --- determinism and atomic writes -------------------------------------------------------


def test_same_costing_gives_the_same_bytes(hearing, tmp_path):
    first = hearing.to_excel(tmp_path / "a.xlsx").read_bytes()
    time.sleep(1.1)  # a clock-stamped file would differ now
    second = hearing.to_excel(tmp_path / "b.xlsx").read_bytes()
    assert first == second
    assert workbook_bytes(hearing) == first


def test_zip_entries_carry_one_fixed_time_and_document_dates_are_the_pricing_date(hearing_path, hearing):
    priced = hearing.stamp.priced_on
    with zipfile.ZipFile(hearing_path) as z:
        times = {info.date_time for info in z.infolist()}
        core = z.read("docProps/core.xml").decode()
    assert len(times) == 1 and next(iter(times))[0] == 1980, "XlsxWriter dates every entry in 1980, not by the clock"
    stamps = re.findall(r"\d{4}-\d\d-\d\dT[\d:]+Z?", core)
    assert stamps and all(s.startswith(priced.isoformat()) for s in stamps)


def test_two_separate_processes_write_the_same_bytes(tmp_path, examples_dir):
    outputs = []
    for n in range(2):
        out = tmp_path / f"run{n}.xlsx"
        subprocess.run([sys.executable, "-m", "copro_costing", "quote", str(examples_dir / "hearing-checks.toml"),
                        "-o", str(out)], check=True, capture_output=True, env={**__import__("os").environ,
                                                                               "PYTHONHASHSEED": str(n)})
        outputs.append(out.read_bytes())
        time.sleep(1.1)
    assert outputs[0] == outputs[1]


def test_rates_used_on_another_day_change_the_bytes(examples_dir, book):
    spec = load_spec(examples_dir / "advisory-group.toml")
    later = spec.model_copy(update={"project": spec.project.model_copy(update={"priced_on": date(2027, 4, 1)})})
    assert workbook_bytes(estimate(spec, book)) != workbook_bytes(estimate(later, book))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_failure_while_building_leaves_nothing_and_keeps_an_existing_file(hearing, tmp_path, monkeypatch):
    def broken(ctx):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(xlsx, "write_rates", broken)
    target = tmp_path / "new.xlsx"
    with pytest.raises(RuntimeError, match="disk on fire"):
        hearing.to_excel(target)
    assert _leftovers(tmp_path) == []
    existing = tmp_path / "existing.xlsx"
    existing.write_bytes(b"the facilitator's previous workbook")
    with pytest.raises(RuntimeError):
        hearing.to_excel(existing)
    assert existing.read_bytes() == b"the facilitator's previous workbook"
    assert _leftovers(tmp_path) == ["existing.xlsx"]


def test_a_failure_while_writing_leaves_nothing_and_keeps_an_existing_file(hearing, tmp_path, monkeypatch):
    import copro_costing.atomic as atomic

    existing = tmp_path / "costing.xlsx"
    existing.write_bytes(b"old")

    def no_rename(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(atomic.os, "replace", no_rename)
    with pytest.raises(OSError, match="rename failed"):
        hearing.to_excel(existing)
    assert existing.read_bytes() == b"old"
    assert _leftovers(tmp_path) == ["costing.xlsx"]


# --- edges, the command line and imports ---------------------------------------------------


def test_an_empty_costing_still_makes_a_workbook(book, tmp_path):
    spec = parse_spec({"project": {"title": "Nothing yet", "client": "internal", "funder": "ukri",
                                   "start": "2026-04-01", "months": 6, "priced_on": "2026-04-01"}})
    wb = _load(estimate(spec, book), tmp_path)
    assert wb.sheetnames == list(SHEETS)
    assert _cell_for_name(wb, "TotalPrice").value == "=SUM(K2:INDEX(K:K,ROW()-1))"
    assert _cell_for_name(wb, "TotalPrice").row == 2 + SPARE_ROWS


def test_to_excel_returns_the_path_and_accepts_a_string(group, tmp_path):
    target = tmp_path / "g.xlsx"
    assert group.to_excel(str(target)) == target
    assert zipfile.is_zipfile(target)


def test_cli_quote_writes_the_workbook_and_warns_about_illustrative_rates(examples_dir, rates_dir, tmp_path, capsys):
    out = tmp_path / "costing.xlsx"
    code = main(["quote", str(examples_dir / "hearing-checks.toml"), "--rates", str(rates_dir), "-o", str(out)])
    assert code == 0
    assert "contains illustrative rates: confirm with finance before submitting" in capsys.readouterr().err
    assert openpyxl.load_workbook(out).sheetnames == list(SHEETS)


def test_no_spreadsheet_library_is_imported_with_the_package_or_for_json():
    code = (
        "import sys, copro_costing\n"
        "from copro_costing import estimate, load_spec\n"
        "from copro_costing.cli.render import render\n"
        "assert 'openpyxl' not in sys.modules, 'openpyxl imported at package import'\n"
        "assert 'xlsxwriter' not in sys.modules, 'xlsxwriter imported at package import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_justification_follows_the_locale(group, tmp_path):
    wb = openpyxl.load_workbook(xlsx.write_workbook(group, tmp_path / "de.xlsx", locale="de_DE"))
    text = "\n".join(v for v in _labels(wb[JUSTIFICATION]) if v)
    assert "10.080,00" in text


def test_quantities_and_unit_prices_typed_on_other_lines_must_be_positive(tmp_path, book, examples_dir):
    from copro_costing import estimate, load_spec

    costing = estimate(load_spec(examples_dir / "hearing-checks.toml"), book)
    path = costing.to_excel(tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(path)["Budget"]
    rules = {(v.type, v.operator, v.formula1): str(v.sqref) for v in ws.data_validations.dataValidation}
    quantity = rules[("decimal", "greaterThan", "0")]
    price = rules[("decimal", "greaterThanOrEqual", "0")]
    assert quantity.startswith("E") and price.startswith("F")
    service_row = next(r for r in range(2, ws.max_row + 1) if ws[f"A{r}"].value == kind_word("service"))
    spare = 2 + len(costing.lines)
    assert any(_in_range(f"E{spare}", part) for part in quantity.split()), "spare rows are checked too"
    assert any(_in_range(f"E{service_row}", part) for part in quantity.split())
    assert any(_in_range(f"F{service_row}", part) for part in price.split())


def _in_range(cell: str, ref: str) -> bool:
    from openpyxl.utils.cell import range_boundaries

    col, row = openpyxl.utils.cell.coordinate_from_string(cell)
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    index = openpyxl.utils.cell.column_index_from_string(col)
    return min_col <= index <= max_col and min_row <= row <= max_row
