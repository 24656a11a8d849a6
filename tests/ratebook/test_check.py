"""`copro-costing rates check`: every problem at once, each with its file, line and field.

Each bad input the issue names is a test here: one clear message per problem, exit 2.
"today" is fixed so the checks that depend on it do not drift with the calendar.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest

from copro_costing import InputError, load_rates
from copro_costing.cli import main
from copro_costing.dates import year_start
from copro_costing.ratebook.check import check_folder

TODAY = date(2026, 1, 15)
LOCATED = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+): "
    r"(?P<field>(?:[\w\-]+ entry \d+: )?[\w\.\-]+(?: item \d+(?:: [\w\.\-]+)?)?): (?P<message>.+)$"
)


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text.strip() + "\n", encoding="utf-8")


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    hits = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def check(folder: Path, capsys, today: date = TODAY) -> tuple[int, list[str], str]:
    """Run the command; return its exit code, the problem lines (stderr) and stdout."""
    code = main(["rates", "check", str(folder), "--today", today.isoformat()])
    out, err = capsys.readouterr()
    problems = [line for line in err.splitlines() if not line.startswith("copro-costing:")]
    return code, problems, out


def only_problem(folder: Path, capsys) -> re.Match[str]:
    code, problems, out = check(folder, capsys)
    assert code == 2, out
    assert len(problems) == 1, problems
    match = LOCATED.match(problems[0])
    assert match, f"not FILE:LINE: field: message: {problems[0]!r}"
    return match


# The shipped tables -----------------------------------------------------------------------


def test_bundled_tables_pass_with_a_short_summary(rates_dir: Path, capsys):
    code, problems, out = check(rates_dir, capsys)
    assert (code, problems) == (0, [])
    assert out.startswith("OK: ")
    book = load_rates(rates_dir)
    rows = sum(len(book.rows(t)) for t in book.tables)
    assert f"7 files, {rows} rows" in out
    assert "illustrative" in out


def test_report_counts(rates_dir: Path):
    result = check_folder(rates_dir, TODAY)
    assert result.ok and result.files == 7
    assert result.items <= result.rows
    assert 0 < result.illustrative < result.in_force  # the £30 co-producer rate is published


# Bad input, one test each -------------------------------------------------------------------


def test_missing_file_is_one_problem(rates: Path, capsys):
    (rates / "roles.toml").unlink()
    code, problems, _ = check(rates, capsys)
    assert code == 2
    # Not also "unknown role" for every service: one missing file is one problem.
    assert problems == [f"{rates / 'roles.toml'}: required rates file is missing (it holds: roles)"]


def test_toml_syntax_error_names_its_line(rates: Path, capsys):
    replace(rates / "services.toml", 'unit = "workshop"', 'unit = "workshop')
    code, problems, _ = check(rates, capsys)
    assert code == 2 and len(problems) == 1
    line = line_of(rates / "services.toml", 'unit = "workshop')
    assert problems[0].startswith(f"{rates / 'services.toml'}:{line}: ")
    assert "TOML syntax error" in problems[0]


def test_unknown_field(rates: Path, capsys):
    replace(rates / "roles.toml", 'name = "Co-production officer"', 'name = "Co-production officer"\ncolour = "red"')
    m = only_problem(rates, capsys)
    assert m["file"].endswith("roles.toml")
    assert int(m["line"]) == line_of(rates / "roles.toml", "colour")
    assert m["field"] == "roles entry 3: colour"
    assert "unknown field" in m["message"]


@pytest.mark.parametrize(("value", "message"), [
    ("-380.00", "must not be negative"),
    ("380.005", "at most 2 decimal places"),
])
def test_bad_amount(rates: Path, capsys, value: str, message: str):
    replace(rates / "roles.toml", "internal_day_rate = 380.00", f"internal_day_rate = {value}")
    m = only_problem(rates, capsys)
    assert int(m["line"]) == line_of(rates / "roles.toml", f"internal_day_rate = {value}")
    assert m["field"] == "roles entry 2: internal_day_rate"
    assert message in m["message"]


@pytest.mark.parametrize("value", ['"2025-02-30"', '"next August"', "2025"])
def test_a_date_that_is_not_a_date(rates: Path, capsys, value: str):
    replace(rates / "coproducer.toml", "effective = 2024-09-25", f"effective = {value}")
    m = only_problem(rates, capsys)
    assert m["field"] == "coproducer_rate entry 1: effective"
    assert int(m["line"]) == line_of(rates / "coproducer.toml", f"effective = {value}")
    assert "date" in m["message"]


def test_an_impossible_bare_date_is_a_syntax_error_with_its_line(rates: Path, capsys):
    replace(rates / "coproducer.toml", "effective = 2024-09-25", "effective = 2024-09-31")
    code, problems, _ = check(rates, capsys)
    assert code == 2 and len(problems) == 1
    assert f"coproducer.toml:{line_of(rates / 'coproducer.toml', 'effective = 2024-09-31')}: TOML syntax error" in problems[0]


def test_two_versions_on_the_same_date(rates: Path, capsys):
    append(rates / "roles.toml", """
[[roles]]
id = "director"
name = "Director"
effective = 2025-08-01
internal_day_rate = 540.00
external_day_rate = 800.00
source = "Finance rate card"
""")
    m = only_problem(rates, capsys)
    assert int(m["line"]) == line_of(rates / "roles.toml", "effective = 2025-08-01", nth=4)
    assert m["field"] == "roles entry 4: effective"
    first = line_of(rates / "roles.toml", "effective = 2025-08-01", nth=1)
    assert m["message"] == (
        f"two versions of 'director' take effect on 2025-08-01 (the other is at line {first}); add a new date instead"
    )


def test_service_naming_a_role_that_does_not_exist(rates: Path, capsys):
    replace(rates / "services.toml", "effort = { co-production-manager = 0.5 }", "effort = { project-lead = 0.5 }")
    m = only_problem(rates, capsys)
    assert m["field"] == "services entry 1: effort.project-lead"
    assert int(m["line"]) == line_of(rates / "services.toml", "project-lead")
    assert m["message"].startswith("unknown role 'project-lead' (roles are: co-production-manager, ")


def test_empty_folder(tmp_path: Path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, problems, _ = check(empty, capsys)
    assert code == 2
    assert problems == [f"{empty}: no rates files in this folder (expected roles.toml, coproducer.toml, "
                        "expenses.toml, tax.toml, currency.toml, funders.toml, services.toml): is this the rates folder?"]


def test_missing_folder(tmp_path: Path, capsys):
    code, problems, _ = check(tmp_path / "nowhere", capsys)
    assert code == 2 and problems == [f"{tmp_path / 'nowhere'}: rates folder not found"]


def write_tax(rates: Path, vat: str, uplift: str) -> None:
    """tax.toml with the given [[vat]] and [[uplift]] parts (a bare ``x = []`` must come first in TOML)."""
    parts = [p for p in (vat, uplift) if p.endswith("= []")] + [p for p in (vat, uplift) if not p.endswith("= []")]
    (rates / "tax.toml").write_text("#:schema ./schema/tax.schema.json\n# VAT and uplift.\n\n" + "\n\n".join(parts) + "\n",
                                    encoding="utf-8")


VAT_ROW = '[[vat]]\neffective = 2011-01-04\npercent = 20\nsource = "HMRC"'
UPLIFT_ROW = '[[uplift]]\neffective = 2024-08-01\npercent = 3\nsource = "Finance"'


@pytest.mark.parametrize(("file", "table"), [("tax.toml", "uplift"), ("tax.toml", "vat"), ("coproducer.toml", "coproducer_rate")])
def test_an_empty_table_is_a_problem(rates: Path, capsys, file: str, table: str):
    if file == "tax.toml":
        write_tax(rates, "vat = []" if table == "vat" else VAT_ROW, "uplift = []" if table == "uplift" else UPLIFT_ROW)
    else:
        (rates / file).write_text(f"#:schema ./schema/coproducer.schema.json\n{table} = []\n", encoding="utf-8")
    m = only_problem(rates, capsys)
    assert m["file"] == str(rates / file)
    assert int(m["line"]) == line_of(rates / file, f"{table} = []")
    assert m["field"] == table
    assert m["message"] == f"{table} has no rows: every table needs at least one, or a costing that needs it cannot be priced"


def test_a_table_whose_only_row_is_invalid_is_not_also_called_empty(rates: Path, capsys):
    replace(rates / "coproducer.toml", "hourly_rate = 30.00", "hourly_rate = -30.00")
    m = only_problem(rates, capsys)
    assert m["field"] == "coproducer_rate entry 1: hourly_rate"


def test_a_missing_table_is_reported_once(rates: Path, capsys):
    write_tax(rates, VAT_ROW, "")
    code, problems, _ = check(rates, capsys)
    assert code == 2
    assert problems == [f"{rates / 'tax.toml'}: uplift: no [[uplift]] rows in this file"]


def test_check_report_has_no_unused_parts():
    from copro_costing.ratebook import check as ratescheck

    assert not hasattr(ratescheck.CheckReport, "raise_for_problems")
    assert "book" not in {f.name for f in dataclasses.fields(ratescheck.CheckReport)}
    assert not hasattr(ratescheck, "add_years")  # engine.year_start is the one rule for "the same day, years on"


# Consistency checks beyond fields -------------------------------------------------------------


def test_effective_date_more_than_two_years_ahead(rates: Path, capsys):
    limit = year_start(TODAY, 3)  # the same day two years on
    append(rates / "tax.toml", f"""
[[uplift]]
effective = {limit.isoformat()}
percent = 3.5
source = "Finance, exactly two years ahead: allowed"

[[uplift]]
effective = {limit.replace(day=limit.day + 1).isoformat()}
percent = 4
source = "Finance: one day too far"
""")
    m = only_problem(rates, capsys)
    assert m["field"] == "uplift entry 3: effective"
    assert "more than 2 years after today (2026-01-15): is the year a typo?" in m["message"]


def test_every_service_role_and_funder_needs_a_version_in_force_today(rates: Path, capsys):
    append(rates / "services.toml", """
[[services]]
id = "summer-school"
name = "Summer school"
description = "A week of co-production training."
unit = "week"
effective = 2026-06-01
effort = { co-production-manager = 5 }
internal_policy = "charge"
vat = "standard"
vat_source = "illustrative: test row"
source = "Unit plan 2026"
""")
    m = only_problem(rates, capsys)
    assert m["field"] == "services entry 8: effective"
    assert m["message"].startswith("no version of service 'summer-school' is in force today (2026-01-15)")
    # The day it starts, it is fine.
    assert check_folder(rates, date(2026, 6, 1)).ok


def test_a_services_roles_must_be_in_force_when_it_starts(rates: Path, capsys):
    replace(rates / "services.toml", "effective = 2025-08-01", "effective = 2025-07-01")
    m = only_problem(rates, capsys)
    assert m["field"] == "services entry 1: effort.co-production-manager"
    assert "has no version in force on 2025-07-01, when this version of the service takes effect" in m["message"]


def test_funder_heading_that_is_not_one_of_its_headings(rates: Path, capsys):
    replace(rates / "funders.toml", 'expense = "Other direct costs"', 'expense = "Other costs"')
    m = only_problem(rates, capsys)
    assert m["field"] == "funders entry 2: heading_for.expense"
    assert m["message"] == "heading 'Other costs' is not one of this funder's headings"


@pytest.mark.parametrize(("code", "message"), [
    ("EUR", "only GBP is supported (got 'EUR')"),
    ("GPB", "not an ISO 4217 currency code; only GBP is supported (got 'GPB')"),
    ("gbp", "currency codes are written in capitals"),
])
def test_currency_codes(rates: Path, capsys, code: str, message: str):
    # the shipped row, not the commented example above it
    replace(rates / "coproducer.toml", 'hourly_rate = 30.00\ncurrency = "GBP"', f'hourly_rate = 30.00\ncurrency = "{code}"')
    m = only_problem(rates, capsys)
    assert m["field"] == "coproducer_rate entry 1: currency"
    assert message in m["message"]


@pytest.mark.parametrize("source", ["", "remove"])
def test_every_row_has_a_source(rates: Path, capsys, source: str):
    old = 'source = "HM Revenue & Customs: UK standard rate of VAT, 20% since 4 January 2011"'
    replace(rates / "tax.toml", old, "" if source == "remove" else 'source = "  "')
    m = only_problem(rates, capsys)
    assert m["field"] == "vat entry 1: source"
    needle = "[[vat]]" if source == "remove" else 'source = "  "'
    assert m["line"] == str(line_of(rates / "tax.toml", needle))


def test_every_problem_at_once_in_file_and_line_order(rates: Path, capsys):
    replace(rates / "roles.toml", "external_day_rate = 780.00", "external_day_rate = -1")
    replace(rates / "roles.toml", "internal_day_rate = 260.00", 'internal_day_rate = "two hundred"')
    replace(rates / "services.toml", "prep_hours = 2", "prep_hours = 2.125")
    replace(rates / "funders.toml", "directly_incurred = 80", "directly_incurred = 180")
    replace(rates / "expenses.toml", "amount = 8.00", "amount = 8.00\nvat = true")
    code, problems, _ = check(rates, capsys)
    assert code == 2
    assert all(LOCATED.match(p) for p in problems), problems
    fields = [LOCATED.match(p)["field"] for p in problems]
    assert fields == [
        f for f in (
            "expense_defaults entry 4: vat",
            "funder_shares entry 1: directly_incurred",
            "roles entry 1: external_day_rate",
            "roles entry 3: internal_day_rate",
            "services entry 2: coproducers.prep_hours",
        )
    ]
    # The services naming the role whose row is invalid are not also reported as naming an unknown one.
    assert not any("unknown role" in p for p in problems)


def test_load_rates_still_refuses_what_it_refused(rates: Path):
    replace(rates / "services.toml", "effort = { co-production-manager = 0.5 }", "effort = { project-lead = 0.5 }")
    with pytest.raises(InputError, match="unknown role 'project-lead'"):
        load_rates(rates)


# Funder rules: headings' categories and shares must be complete ---------------------------------


def test_a_share_row_missing_a_category(rates: Path, capsys):
    replace(rates / "funders.toml", "directly_allocated = 80\n", "")  # UKRI's university share
    m = only_problem(rates, capsys)
    assert m["field"] == "funder_shares entry 1: directly_allocated"
    lines = (rates / "funders.toml").read_text(encoding="utf-8").splitlines()
    assert int(m["line"]) == lines.index("[[funder_shares]]") + 1  # the row missing it
    assert "required" in m["message"]


def test_a_heading_with_an_unknown_category(rates: Path, capsys):
    replace(rates / "funders.toml", '{ name = "Directly Allocated - Estates", category = "directly-allocated" }',
            '{ name = "Directly Allocated - Estates", category = "estates" }')
    m = only_problem(rates, capsys)
    assert m["field"] == "funders entry 1: headings item 6: category"
    assert "directly-incurred" in m["message"] and "directly-allocated" in m["message"]


def test_a_heading_with_no_category(rates: Path, capsys):
    replace(rates / "funders.toml", '{ name = "Equipment", category = "directly-incurred" }', '{ name = "Equipment" }')
    m = only_problem(rates, capsys)
    assert m["field"] == "funders entry 2: headings item 3: category"


def test_a_funder_with_headings_but_no_share_row(rates: Path, capsys):
    text = (rates / "funders.toml").read_text(encoding="utf-8")
    start = text.index('[[funder_shares]]\nfunder = "wellcome"')
    end = text.index("[[funder_shares]]", start + 1)
    (rates / "funders.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    m = only_problem(rates, capsys)
    assert m["field"] == "funders entry 3: headings"
    lines = (rates / "funders.toml").read_text(encoding="utf-8").splitlines()
    wellcome = lines.index('id = "wellcome"')
    assert int(m["line"]) == lines.index("headings = [", wellcome) + 1  # its headings
    assert "'wellcome' has headings but no [[funder_shares]] row" in m["message"]


def test_every_funder_rules_problem_at_once(rates: Path, capsys):
    replace(rates / "funders.toml", "directly_allocated = 80\n", "")
    replace(rates / "funders.toml", '{ name = "Equipment", category = "directly-incurred" }', '{ name = "Equipment" }')
    replace(rates / "coproducer.toml", "hourly_rate = 30.00", "hourly_rate = 0.00")
    code, problems, _ = check(rates, capsys)
    assert code == 2
    fields = [LOCATED.match(p)["field"] for p in problems]
    assert fields == ["coproducer_rate entry 1: hourly_rate", "funders entry 2: headings item 3: category",
                      "funder_shares entry 1: directly_allocated"]


def test_a_share_row_for_an_unknown_funder(rates: Path, capsys):
    append(rates / "funders.toml", """
[[funder_shares]]
funder = "esrc"
applicant = "university"
effective = 2024-04-01
directly_incurred = 80
directly_allocated = 80
indirect = 80
exception = 100
source = "a typo for ukri"
""")
    m = only_problem(rates, capsys)
    assert m["field"].endswith(": funder") and "unknown funder 'esrc'" in m["message"]
