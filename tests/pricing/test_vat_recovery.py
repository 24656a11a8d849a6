"""Which applicants recover the VAT they pay: a rule of the rate tables (``[[vat_recovery]]``
in tax.toml), read for funders that pay only irrecoverable VAT (Horizon Europe), recorded
in the costing where it changes a figure, and checked like every other row.

Figures from the bundled tables: a £100.00 expense is EUR 115.00 at 1.15 per GBP 1; VAT
20% is EUR 23.00; Horizon Europe adds a flat 25% (EUR 28.75) on it and pays 100%.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from copro_costing import load_rates
from copro_costing.cli import main
from copro_costing.ratebook.folder import TABLE_FILE
from copro_costing.ratebook.models import ROW_TYPES
from snippets import CHARITY_RECOVERS_VAT, HORIZON_CHARITY_SHARE, HORIZON_EXPENSE, INVOLVEMENT, append_rows

ROOT = Path(__file__).resolve().parents[2]
HORIZON = {"funder": "horizon-europe", "client": "external", "months": 12}


LATER = {"start": "2026-07-01", "priced_on": "2026-07-01"}  # after the charity row of 1 June 2026


def horizon(spec_toml, applicant: str, body: str = HORIZON_EXPENSE, **changes: str) -> str:
    return spec_toml(body, **{**HORIZON, **changes}, extra=f'currency = "EUR"\napplicant = "{applicant}"')


@pytest.fixture
def charity_shared(rates_copy: Path) -> Path:
    """The bundled tables, with a newer, confirmed version of the Horizon Europe share for charities."""
    append_rows(rates_copy, "funders.toml", HORIZON_CHARITY_SHARE)
    return rates_copy


@pytest.fixture
def charity_recovers(charity_shared: Path) -> Path:
    """The same, and a charity recovers VAT from 1 June 2026."""
    append_rows(charity_shared, "tax.toml", CHARITY_RECOVERS_VAT)
    return charity_shared


def used(costing, table: str) -> list:
    return [row for t, row in costing.rates_used if t == table]


# --- the rule, read from the tables -------------------------------------------------------------


def test_a_university_does_not_recover_vat_so_horizon_europe_pays_it(quote, spec_toml, check_totals):
    costing = quote(horizon(spec_toml, "university"))
    (line,) = costing.lines
    assert (line.amount, line.vat) == (Decimal("115.00"), Decimal("23.00"))
    assert costing.totals.funder_contribution == Decimal("166.75")  # 138.00 with VAT + 28.75 indirect
    (row,) = used(costing, "vat_recovery")
    assert (row.applicant, row.recovers_vat) == ("university", False)
    assert row.illustrative and costing.illustrative  # the unit's reading: no source says it
    assert {"table": "vat_recovery", "applicant": "university", "recovers_vat": False}.items() <= next(
        r for r in costing.rate_records() if r["table"] == "vat_recovery").items()
    check_totals(costing)


def test_a_charity_that_recovers_vat_is_paid_without_it(quote, spec_toml, charity_recovers):
    costing = quote(horizon(spec_toml, "charity", **LATER), rates=load_rates(charity_recovers))
    assert costing.totals.funder_contribution == Decimal("143.75")  # 115.00 without VAT + 28.75 indirect
    (row,) = used(costing, "vat_recovery")
    assert row.recovers_vat and row.source.startswith("Finance:")
    assert not any("vat_recovery" in w for w in costing.warnings)


def test_the_charity_row_changes_the_contribution_only_from_its_effective_date(quote, spec_toml, charity_shared):
    shared = load_rates(charity_shared)
    not_recovering = quote(horizon(spec_toml, "charity", **LATER), rates=shared)
    append_rows(charity_shared, "tax.toml", CHARITY_RECOVERS_VAT)
    recovering_book = load_rates(charity_shared)
    recovering = quote(horizon(spec_toml, "charity", **LATER), rates=recovering_book)
    (line,) = recovering.lines
    assert not_recovering.totals.funder_contribution == Decimal("166.75")
    assert recovering.totals.funder_contribution == Decimal("143.75")
    assert not_recovering.totals.funder_contribution - recovering.totals.funder_contribution == line.vat
    assert recovering.totals.price == not_recovering.totals.price  # only what the funder pays moves
    (row,) = used(recovering, "vat_recovery")
    assert row.recovers_vat and str(row.effective) == "2026-06-01"
    assert recovering.stamp.sha256 != not_recovering.stamp.sha256
    # Priced before the new row takes effect, the old one applies: old costings reproduce.
    old = quote(horizon(spec_toml, "charity"), rates=shared)
    again = quote(horizon(spec_toml, "charity"), rates=recovering_book)
    assert again.totals == old.totals and again.stamp.sha256 == old.stamp.sha256
    assert again.totals.funder_contribution == Decimal("166.75")
    assert not used(again, "vat_recovery")[0].recovers_vat


def test_the_rule_is_recorded_only_where_it_changes_a_figure(quote, spec_toml):
    # No VAT on the lines (an internal client), or a funder that pays all VAT: nothing to read.
    internal = quote(spec_toml(HORIZON_EXPENSE, funder="horizon-europe", months=12, extra='currency = "EUR"'))
    nihr = quote(spec_toml(INVOLVEMENT, funder="nihr", client="external", extra='applicant = "nhs"'))
    assert used(internal, "vat_recovery") == [] and used(nihr, "vat_recovery") == []
    assert used(quote(horizon(spec_toml, "university")), "vat_recovery") != []


def test_a_folder_made_before_the_table_prices_as_before_and_says_so(quote, spec_toml, rates_copy, book):
    path = rates_copy / "tax.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\n[[vat_recovery]]")] + "\n", encoding="utf-8")
    old = load_rates(rates_copy)
    assert old.rows("vat_recovery") == ()
    costing = quote(horizon(spec_toml, "university"), rates=old)
    assert costing.totals == quote(horizon(spec_toml, "university")).totals  # same figures as with the rows
    assert used(costing, "vat_recovery") == []
    (warning,) = [w for w in costing.warnings if "[[vat_recovery]]" in w]
    assert warning.startswith("illustrative:") and "university applicant" in warning and "not recover" in warning
    assert main(["rates", "check", str(rates_copy), "--today", "2026-01-15"]) == 0  # still a valid folder


def test_the_rule_assumed_for_a_folder_without_the_table_makes_the_costing_illustrative(quote, spec_toml, rates_copy):
    # Every row confirmed, so that the assumed rule is the only thing without a source.
    for path in rates_copy.glob("*.toml"):
        path.write_text(path.read_text(encoding="utf-8").replace('source = "illustrative', 'source = "Confirmed'),
                        encoding="utf-8")
    assert not quote(horizon(spec_toml, "university"), rates=load_rates(rates_copy)).illustrative
    path = rates_copy / "tax.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\n[[vat_recovery]]")] + "\n", encoding="utf-8")
    costing = quote(horizon(spec_toml, "university"), rates=load_rates(rates_copy))
    assert costing.illustrative
    assert json.loads(costing.to_json())["rates"]["illustrative"] is True
    assert costing.assumed == tuple(w for w in costing.warnings if "[[vat_recovery]]" in w)
    (rule,) = costing.assumed
    assert f"Assumed: {rule}" in costing.to_text() and f"> Assumed: {rule}" in costing.to_markdown()


# --- bad values: every problem, with its file and line ---------------------------------------------


def test_bad_vat_recovery_rows_are_each_reported_with_file_and_line(rates_copy: Path, capsys):
    path = rates_copy / "tax.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('applicant = "charity"\neffective = 2024-01-01\nrecovers_vat = false',
                        'applicant = "charity"\neffective = 2024-01-01\nrecovers_vat = "no"')
    text = text.replace('applicant = "nhs"', 'applicant = "hospital"')
    text += '\n[[vat_recovery]]\napplicant = "business"\neffective = 2024-01-01\nrecovers_vat = true\nsource = "Twice"\n'
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    def line(fragment: str, occurrence: int = 1) -> int:
        return [n for n, t in enumerate(lines, start=1) if fragment in t][occurrence - 1]

    assert main(["rates", "check", str(rates_copy), "--today", "2026-01-15"]) == 2
    err = capsys.readouterr().err
    at = f"{path}:"
    bad = line('recovers_vat = "no"')
    assert f"{at}{bad}: vat_recovery entry 3: recovers_vat: expected true or false" in err
    assert re.search(rf"{re.escape(at)}{line('hospital')}: vat_recovery entry 2: applicant: .*'university'", err)
    assert f"{at}{line('effective = 2024-01-01', 6)}: vat_recovery entry 6: effective: two versions of 'business'" in err
    # A row that failed is reported once (charity is not also called missing); the misspelt
    # kind leaves nhs with no row, which is said too.
    assert "recover the VAT they pay: nhs;" in err


def test_a_misspelt_kind_is_one_problem_not_also_a_missing_row(rates_copy: Path, capsys):
    path = rates_copy / "tax.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('applicant = "university"', 'applicant = "universty"'),
                    encoding="utf-8")
    assert main(["rates", "check", str(rates_copy), "--today", "2026-01-15"]) == 2
    err = capsys.readouterr().err
    assert "(got 'universty')" in err
    assert "no [[vat_recovery]] row says" not in err
    assert err.rstrip().endswith("1 problem")


def test_an_empty_table_says_it_may_be_left_out_instead(rates_copy: Path, capsys):
    path = rates_copy / "tax.toml"
    text = path.read_text(encoding="utf-8")
    text = text[: text.index("\n[[vat_recovery]]")] + "\n"
    path.write_text(text.replace("\n[[vat]]", "vat_recovery = []\n\n[[vat]]", 1), encoding="utf-8")
    assert main(["rates", "check", str(rates_copy), "--today", "2026-01-15"]) == 2
    assert ("vat_recovery has no rows: give its rows, or leave the table out (costings then price as they did "
            "before this table existed, marked illustrative)") in capsys.readouterr().err


def test_a_kind_of_applicant_left_out_of_the_table_is_a_problem(rates_copy: Path, capsys):
    path = rates_copy / "tax.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('[[vat_recovery]]\napplicant = "charity"')
    path.write_text(text[:start] + text[text.index("[[vat_recovery]]", start + 1):], encoding="utf-8")
    assert main(["rates", "check", str(rates_copy), "--today", "2026-01-15"]) == 2
    err = capsys.readouterr().err
    first = next(n for n, t in enumerate(path.read_text().splitlines(), start=1) if t == 'applicant = "university"')
    assert (f"{path}:{first}: vat_recovery entry 1: applicant: no [[vat_recovery]] row says whether these "
            "applicants recover the VAT they pay: charity; add a row for each kind of applicant") in err


def test_a_workbook_cell_that_is_not_yes_or_no_is_refused_with_its_cell(rates_dir: Path, rates_copy: Path, tmp_path,
                                                                       capsys):
    from openpyxl import load_workbook

    xlsx = tmp_path / "rates.xlsx"
    assert main(["rates", "export", str(xlsx), "--rates", str(rates_dir)]) == 0
    wb = load_workbook(xlsx)
    ws = wb["vat_recovery"]
    header = [c.value for c in ws[1]]
    column = "ABCDEFGHIJ"[header.index("recovers_vat")]
    assert [ws[f"{column}{r}"].value for r in range(2, ws.max_row + 1)] == ["no", "no", "no", "yes", "no"]
    ws[f"{column}3"] = "maybe"
    ws[f"{column}4"] = 1
    ws[f"{column}5"] = "Yes"  # the word, whatever its case
    wb.save(xlsx)
    assert main(["rates", "import", str(xlsx), str(rates_copy), "--today", "2026-01-15"]) == 2
    err = capsys.readouterr().err
    assert f"{xlsx}:vat_recovery!{column}3: recovers_vat: expected yes or no (got 'maybe')" in err
    assert f"{xlsx}:vat_recovery!{column}4: recovers_vat: expected yes or no (got '1')" in err
    assert f"!{column}5:" not in err and err.count(f"{xlsx}:") == 2  # each bad cell once, nothing else


def test_yes_or_no_cells_anywhere_in_the_rates_workbook_say_so_once_each(rates_dir: Path, rates_copy: Path, tmp_path,
                                                                          capsys):
    from datetime import datetime

    from openpyxl import load_workbook

    xlsx = tmp_path / "rates.xlsx"
    assert main(["rates", "export", str(xlsx), "--rates", str(rates_dir)]) == 0
    wb = load_workbook(xlsx)
    recovery, funders = wb["vat_recovery"], wb["funders"]
    recovery_col = "ABCDEFGHIJ"[[c.value for c in recovery[1]].index("recovers_vat")]
    recovery[f"{recovery_col}2"] = datetime(2026, 1, 1)  # a date where yes or no belongs
    base = [c.value for c in funders[1]].index("headings.1.base") + 1
    funders.cell(row=2, column=base).value = "maybe"  # a funder's heading: in the base of its indirect rate?
    wb.save(xlsx)
    assert main(["rates", "import", str(xlsx), str(rates_copy), "--today", "2026-01-15"]) == 2
    err = capsys.readouterr().err
    assert f"vat_recovery!{recovery_col}2: recovers_vat: expected yes or no (got '2026-01-01')" in err
    assert "headings.1.base: expected yes or no (got 'maybe')" in err
    # the funder whose cell is wrong is reported at that cell only, not also as unknown where its shares name it
    assert err.count(f"{xlsx}:") == 2


# --- the docs say what the tables hold ---------------------------------------------------------------


def test_every_field_of_every_table_is_documented_in_the_rates_guide():
    guide = (ROOT / "rates" / "README.md").read_text(encoding="utf-8")
    for table, model in ROW_TYPES.items():
        assert f"[[{table}]]" in guide or f"`{table}`" in guide, table
        for name in model.model_fields:
            assert f"`{name}`" in guide, f"{table}.{name}"


def test_the_tax_file_header_explains_vat_recovery_and_every_shipped_row_keeps_the_behaviour(book):
    header = (ROOT / "rates" / TABLE_FILE["vat_recovery"]).read_text(encoding="utf-8").split("\n[[")[0]
    assert "[[vat_recovery]]" in header and "recovers_vat" in header and "applicant" in header
    rows = {row.applicant: row for row in book.rows("vat_recovery")}
    assert {kind: row.recovers_vat for kind, row in rows.items()} == {
        "university": False, "nhs": False, "charity": False, "business": True, "public-body": False}
    assert all(row.illustrative for row in rows.values())  # no source says which applicants recover VAT
    assert all("FFG eligible costs" in row.source for row in rows.values())  # the rule they serve does have one



def test_the_workbooks_rates_sheet_shows_the_rule_and_its_source(quote, spec_toml, tmp_path):
    from openpyxl import load_workbook

    costing = quote(horizon(spec_toml, "university"))
    (row,) = used(costing, "vat_recovery")
    sheet = load_workbook(costing.to_excel(tmp_path / "bid.xlsx"))["Rates"]
    (shown,) = [r for r in sheet.iter_rows(values_only=True) if r[0] == "VAT recovery"]
    assert shown[1:3] == ("university", "University applicants do not recover the VAT they pay")
    assert (shown[6], shown[7]) == (row.source, "yes")  # its source, and illustrative


@pytest.mark.parametrize("applicant", ["nhs", "charity", "public-body", "business"])
def test_every_kind_of_applicant_can_cost_a_horizon_europe_bid_on_the_bundled_tables(quote, spec_toml, applicant):
    costing = quote(horizon(spec_toml, applicant))
    share = [row for table, row in costing.rates_used if table == "funder_shares"]
    assert [row.applicant for row in share] == [applicant]
    assert costing.illustrative and share[0].illustrative  # the unit's reading of the funding rates, to confirm
    # Only the business recovers VAT, so only its contribution leaves the VAT out.
    assert costing.totals.funder_contribution == (
        costing.totals.price - costing.totals.vat if applicant == "business" else costing.totals.price
    ) + costing.totals.indirect
