"""The costing file: what it accepts, and every mistake named by file, field and line."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from copro_costing import InputError, load_spec, parse_spec
from snippets import INVOLVEMENT

SERVICE = """
[[services]]
service = "training-workshop"
quantity = {quantity}
year = 1
"""



@pytest.fixture
def spec_problems(write_spec):
    """Read a costing file that should be refused; return its problems as printed."""

    def run(text: str) -> list[str]:
        path = write_spec(text)
        with pytest.raises(InputError) as caught:
            load_spec(path)
        return [str(p) for p in caught.value.problems]

    return run


@pytest.fixture
def where(tmp_path):
    """``where(line, field)``: the start of a printed problem in the written spec."""
    return lambda line, field: f"{tmp_path / 'spec.toml'}:{line}: {field}: "


# --- what it accepts ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["advisory-group.toml", "hearing-checks.toml", "patient-data-principles.toml"])
def test_the_bundled_examples_are_valid_costing_files(examples_dir, name):
    spec = load_spec(examples_dir / name)
    assert spec.origin == str(examples_dir / name)
    assert spec.project.priced_on is not None


def test_the_issue_example_reads_as_written(write_spec, spec_toml):
    spec = load_spec(write_spec(spec_toml(INVOLVEMENT)))
    (inv,) = spec.involvement
    assert (inv.people, inv.sessions, inv.hours, inv.prep_hours) == (8, 4, Decimal(2), Decimal(1))
    assert inv.expenses == Decimal("15.00")
    assert inv.year_list == (1, 2, 3)
    assert spec.project.start == date(2026, 4, 1)
    assert spec.project.years == 3


@pytest.mark.parametrize(("months", "years"), [(1, 1), (12, 1), (13, 2), (24, 2), (36, 3), (60, 5)])
def test_a_part_year_counts_as_a_project_year(write_spec, spec_toml, months, years):
    assert load_spec(write_spec(spec_toml(months=months))).project.years == years


def test_a_spec_is_immutable(write_spec, spec_toml):
    spec = load_spec(write_spec(spec_toml(INVOLVEMENT)))
    with pytest.raises(ValidationError, match="frozen"):
        spec.project.months = 12  # type: ignore[misc]


def test_a_spec_built_in_code_follows_the_same_rules():
    data = {
        "project": {"title": "Notebook bid", "client": "internal", "funder": "ukri",
                    "start": date(2026, 4, 1), "months": 12},
        "expenses": [{"item": "Room", "cost": Decimal("250.00"), "year": 1}],
    }
    assert parse_spec(data).expenses[0].cost == Decimal("250.00")
    data["expenses"][0]["year"] = 2
    with pytest.raises(InputError, match=r"<spec>: expenses entry 1: year: year 2 is outside the project"):
        parse_spec(data)


# --- the project ------------------------------------------------------------------------------


def test_an_unknown_client_is_named_with_its_line(spec_problems, spec_toml, find_line, where):
    text = spec_toml(client="partner")
    assert spec_problems(text) == [
        where(find_line(text, "client ="), "project.client") + "expected 'internal' or 'external' (got 'partner')"
    ]


@pytest.mark.parametrize("months", [0, -12, 121])
def test_the_project_length_must_be_sensible(spec_problems, spec_toml, months):
    (problem,) = spec_problems(spec_toml(months=months))
    assert ":6: project.months: " in problem


def test_a_missing_project_field(spec_problems, write_spec, where):
    (problem,) = spec_problems('[project]\ntitle = "x"\nclient = "internal"\nfunder = "ukri"\nmonths = 12\n')
    assert problem == where(1, "project.start") + "required field is missing"


def test_vat_can_be_set_off_for_an_external_client_with_a_reason(write_spec, spec_toml):
    text = spec_toml(client="external", extra='vat = false\nvat_reason = "Finance confirmed: outside the scope of VAT"')
    project = load_spec(write_spec(text)).project
    assert project.vat is False
    assert project.vat_reason.startswith("Finance confirmed")


@pytest.mark.parametrize(
    ("extra", "at", "field", "message"),
    [  # at: the line a person fixes; "[project]" where the field to add is not written
        ("vat = false", "[project]", "project.vat_reason",
         "vat = false needs a vat_reason (for example, finance's confirmation)"),
        ('vat = false\nvat_reason = "  "', "vat_reason =", "project.vat_reason",
         "vat = false needs a vat_reason (for example, finance's confirmation) (got '  ')"),
        ("vat = true", "vat = true", "project.vat",
         "vat = true is the default; set vat = false (with vat_reason) or leave it out (got true)"),
        ('vat_reason = "because"', "vat_reason =", "project.vat_reason",
         'vat_reason is only used with vat = false, or vat_position "collaborator" or "overseas-business" '
         "(got 'because')"),
        ('vat = false\nvat_reason = "Finance"\nvat_position = "uk"', "vat_position =", "project.vat_position",
         "give either vat = false or vat_position, not both (got 'uk')"),
        ("exchange_rate = 1.2", "exchange_rate =", "project.exchange_rate",
         'exchange_rate is only used with currency = "EUR": a GBP costing needs no rate (got 1.2)'),
        ('currency = "EUR"\nexchange_rate = 1.2', "[project]", "project.exchange_rate_source",
         "exchange_rate needs an exchange_rate_source: say where the rate comes from"),
        ('currency = "EUR"\nexchange_rate_source = "Finance"', "exchange_rate_source =", "project.exchange_rate_source",
         "exchange_rate_source is only used with exchange_rate (got 'Finance')"),
    ],
)
def test_a_project_field_wrong_given_another_is_reported_at_its_own_line(
    spec_problems, spec_toml, where, find_line, extra, at, field, message
):
    text = spec_toml(client="external", extra=extra)
    assert spec_problems(text) == [where(find_line(text, at), field) + message]


def test_a_field_that_is_wrong_itself_is_not_followed_by_what_it_would_need(spec_problems, spec_toml, where, find_line):
    text = spec_toml(client="external", extra='vat_position = "abroad"\nvat_reason = "Finance"\nexchange_rate = "x"\n'
                     'exchange_rate_source = "Finance"')
    assert [p.split(": ")[1] for p in spec_problems(text)] == ["project.vat_position", "project.exchange_rate"]


def test_vat_cannot_be_set_for_an_internal_client(spec_problems, spec_toml, where, find_line):
    text = spec_toml(client="internal", extra='vat = false\nvat_reason = "internal"')
    assert spec_problems(text) == [
        where(find_line(text, "vat = false"), "project.vat") + "VAT never applies to internal clients: remove vat and "
        "vat_reason (got false)"
    ]


# --- entries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", ["0", "-1", "-0.5"])
def test_a_zero_or_negative_quantity_is_refused(spec_problems, spec_toml, find_line, where, quantity):
    text = spec_toml(SERVICE.format(quantity=quantity))
    assert spec_problems(text) == [
        where(find_line(text, "quantity ="), "services entry 1: quantity") + f"must be greater than zero (got {quantity})"
    ]


@pytest.mark.parametrize("quantity", ["1", "0.5", "0.01"])
def test_any_positive_quantity_is_fine(write_spec, spec_toml, quantity):
    spec = load_spec(write_spec(spec_toml(SERVICE.format(quantity=quantity))))
    assert spec.services[0].quantity == Decimal(quantity)


def test_a_misspelt_field_is_an_error_not_ignored(spec_problems, spec_toml, find_line, where):
    text = spec_toml(SERVICE.format(quantity=2).replace("quantity =", "quantitty ="))
    assert spec_problems(text) == [
        where(find_line(text, "[[services]]"), "services entry 1: quantity") + "required field is missing",
        where(find_line(text, "quantitty"), "services entry 1: quantitty") + "unknown field; did you mean 'quantity'? "
        "(known: decision, note, quantity, reason, service, year, years)",
    ]


def test_a_misspelt_section_is_an_error(spec_problems, spec_toml, find_line, where):
    text = spec_toml(SERVICE.format(quantity=2).replace("[[services]]", "[[service]]"))
    (problem,) = spec_problems(text)
    assert problem.startswith(where(find_line(text, "[[service]]"), "service") + "unknown field")


@pytest.mark.parametrize(
    ("field", "value"),
    [("cost", "300.005"), ("quantity", "1.125")],
)
def test_an_amount_or_quantity_with_three_decimal_places_is_refused(spec_problems, spec_toml, find_line, where, field, value):
    text = spec_toml('[[expenses]]\nitem = "BSL interpreter"\ncost = 300.00\nquantity = 2\nyear = 1\n'
                     .replace(f"{field} = ", f"{field} = {value} #"))
    (problem,) = spec_problems(text)
    assert problem.startswith(where(find_line(text, f"{field} = {value}"), f"expenses entry 1: {field}"))
    assert f"at most 2 decimal places (got {value})" in problem


def test_involvement_money_fields_take_at_most_two_decimal_places(spec_problems, spec_toml, find_line, where):
    text = spec_toml(INVOLVEMENT.replace("expenses = 15.00", "expenses = 15.005\nrate = 30.001"))
    assert spec_problems(text) == [
        where(find_line(text, "expenses = 15.005"), "involvement entry 1: expenses")
        + "amount must have at most 2 decimal places (got 15.005)",
        where(find_line(text, "rate = 30.001"), "involvement entry 1: rate")
        + "amount must have at most 2 decimal places (got 30.001)",
    ]


def test_two_decimal_places_are_fine(write_spec, spec_toml):
    text = spec_toml('[[expenses]]\nitem = "Captioning"\ncost = 95.05\nquantity = 7.25\nyear = 1\n')
    (expense,) = load_spec(write_spec(text)).expenses
    assert (expense.cost, expense.quantity) == (Decimal("95.05"), Decimal("7.25"))


def test_a_computed_float_in_python_code_is_refused():
    data = {
        "project": {"title": "x", "client": "internal", "funder": "ukri", "start": date(2026, 4, 1), "months": 12},
        "expenses": [{"item": "Room", "cost": 0.1 + 0.2, "year": 1}],
    }
    with pytest.raises(InputError, match=r"expenses entry 1: cost: amount must be an exact decimal, not a binary float"):
        parse_spec(data)


@pytest.mark.parametrize("people", ["2.5", "0", "-3", "true"])
def test_people_are_a_whole_number_above_zero(spec_problems, spec_toml, people):
    (problem,) = spec_problems(spec_toml(INVOLVEMENT.replace("people = 8", f"people = {people}")))
    assert "involvement entry 1: people" in problem


def test_sessions_and_hours_must_be_positive_but_preparation_may_be_zero(spec_problems, write_spec, spec_toml):
    assert load_spec(write_spec(spec_toml(INVOLVEMENT.replace("prep_hours = 1", "prep_hours = 0")))).involvement
    (problem,) = spec_problems(spec_toml(INVOLVEMENT.replace("hours = 2\n", "hours = 0\n")))
    assert "involvement entry 1: hours: must be greater than zero (got 0)" in problem
    (problem,) = spec_problems(spec_toml(INVOLVEMENT.replace("prep_hours = 1", "prep_hours = -1")))
    assert "involvement entry 1: prep_hours: must not be negative (got -1)" in problem


# --- project years ----------------------------------------------------------------------------


def test_a_year_outside_the_project_names_file_field_and_line(spec_problems, spec_toml, find_line, where):
    text = spec_toml(INVOLVEMENT, months=24)  # two years, but the entry lists years 1, 2 and 3
    assert spec_problems(text) == [
        where(find_line(text, "years = [1, 2, 3]"), "involvement entry 1: years")
        + "year 3 is outside the project, which has 2 years (24 months)"
    ]


def test_the_last_year_of_a_part_year_project_is_inside_it(write_spec, spec_toml):
    # 25 months is two full years and one month: year 3 exists.
    assert load_spec(write_spec(spec_toml(INVOLVEMENT, months=25))).involvement[0].year_list == (1, 2, 3)


def test_a_single_year_outside_a_one_year_project(spec_problems, spec_toml, find_line, where):
    text = spec_toml(SERVICE.format(quantity=1).replace("year = 1", "year = 2"), months=12)
    (problem,) = spec_problems(text)
    assert problem == (
        where(find_line(text, "year = 2"), "services entry 1: year")
        + "year 2 is outside the project, which has 1 year (12 months)"
    )


@pytest.mark.parametrize(
    ("years", "at", "field", "message"),
    [  # at: the line a person fixes; the entry's own line where the field to add is not written
        ("year = 1\nyears = [1, 2]", "year = 1", "year", "give either year or years, not both (got 1)"),
        ("", "[[expenses]]", "year", "give the project year(s): year = 1 or years = [1, 2]"),
        ("years = []", "years =", "years", "years must list at least one project year (got [])"),
        ("years = [1, 1]", "years =", "years", "years must not repeat a year (got [1, 1])"),
        ("year = 0", "year =", "year", "must be at least 1 (got 0)"),
    ],
)
def test_the_years_of_an_entry_are_said_once_and_clearly(spec_problems, spec_toml, where, find_line, years, at, field,
                                                          message):
    text = spec_toml('[[expenses]]\nitem = "Room"\ncost = 250.00\n' + years + "\n")
    assert spec_problems(text) == [where(find_line(text, at), f"expenses entry 1: {field}") + message]


# --- decisions ----------------------------------------------------------------------------------

DECISION = """
[[services]]
service = "advisory-group-meeting"
quantity = 4
years = [1, 2, 3]
"""


def test_a_decision_with_a_reason_is_recorded(write_spec, spec_toml):
    text = spec_toml(DECISION + 'decision = "waive"\nreason = "Agreed by the director"\n')
    (entry,) = load_spec(write_spec(text)).services
    assert (entry.decision, entry.reason) == ("waive", "Agreed by the director")


def test_a_decision_without_a_reason_is_an_error(spec_problems, spec_toml, find_line, where):
    text = spec_toml(DECISION + 'decision = "waive"\n')
    assert spec_problems(text) == [
        where(find_line(text, "[[services]]"), "services entry 1: reason") + "a decision needs a reason: say who decided and why"
    ]


def test_a_reason_without_a_decision_is_an_error(spec_problems, spec_toml, where, find_line):
    text = spec_toml(DECISION + 'reason = "we agreed"\n')
    assert spec_problems(text) == [
        where(find_line(text, "reason ="), "services entry 1: reason")
        + 'reason is only used with decision = "charge" or "waive" (got \'we agreed\')'
    ]


def test_a_decision_is_charge_or_waive(spec_problems, spec_toml, find_line, where):
    text = spec_toml(DECISION + 'decision = "maybe"\nreason = "unsure"\n')
    (problem,) = spec_problems(text)
    assert problem.startswith(where(find_line(text, "decision ="), "services entry 1: decision"))


def test_involvement_cannot_be_decided_or_waived(spec_problems, spec_toml, where, find_line):
    text = spec_toml(INVOLVEMENT + 'decision = "waive"\n')
    (problem,) = spec_problems(text)
    assert problem.startswith(where(find_line(text, "decision ="), "involvement entry 1: decision"))
    assert "co-producers are always paid" in problem


# --- expenses -----------------------------------------------------------------------------------


def test_an_expense_gives_a_cost_or_a_default_but_not_both(spec_problems, spec_toml, where, find_line):
    neither = spec_toml('[[expenses]]\nitem = "Room"\nyear = 1\n')
    assert spec_problems(neither) == [where(find_line(neither, "[[expenses]]"), "expenses entry 1: cost")
                                      + "give a cost, or a default from the rate tables' expense defaults"]
    both = spec_toml('[[expenses]]\nitem = "Room"\ncost = 1.00\ndefault = "room-hire"\nyear = 1\n')
    assert spec_problems(both) == [where(find_line(both, "cost ="), "expenses entry 1: cost")
                                   + "give either cost or default, not both (got 1.00)"]


# --- reading ------------------------------------------------------------------------------------


def test_every_mistake_in_a_file_is_reported_at_once_in_line_order(spec_problems, spec_toml, find_line):
    text = spec_toml(
        SERVICE.format(quantity=0) + INVOLVEMENT.replace("people = 8", "people = 0") + DECISION + 'decision = "waive"\n',
        client="outside",
    )
    found = spec_problems(text)
    lines = [int(re.match(r"^.*?spec\.toml:(\d+): ", p).group(1)) for p in found]
    assert lines == [
        find_line(text, "client ="),
        find_line(text, "quantity = 0"),
        find_line(text, "people = 0"),
        find_line(text, "[[services]]", occurrence=2),
    ]


def test_a_missing_costing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_spec(tmp_path / "missing.toml")


def test_a_syntax_error_in_a_costing_file(spec_problems, spec_toml, find_line, tmp_path):
    text = spec_toml("[[services]]\nservice = training-workshop\n")  # the id needs quotes
    (problem,) = spec_problems(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'service =')}: TOML syntax error")


def test_a_section_of_the_wrong_shape_says_what_was_expected(spec_problems):
    found = spec_problems('project = "x"\nservices = "y"\n')
    assert any("project: expected a table" in p for p in found), found
    assert any("services: expected a list" in p for p in found), found


@pytest.mark.parametrize("start", ["9999-06-01", "0001-01-01"])
def test_an_implausible_start_date_is_a_mistake_not_a_crash(spec_problems, start):
    text = (
        f'[project]\ntitle = "T"\nclient = "internal"\nfunder = "ukri"\nstart = {start}\nmonths = 12\n'
    )
    (problem,) = spec_problems(text)
    assert ":5: project.start: must be a date between 1990-01-01 and 2100-12-31" in problem


def test_given_the_rate_tables_load_spec_names_what_they_see_with_the_files_own_mistakes(
    write_spec, spec_toml, book, where, find_line
):
    # A misspelt field (the file's own mistake) and a misspelt service (only the tables know).
    text = spec_toml(SERVICE.format(quantity=1).replace("training-workshop", "training-worshop"),
                     extra='organisaton = "UCL"')
    path = write_spec(text)
    with pytest.raises(InputError) as alone:
        load_spec(path)
    assert [p.field for p in alone.value.problems] == ["project.organisaton"]
    with pytest.raises(InputError) as with_rates:
        load_spec(path, rates=book)
    printed = [str(p) for p in with_rates.value.problems]
    assert [p.field for p in with_rates.value.problems] == ["project.organisaton", "services entry 1: service"]
    assert printed[1].startswith(where(find_line(text, "training-worshop"), "services entry 1: service"))
    assert "did you mean 'training-workshop'?" in printed[1]


def test_given_the_rate_tables_a_file_without_mistakes_loads_as_it_does_without_them(examples_dir, book):
    path = examples_dir / "hearing-checks.toml"
    assert load_spec(path, rates=book) == load_spec(path)


def test_a_text_too_long_for_a_spreadsheet_cell_is_refused_at_its_line(write_spec, spec_toml, where, find_line):
    from copro_costing.fields import MAX_TEXT

    text = spec_toml(extra=f'organisation = "{"x" * (MAX_TEXT + 1)}"')
    with pytest.raises(InputError) as caught:
        load_spec(write_spec(text))
    (problem,) = caught.value.problems
    assert str(problem) == (where(find_line(text, "organisation ="), "project.organisation")
                            + f"is too long: at most {MAX_TEXT:,} characters (got {MAX_TEXT + 1:,})")
    assert MAX_TEXT * 2 <= 32_767  # even all in characters of two UTF-16 units, it fits a spreadsheet cell
