"""Charging rules, each on both sides: who pays for what, and co-producers always paid.

Figures come from the bundled (illustrative) rates: the co-production manager costs
£380.00 a day internally and £570.00 externally, the officer £260.00 and £390.00, and
co-producers are paid £30.00 an hour.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from copro_costing import load_rates
from copro_costing.pricing.policy import decision_not_allowed, needs_decision, service_charge, vat_applies
from snippets import INVOLVEMENT

ON = date(2026, 4, 1)


def service(name: str, quantity: int = 1, years: str = "year = 1", extra: str = "") -> str:
    return f'\n[[services]]\nservice = "{name}"\nquantity = {quantity}\n{years}\n{extra}'


def lines_of(costing, kind: str) -> list:
    return [line for line in costing.lines if line.kind == kind]


# --- the policy tables -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "decision", "charge"),
    [
        ("charge", None, "charged"),
        ("free", None, "free"),
        ("request", None, "requested"),
        ("case-by-case", "charge", "charged"),
        ("case-by-case", "waive", "waived"),
    ],
)
def test_internal_clients_follow_the_service_policy(policy, decision, charge):
    reason = "Director agreed" if decision else None
    assert service_charge("internal", policy, decision, reason)[0] == charge


@pytest.mark.parametrize("policy", ["charge", "free", "request", "case-by-case"])
@pytest.mark.parametrize("decision", [None, "waive"])
def test_external_clients_are_charged_for_every_service(policy, decision):
    assert service_charge("external", policy, decision, "x" if decision else None)[0] == "charged"


def test_the_note_of_a_case_by_case_line_carries_the_reason():
    assert service_charge("internal", "case-by-case", "waive", "Agreed by the director")[1] == (
        "Waived (case by case): Agreed by the director"
    )


def test_only_an_internal_case_by_case_service_needs_a_decision():
    assert needs_decision("internal", "case-by-case", None)
    assert not needs_decision("internal", "case-by-case", "waive")
    assert not needs_decision("external", "case-by-case", None)
    assert not needs_decision("internal", "charge", None)


def test_a_decision_is_only_allowed_on_a_case_by_case_service():
    assert decision_not_allowed("internal", "free", "charge")
    assert not decision_not_allowed("internal", "case-by-case", "charge")
    assert not decision_not_allowed("internal", "free", None)
    assert not decision_not_allowed("external", "free", "charge")  # ignored, with a warning


def test_vat_applies_only_to_a_uk_external_client():
    assert vat_applies("uk")
    for position in ("internal", "collaborator", "overseas-business", "outside-scope"):
        assert not vat_applies(position)


def one_cost(amount: str) -> str:
    return f'[[expenses]]\nitem = "Room hire"\ncost = {amount}\nyear = 1\n'


@pytest.mark.parametrize(
    ("funder", "amount", "contribution"),
    [
        ("ukri", "1000.00", "800.00"),  # 80% of fEC
        ("wellcome", "1000.00", "1000.00"),  # directly incurred costs at 100%
        ("horizon-europe", "1000.00", "1250.00"),  # 100% + a flat 25% on a heading in its base
        ("ukri", "0.01", "0.01"),  # 80% of 1p is 0.8p: rounded once, to 1p
    ],
)
def test_funder_contribution_is_the_share_plus_flat_indirect_costs(quote, spec_toml, funder, amount, contribution):
    costing = quote(spec_toml(one_cost(amount), funder=funder, months=12, extra='currency = "GBP"'))
    assert costing.totals.price == Decimal(amount)
    assert costing.totals.funder_contribution == Decimal(contribution)


# --- free ---------------------------------------------------------------------------------------


def test_a_free_service_is_shown_at_full_value_and_waived(quote, spec_toml, check_totals):
    costing = quote(spec_toml(service("initial-consultation")))
    (line,) = costing.lines
    assert line.charge == "free"
    assert line.amount == Decimal("190.00")  # half a manager's day: 0.5 x £380
    t = costing.totals
    assert t.value == t.waived == line.amount > 0
    assert t.price == Decimal("0.00")
    assert t.funder_contribution == Decimal("0.00")
    check_totals(costing)


def test_the_same_service_is_charged_to_an_external_client(quote, spec_toml, check_totals):
    costing = quote(spec_toml(service("initial-consultation"), client="external"))
    (line,) = costing.lines
    assert (line.charge, line.amount) == ("charged", Decimal("285.00"))  # 0.5 x £570
    assert costing.totals.waived == Decimal("0.00")
    assert costing.totals.price == Decimal("342.00")  # £285 + 20% VAT (£57)
    check_totals(costing)


# --- request --------------------------------------------------------------------------------------


def test_a_request_service_is_priced_and_flagged(quote, spec_toml, check_totals):
    costing = quote(spec_toml(service("facilitation-day")))
    (staff,) = lines_of(costing, "service")
    assert staff.charge == "requested"
    assert "if there is budget" in staff.note
    assert staff.amount == Decimal("770.00")  # 1 manager day (£380) + 1.5 officer days (£390)
    assert staff.waived == Decimal("0.00")  # priced: it is in the bid
    # The day includes 2 co-producers for 6 h + 1 h preparation: 14 h at £30.
    (payments,) = lines_of(costing, "involvement")
    assert payments.amount == Decimal("420.00")
    assert costing.totals.price == Decimal("1190.00")
    check_totals(costing)


def test_a_request_service_is_plainly_charged_to_an_external_client(quote, spec_toml):
    costing = quote(spec_toml(service("facilitation-day"), client="external"))
    (staff,) = lines_of(costing, "service")
    assert staff.charge == "charged"
    assert staff.amount == Decimal("1155.00")  # £570 + 1.5 x £390


# --- case by case -----------------------------------------------------------------------------------

WAIVE = 'decision = "waive"\nreason = "Agreed by the director: partners on the group"\n'
CHARGE = 'decision = "charge"\nreason = "Agreed by the director: the bid has budget"\n'


def test_a_case_by_case_service_waived_for_an_internal_client(quote, spec_toml, check_totals):
    costing = quote(spec_toml(service("advisory-group-meeting", 4, extra=WAIVE)))
    (line,) = costing.lines
    assert line.charge == "waived"
    assert line.amount == Decimal("760.00")  # 4 meetings x half a manager's day (£190)
    assert "partners on the group" in line.note
    assert (costing.totals.waived, costing.totals.price) == (Decimal("760.00"), Decimal("0.00"))
    check_totals(costing)


def test_a_case_by_case_service_charged_for_an_internal_client(quote, spec_toml):
    costing = quote(spec_toml(service("advisory-group-meeting", 4, extra=CHARGE)))
    (line,) = costing.lines
    assert line.charge == "charged"
    assert (costing.totals.waived, costing.totals.price) == (Decimal("0.00"), Decimal("760.00"))


def test_a_case_by_case_service_without_a_decision_names_the_entry(problems_of, spec_toml, find_line, tmp_path):
    text = spec_toml(service("advisory-group-meeting", 4))
    (problem,) = problems_of(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, '[[services]]')}: services entry 1: ")
    assert "'advisory-group-meeting' is decided case by case" in problem


def test_an_external_client_needs_no_decision_and_is_charged(quote, spec_toml):
    text = spec_toml(service("advisory-group-meeting", 4), client="external", extra='applicant = "university"')
    costing = quote(text)
    (line,) = costing.lines
    assert (line.charge, line.amount) == ("charged", Decimal("1140.00"))  # 4 x 0.5 x £570
    assert costing.warnings == ()


def test_a_decision_for_an_external_client_is_ignored_with_a_warning(quote, spec_toml):
    costing = quote(spec_toml(service("advisory-group-meeting", 4, extra=WAIVE), client="external"))
    assert costing.lines[0].charge == "charged"
    assert costing.totals.waived == Decimal("0.00")
    assert any("decision is ignored for external clients" in w for w in costing.warnings)


def test_a_decision_on_a_service_that_is_not_case_by_case_is_an_error(problems_of, spec_toml, find_line, tmp_path):
    text = spec_toml(service("training-workshop", extra=WAIVE))
    (problem,) = problems_of(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'decision =')}: services entry 1: decision: ")
    assert "'training-workshop' is 'charge' for internal clients" in problem


def test_a_charge_service_is_charged_internally(quote, spec_toml):
    costing = quote(spec_toml(service("training-workshop")))
    (staff,) = lines_of(costing, "service")
    assert (staff.charge, staff.amount) == ("charged", Decimal("830.00"))  # 1.5 x £380 + £260


# --- co-producers are always paid -----------------------------------------------------------------


@pytest.fixture(params=["free", "case-by-case"])
def giving_book(request, rates_copy, append):
    """Rates with a service given free (or waived) that includes co-producers' time."""
    append(rates_copy, "services.toml", f"""
[[services]]
id = "listening-event"
name = "Listening event"
description = "A community listening event run with co-producers."
unit = "event"
effective = 2025-08-01
effort = {{ co-production-officer = 1 }}
coproducers = {{ people = 3, hours = 2, prep_hours = 1 }}
internal_policy = "{request.param}"
vat = "standard"
vat_source = "illustrative: test row"
source = "illustrative: test service"
""")
    return load_rates(rates_copy), request.param


def test_giving_a_service_free_never_waives_the_coproducer_payments(quote, spec_toml, giving_book, check_totals):
    rates, policy = giving_book
    extra = WAIVE if policy == "case-by-case" else ""
    costing = quote(spec_toml(service("listening-event", 2, extra=extra)), rates=rates)
    (staff,) = lines_of(costing, "service")
    (payments,) = lines_of(costing, "involvement")
    assert staff.charge in ("free", "waived")
    assert staff.amount == Decimal("520.00")  # 2 events x an officer's day (£260)
    assert payments.charge == "charged"
    assert payments.quantity == Decimal(6)  # 2 events x 3 people
    assert payments.unit_price == Decimal("90.00")  # (2 h + 1 h) x £30 per person per event
    assert payments.amount == Decimal("540.00")  # 18 h x £30
    assert costing.totals.waived == Decimal("520.00")
    assert costing.totals.price == Decimal("540.00")  # the bid still pays the co-producers
    check_totals(costing)




@pytest.mark.parametrize("rate", ["20.00", "29.99"])
def test_involvement_below_the_coproducer_rate_is_an_error_naming_the_entry(problems_of, spec_toml, find_line, tmp_path,
                                                                             rate):
    text = spec_toml(INVOLVEMENT + f"rate = {rate}\n")
    found = problems_of(text)
    assert found, "a rate below £30.00 must be refused"
    first = found[0]
    assert first.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'rate =')}: involvement entry 1: rate: ")
    assert "'Advisory group meetings'" in first
    assert "30.00 per hour" in first
    assert f"(got {rate})" in first


@pytest.mark.parametrize(("rate", "hourly"), [("30.00", Decimal("30.00")), ("35.00", Decimal("35.00"))])
def test_involvement_at_or_above_the_coproducer_rate_is_fine(quote, spec_toml, rate, hourly):
    costing = quote(spec_toml(INVOLVEMENT + f"rate = {rate}\n"))
    fees = [line for line in costing.lines if line.cost_type == "involvement"]
    assert [line.hourly_rate for line in fees] == [hourly] * 3
    assert [line.unit_price for line in fees] == [3 * hourly] * 3  # (2 h + 1 h) a person-session
    # 8 people x 4 sessions x (2 h + 1 h) = 96 hours a year
    assert [line.amount for line in fees] == [96 * hourly] * 3


def test_involvement_lines_are_always_charged_even_for_internal_clients(quote, spec_toml):
    costing = quote(spec_toml(INVOLVEMENT))
    assert {line.charge for line in costing.lines} == {"charged"}
    assert costing.totals.waived == Decimal("0.00")
