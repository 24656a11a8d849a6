"""How the portfolio groups costings: names alike but for case, external clients, dates, services.

The workbook's formulas compare text as Excel and LibreOffice do (ignoring case), so the
report groups names the same way, or a recalculated workbook would differ from the figures
it was written with.
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_costing import estimate, load_spec, portfolio
from copro_costing.portfolio_report import examples_dir
from copro_costing.portfolio_report.html import axis_label, axis_steps
from copro_costing.portfolio_report.report import EXTERNAL
from copro_costing.portfolio_report.sections import LABELS
from spreadsheet import find_soffice, in_ci, is_error, money, recalculate

EXAMPLES = examples_dir()


def _copy(folder, name: str, department: str | None = None, faculty: str | None = None):
    """An example costing copied into ``folder``, its [status] department and faculty set as given."""
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    for key, value in (("department", department), ("faculty", faculty)):
        if value is not None:
            text, n = re.subn(rf'^{key} = ".*"$', f'{key} = "{value}"', text, flags=re.M)
            if not n:  # (the example names none: add it to its [status])
                text = text.replace("[status]\n", f'[status]\n{key} = "{value}"\n')
    (folder / name).write_text(text, encoding="utf-8")


def _internal_won() -> list[str]:
    """Example files of awarded or delivered work for internal clients (they have a department)."""
    p = portfolio(EXAMPLES)
    return sorted(r.file.rsplit("/", 1)[-1] for r in p.records if r.internal and r.won)


def test_departments_differing_only_in_case_or_spacing_are_one_group_shown_by_the_most_used_spelling(tmp_path):
    first, second, third = _internal_won()[:3]
    _copy(tmp_path, first, department="EAR INSTITUTE")
    _copy(tmp_path, second, department="Ear Institute")
    _copy(tmp_path, third, department="Ear  Institute")  # (two spaces: one name all the same)
    p = portfolio(tmp_path)
    (ear,) = [g for g in p.report.by_department if g.name.lower() == "ear institute"]
    assert (ear.name, ear.costings) == ("Ear Institute", 3)
    assert ear.price == sum(r.price for r in p.records)
    assert list(p.report.given_free_by_department) == ["Ear Institute"]
    assert list(p.as_json()["by_department"]) == ["Ear Institute"]


def test_an_external_clients_department_is_grouped_as_an_external_client_with_a_warning(tmp_path):
    p = portfolio(EXAMPLES)
    external = next(r for r in p.records if not r.internal)
    name = external.file.rsplit("/", 1)[-1]
    _copy(tmp_path, name, department="Research Office", faculty="Their faculty")
    p = portfolio(tmp_path)
    assert [g.name for g in p.report.by_department] == [EXTERNAL]
    assert [g.name for g in p.report.by_faculty] == [EXTERNAL]
    assert any("external costing(s) name a department" in w and name in w for w in p.warnings())
    assert "| " + EXTERNAL + " |" in p.to_markdown()  # the Costings table shows it as grouped
    (listed,) = p.as_json()["files"]
    assert (listed["department"], listed["faculty"]) == (EXTERNAL, EXTERNAL)
    assert listed["waived"] == str(p.records[0].given_free) and "given_free" not in listed  # (its own, any stage)


def test_dates_limit_the_financial_year_tables_to_the_years_they_touch(run):
    whole = json.loads(run("portfolio", EXAMPLES, "-f", "json")[1])
    data = json.loads(run("portfolio", EXAMPLES, "--from", "2026-08-01", "--to", "2027-07-31", "-f", "json")[1])
    assert len(whole["by_financial_year"]) > 1
    assert list(data["by_financial_year"]) == ["2026-27"]
    assert data["by_financial_year"]["2026-27"] == whole["by_financial_year"]["2026-27"]
    assert all(list(row) == ["2026-27"] for row in data["given_free_by_department"].values())
    assert any("financial years those dates touch" in w for w in data["warnings"])
    text = run("portfolio", EXAMPLES, "--from", "2026-08-01", "--to", "2027-07-31", "-f", "md")[1]
    assert text.count("Shown: financial year 2026-27 only, the dates asked for") == 2  # years and departments


def test_each_service_is_value_less_waived_plus_vat_and_its_given_free_is_the_awarded_part(run):
    p = portfolio(EXAMPLES)
    won = {r.file for r in p.records if r.won}
    value: dict[str, Decimal] = {}
    waived: dict[str, Decimal] = {}
    price: dict[str, Decimal] = {}
    given: dict[str, Decimal] = {}
    for r in p.records:  # each service line of each costing's own JSON, by the service's name
        data = json.loads(run("quote", r.file, "--format", "json")[1])
        for line in data["lines"]:
            if line["kind"] != "service":
                continue
            sid = line["description"]
            amount, vat = Decimal(line["amount"]), Decimal(line["vat"])
            free = amount if line["charge"] in ("free", "waived") else Decimal("0.00")
            value[sid] = value.get(sid, Decimal(0)) + amount
            waived[sid] = waived.get(sid, Decimal(0)) + free
            price[sid] = price.get(sid, Decimal(0)) + amount - free + vat
            given[sid] = given.get(sid, Decimal(0)) + (free if r.file in won else 0)
    assert {s.name: (s.value, s.waived, s.price, s.given_free) for s in p.report.by_service} == {
        sid: (value[sid], waived[sid], price[sid], given[sid]) for sid in value}
    assert any(s.waived > s.given_free for s in p.report.by_service)  # some waived work is in bids not won
    by_service = p.as_json()["by_service"]
    assert all(set(v) >= {"value", "waived", "price", "given_free"} for v in by_service.values())


@pytest.mark.spreadsheet
def test_a_workbook_with_names_alike_but_for_case_recalculates_to_its_own_figures(tmp_path):
    soffice = find_soffice()
    if soffice is None:
        if in_ci():
            pytest.fail("LibreOffice (soffice) is required under CI")
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path / "costings"
    folder.mkdir()
    for name in (EXAMPLES).glob("*.toml"):
        shutil.copy(name, folder / name.name)
    first, second = _internal_won()[:2]
    _copy(folder, first, department="Ear Institute", faculty="BRAIN SCIENCES")
    _copy(folder, second, department="EAR  INSTITUTE", faculty="Brain Sciences")
    source = tmp_path / "portfolio.xlsx"
    portfolio(folder).to_excel(source)
    computed = openpyxl.load_workbook(recalculate([source], tmp_path, soffice)[source], data_only=True)
    formulas, cached = openpyxl.load_workbook(source), openpyxl.load_workbook(source, data_only=True)
    checked = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    got, want = computed[ws.title][cell.coordinate], cached[ws.title][cell.coordinate].value
                    assert not is_error(got), f"{ws.title}!{cell.coordinate}"
                    if isinstance(want, (int, float)) and not isinstance(want, bool):
                        assert money(got.value) == money(want), f"{ws.title}!{cell.coordinate} {cell.value}"
                    checked += 1
    assert checked > 100
    costings = computed["Costings"]
    column = [c.value for c in costings[1]].index("Department")
    assert "EAR  INSTITUTE" not in [row[column].value for row in costings.iter_rows(min_row=2)]  # as grouped


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2))
def test_chart_gridlines_are_round_amounts_reaching_the_tallest_bar(peak):
    step, ticks = axis_steps(peak)
    assert 1 <= ticks <= 6
    assert step * (ticks - 1) < peak <= step * ticks  # the top gridline is the first at or above the peak
    digits = step.normalize().as_tuple().digits
    assert digits in ((1,), (2,), (2, 5), (5,))  # 1, 2, 2.5 or 5 times a power of ten


def test_the_html_charts_gridlines_are_labelled_with_round_amounts():
    page = portfolio(EXAMPLES).to_html()
    labels = re.findall(r'text-anchor="end">([^<]+)</text>', page)
    assert labels[:2] == ["£0", "£20,000"]  # whole amounts, without pennies
    assert all(re.fullmatch(r"£[0-9]{1,3}(,000)*", label) for label in labels), labels
    assert axis_label(Decimal("2.5"), "en_GB", "GBP", whole=False) == "£2.50"  # (a step under a pound keeps them)
    assert axis_label(Decimal(80000), "fr_FR", "EUR", whole=True) == "80\u202f000\xa0€"


def test_the_pages_count_what_was_left_out_as_files_and_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.toml").write_text("[project\n", encoding="utf-8")
    p = portfolio([EXAMPLES, tmp_path / "empty", tmp_path / "broken.toml"], keep_going=True)
    assert "**Left out, with problems: 1 file and 1 folder**" in p.to_markdown()
    assert "Left out, with problems: 1 file and 1 folder</strong>" in p.to_html()


def test_the_workbook_says_which_financial_years_its_tables_show_when_dates_are_asked_for(tmp_path):
    portfolio(EXAMPLES, date_from="2026-08-01", date_to="2027-07-31").to_excel(tmp_path / "year.xlsx")
    portfolio(EXAMPLES).to_excel(tmp_path / "all.xlsx")
    texts = {name: [c.value for ws in openpyxl.load_workbook(tmp_path / name).worksheets
                    for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
             for name in ("year.xlsx", "all.xlsx")}
    note = "financial year 2026-27 only, the dates asked for"
    for heading in ("By financial year (1 August – 31 July): ", "Given free to internal clients, by department and "
                    "financial year: "):
        assert any(t.startswith(heading + note) for t in texts["year.xlsx"]), heading
    assert not any(note in t for t in texts["all.xlsx"])


def test_each_currency_has_its_own_headline_and_a_folder_in_euros_alone_shows_no_empty_pounds_report(tmp_path):
    euros = tmp_path / "euros"
    euros.mkdir()
    text = (EXAMPLES / "hearing-checks.toml").read_text(encoding="utf-8")
    (euros / "in-euros.toml").write_text(
        text.replace("[project]\n", '[project]\ncurrency = "EUR"\nexchange_rate = 1.17\n'
                     'exchange_rate_source = "Finance office rate, 1 June 2026"\n', 1), encoding="utf-8")
    p = portfolio(euros)
    assert p.report.records == () and len(p.reports["EUR"].records) == 1
    assert not any("reported apart" in w for w in p.warnings())  # (alone, they are the report)
    markdown, page = p.to_markdown(), p.to_html()
    for view in (markdown, page):
        assert "No costings in GBP: each costing is reported below in its own currency." in view
        assert "£" not in view  # no empty report in pounds, no chart of nothing
        assert "Costings in EUR" in view and LABELS["awarded"] in view
    wb = openpyxl.load_workbook(p.to_excel(tmp_path / "euros.xlsx"))  # the workbook: its Summary in euros
    assert wb.sheetnames[:2] == ["Summary", "Breakdown"] and "Costings in EUR" not in wb.sheetnames
    cached = openpyxl.load_workbook(tmp_path / "euros.xlsx", data_only=True)["Summary"]
    awarded = next(row for row in cached.iter_rows() if row[0].value == LABELS["awarded"])[1]
    assert "EUR" in awarded.number_format and "£" not in awarded.number_format
    assert money(awarded.value) == p.reports["EUR"].total.awarded
    both = tmp_path / "both"
    shutil.copytree(euros, both)
    shutil.copy(EXAMPLES / "advisory-group.toml", both)
    markdown = portfolio(both).to_markdown()
    assert markdown.count("| " + LABELS["awarded"] + " |") == 2  # pounds, then euros


def test_a_warning_names_ten_files_then_counts_the_rest(tmp_path):
    # twelve external costings, each naming a department and giving no pricing date
    external = next(r for r in portfolio(EXAMPLES).records if not r.internal).file.rsplit("/", 1)[-1]
    text = re.sub(r"^priced_on = .*$\n", "", (EXAMPLES / external).read_text(encoding="utf-8"), flags=re.M)
    text = text.replace("[status]\n", '[status]\ndepartment = "Research Office"\n')
    for n in range(1, 13):
        (tmp_path / f"bid-{n:02}.toml").write_text(text, encoding="utf-8")
    p = portfolio(tmp_path)
    unpriced = next(w for w in p.warnings() if "have no priced_on" in w)
    named = next(w for w in p.warnings() if "name a department" in w)
    for warning in (unpriced, named):
        assert warning.startswith("12 ")
        assert str(tmp_path / "bid-10.toml") in warning and "bid-11" not in warning and "bid-12" not in warning
        assert warning.endswith("bid-10.toml and 2 more (the JSON report names every one)")
    for warning in p.as_json()["warnings"]:  # (for programs: every file, as p.warnings(limit=None) gives them)
        if "have no priced_on" in warning or "name a department" in warning:
            assert all(str(tmp_path / f"bid-{n:02}.toml") in warning for n in range(1, 13))
    assert p.as_json()["warnings"] == p.warnings(limit=None)


def test_names_alike_but_for_accents_encoding_or_invisible_characters_are_one_group(tmp_path):
    first, second, third = _internal_won()[:3]
    fourth = "policy-unit-training.toml"  # (internal too, not won)
    _copy(tmp_path, first, department="Caf\u00e9 Unit")  # é as one character
    _copy(tmp_path, second, department="Cafe\u0301 Unit")  # e and a combining accent
    _copy(tmp_path, third, department="Caf\u00e9\u200b Unit")  # with a zero-width space
    p = portfolio(tmp_path)
    assert [(g.name, g.costings) for g in p.report.by_department] == [("Caf\u00e9 Unit", 3)]
    _copy(tmp_path, first, faculty="Stra\u00dfe")  # ß is ss, whatever the case (casefold, not lower)
    _copy(tmp_path, second, faculty="STRASSE")
    _copy(tmp_path, third, faculty="\u0399\u0308\u0301")  # (normalised again after folding: one with ΐ)
    _copy(tmp_path, fourth, faculty="\u0390")
    faculties = {g.name.casefold(): g.costings for g in portfolio(tmp_path).report.by_faculty}
    assert faculties["strasse"] == 2 and sum(n for name, n in faculties.items() if name != "strasse") == 2
    assert len(faculties) == 2


def test_the_dataframes_group_as_the_report_does_and_name_each_costings_own_waived_work(tmp_path):
    pytest.importorskip("pandas")
    first, second = _internal_won()[:2]
    _copy(tmp_path, first, department="Ear Institute")
    _copy(tmp_path, second, department="EAR  INSTITUTE")
    p = portfolio(tmp_path)
    for table in ("costings", "financial_years", "services"):
        frame = p.to_dataframe(table)
        assert set(frame["department"]) == {"Ear Institute"}, table
        assert "waived" in frame.columns and "given_free" not in frame.columns, table
    every = portfolio(EXAMPLES).to_dataframe()  # each costing's own waived work, whatever its stage
    own = {str(path): estimate(load_spec(path)).totals.waived for path in EXAMPLES.glob("*.toml")}
    assert dict(zip(every["file"], every["waived"], strict=True)) == own
    assert any(w > 0 and stage not in ("awarded", "delivered")
               for w, stage in zip(every["waived"], every["stage"], strict=True))


def test_a_department_is_spelled_the_same_in_every_currencys_report(tmp_path):
    first, second, third = _internal_won()[:3]
    _copy(tmp_path, first, department="Ear Institute")
    _copy(tmp_path, second, department="Ear Institute")
    _copy(tmp_path, third, department="ear institute")  # then costed in euros
    path = tmp_path / third
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[project]\n", '[project]\ncurrency = "EUR"\nexchange_rate = 1.17\n'
        'exchange_rate_source = "Finance office rate, 1 June 2026"\n', 1), encoding="utf-8")
    p = portfolio(tmp_path)
    names = {c: [g.name for g in r.by_department] for c, r in p.reports.items()}
    assert names == {"GBP": ["Ear Institute"], "EUR": ["Ear Institute"]}  # the spelling most costings use
    assert [p.reports["EUR"].department(r) for r in p.reports["EUR"].records] == ["Ear Institute"]
