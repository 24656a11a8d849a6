"""What each funder really pays: the issue's worked examples, shares, headings, currency, tiers, retirement.

Figures are worked by hand from the bundled (illustrative) tables: co-producers £30.00/h;
day rates internal / external / direct: director £520 / £780 / £390, manager £380 / £570 / £285,
officer £260 / £390 / £195; EUR 1.15 per GBP 1 from 2026-01-01.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from copro_costing import InputError, load_rates
from snippets import INVOLVEMENT

PARTNER_DAY = '[[services]]\nservice = "co-production-partner-day"\nquantity = 1\nyear = 1\n'
FACILITATION_DAY = '[[services]]\nservice = "facilitation-day"\nquantity = 1\nyear = 1\n'


def service_line(costing):
    (line,) = [line for line in costing.lines if line.cost_type == "service"]
    return line


# --- the worked examples ----------------------------------------------------------------------------


def test_nihr_pays_a_university_80_percent_at_current_prices(quote, spec_toml, check_totals):
    # 8 people x 4 sessions x (2 h + 1 h) x £30 + 32 x £15 = £3,360 a year, the same each year.
    costing = quote(spec_toml(INVOLVEMENT, funder="nihr"))
    t = costing.totals
    assert t.price == Decimal("10080.00")
    assert t.by_year == {1: Decimal("3360.00"), 2: Decimal("3360.00"), 3: Decimal("3360.00")}
    assert t.funder_contribution == Decimal("8064.00")  # 80%
    assert t.remainder == Decimal("2016.00")
    check_totals(costing)


def test_nihr_pays_an_nhs_body_all_of_its_direct_costs(quote, spec_toml, check_totals):
    costing = quote(spec_toml(INVOLVEMENT, funder="nihr", client="external", extra='applicant = "nhs"'))
    t = costing.totals
    assert t.price == Decimal("12096.00")  # £10,080 + 20% VAT: NIHR budgets include VAT
    assert t.funder_contribution == t.price
    assert not any("applicant is not given" in w for w in costing.warnings)
    check_totals(costing)


def test_an_external_costing_with_no_applicant_is_priced_for_a_university_with_a_warning(quote, spec_toml):
    costing = quote(spec_toml(INVOLVEMENT, funder="nihr", client="external"))
    assert costing.applicant == "university"
    assert costing.totals.funder_contribution == Decimal("9676.80")  # 80% of £12,096
    assert any("applicant is not given" in w and "university" in w for w in costing.warnings)
    # An internal client is the university itself: nothing to warn about.
    assert not any("applicant" in w for w in quote(spec_toml(INVOLVEMENT, funder="nihr")).warnings)


def test_horizon_europe_internal_service_is_internally_invoiced_without_the_25_percent(quote, spec_toml, check_totals):
    costing = quote(spec_toml(PARTNER_DAY, funder="horizon-europe", months=12, extra='currency = "EUR"'))
    assert costing.currency == "EUR" and costing.exchange_rate == Decimal("1.15")
    service = service_line(costing)
    # 0.25 x £520 + £380 + £260 = £770.00, at EUR 1.15 = EUR 885.50
    assert (service.heading, service.unit_price) == ("Internally invoiced goods and services", Decimal("885.50"))
    (payments,) = [line for line in costing.lines if line.cost_type == "involvement"]
    # 2 co-producers x (6 h + 1 h) at £30.00 = EUR 34.50 an hour: EUR 241.50 each, EUR 483.00
    assert payments.heading == "Purchase costs - Other goods, works and services"
    assert (payments.hourly_rate, payments.unit_price, payments.amount) == (
        Decimal("34.50"), Decimal("241.50"), Decimal("483.00"))
    t = costing.totals
    assert t.indirect == Decimal("120.75")  # 25% of the co-producer payments only
    assert t.funder_contribution == Decimal("885.50") + Decimal("483.00") + Decimal("120.75")
    check_totals(costing)


def test_horizon_europe_json_names_the_currency_and_the_rate(quote, spec_toml):
    data = quote(spec_toml(PARTNER_DAY, funder="horizon-europe", months=12, extra='currency = "EUR"')).as_json()
    assert data["project"]["currency"] == "EUR"
    assert data["rates"]["exchange_rate"] == "1.15"
    assert data["rates"]["exchange_rate_source"].startswith("illustrative")
    assert data["totals"]["price"] == "1368.50"  # EUR 885.50 + EUR 483.00


def test_horizon_europe_external_work_is_subcontracting_outside_the_base(quote, spec_toml):
    text = spec_toml(PARTNER_DAY, funder="horizon-europe", client="external", months=12,
                     extra='currency = "EUR"\napplicant = "university"\nvat = false\nvat_reason = "Outside the scope"')
    costing = quote(text)
    assert {line.heading for line in costing.lines} == {"Subcontracting costs"}
    assert costing.totals.indirect == Decimal("0.00")


def test_a_costing_may_give_its_own_exchange_rate_with_a_source(quote, spec_toml):
    extra = 'currency = "EUR"\nexchange_rate = 1.2\nexchange_rate_source = "Finance, bid rate for March 2026"'
    costing = quote(spec_toml(PARTNER_DAY, funder="horizon-europe", months=12, extra=extra))
    assert service_line(costing).unit_price == Decimal("924.00")  # £770.00 x 1.2
    assert costing.as_json()["rates"]["exchange_rate_source"] == "Finance, bid rate for March 2026"


@pytest.mark.parametrize(("unit_time", "heading", "category"), [
    (None, "Directly Allocated - Other", "directly-allocated"),  # a charge-out day rate on estimated time
    ("staff", "Directly Incurred - Staff", "directly-incurred"),  # timesheeted staff
])
def test_ukri_books_the_units_time_as_the_costing_chooses(quote, spec_toml, unit_time, heading, category):
    extra = f'unit_time = "{unit_time}"' if unit_time else ""
    costing = quote(spec_toml(FACILITATION_DAY, funder="ukri", months=12, extra=extra))
    line = service_line(costing)
    assert (line.heading, line.category) == (heading, category)
    assert costing.as_json()["lines"][0]["category"] == category


def test_wellcome_prices_the_units_time_at_its_direct_day_rate_with_a_warning(quote, spec_toml):
    costing = quote(spec_toml(FACILITATION_DAY, funder="wellcome", months=12))
    line = service_line(costing)
    # 1 manager day x £285 + 1.5 officer days x £195 = £577.50; at full economic cost £770.00
    assert (line.unit_price, line.cost) == (Decimal("577.50"), Decimal("770.00"))
    assert line.surplus == Decimal("-192.50")  # the unit's overheads, not recoverable
    (warning,) = [w for w in costing.warnings if "direct costs only" in w]
    assert "£192.50" in warning and "not recoverable" in warning


def test_an_external_client_of_a_wellcome_grant_pays_the_external_rate(quote, spec_toml):
    text = spec_toml(FACILITATION_DAY, funder="wellcome", client="external", months=12, extra='applicant = "university"')
    costing = quote(text)
    assert service_line(costing).unit_price == Decimal("1155.00")  # £570 + 1.5 x £390
    assert not any("direct costs only" in w for w in costing.warnings)


def test_a_direct_commission_has_no_headings_and_the_client_pays(quote, spec_toml, check_totals):
    costing = quote(spec_toml(INVOLVEMENT, funder="none", client="external"))
    t = costing.totals
    assert t.by_heading == {} and {line.heading for line in costing.lines} == {""}
    assert t.funder_contribution == Decimal("0.00") and t.remainder == t.price
    assert not any("applicant" in w for w in costing.warnings)
    check_totals(costing)


def test_a_free_service_is_a_deficit_equal_to_its_value(quote, spec_toml):
    costing = quote(spec_toml('[[services]]\nservice = "initial-consultation"\nquantity = 1\nyear = 1\n'))
    assert costing.totals.cost == Decimal("190.00")  # 0.5 x £380
    assert costing.totals.surplus == Decimal("-190.00")


def test_requested_contributions_are_totalled_apart(quote, spec_toml):
    costing = quote(spec_toml(FACILITATION_DAY + INVOLVEMENT, months=36))
    t = costing.totals
    assert t.requested == service_line(costing).amount == Decimal("770.00")
    assert t.must_pay == t.price - Decimal("770.00")


# --- co-producer tiers ------------------------------------------------------------------------------

ENHANCED = """
[[coproducer_rate]]
tier = "enhanced"
name = "Enhanced: chairing, training or leading"
effective = 2024-09-25
hourly_rate = 40.00
currency = "GBP"
source = "illustrative: a test tier"
"""


@pytest.fixture
def tiered(rates_copy, append):
    append(rates_copy, "coproducer.toml", ENHANCED)
    return load_rates(rates_copy)


def test_an_entry_in_a_second_tier_is_paid_that_tiers_rate(quote, spec_toml, tiered):
    costing = quote(spec_toml(INVOLVEMENT + 'tier = "enhanced"\n'), rates=tiered)
    fees = [line for line in costing.lines if line.cost_type == "involvement"]
    assert [line.hourly_rate for line in fees] == [Decimal("40.00")] * 3
    assert "enhanced" in fees[0].note
    # The default is the standard tier.
    standard = quote(spec_toml(INVOLVEMENT), rates=tiered)
    assert {line.hourly_rate for line in standard.lines if line.cost_type == "involvement"} == {Decimal("30.00")}


@pytest.mark.parametrize(("rate", "ok"), [("39.99", False), ("40.00", True)])
def test_an_agreed_rate_may_not_go_below_its_tiers_floor(quote, problems_of, spec_toml, find_line, tiered, tmp_path,
                                                          rate, ok):
    text = spec_toml(INVOLVEMENT + f'tier = "enhanced"\nrate = {rate}\n')
    if ok:
        assert quote(text, rates=tiered).lines[0].hourly_rate == Decimal(rate)
        return
    (problem,) = problems_of(text, rates=tiered)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'rate = 39.99')}: involvement entry 1: rate: ")
    assert "enhanced" in problem and "40.00" in problem


def test_an_unknown_tier_is_named_with_its_line(problems_of, spec_toml, find_line, tmp_path):
    text = spec_toml(INVOLVEMENT + 'tier = "gold"\n')
    (problem,) = problems_of(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'tier =')}: involvement entry 1: tier: ")
    assert "'gold'" in problem and "standard" in problem  # the known tiers


@pytest.mark.parametrize("rate", ["0.00", "-1.00"])
def test_a_coproducer_rate_of_zero_or_less_in_the_tables_is_a_rates_error(rates_copy, rate):
    path = rates_copy / "coproducer.toml"
    text = path.read_text(encoding="utf-8").replace("hourly_rate = 30.00", f"hourly_rate = {rate}")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_rates(rates_copy)
    (problem,) = caught.value.problems
    line = text.splitlines().index(f"hourly_rate = {rate}") + 1
    assert str(problem).startswith(f"{path}:{line}: coproducer_rate entry 1: hourly_rate: ")


# --- retired rows ----------------------------------------------------------------------------------


@pytest.fixture
def retired(rates_copy):
    path = rates_copy / "services.toml"
    text = path.read_text(encoding="utf-8")
    anchor = 'id = "training-workshop"\n'
    assert anchor in text
    start = text.index(anchor)
    end = text.index("\n[[services]]", start)
    path.write_text(text[:end] + '\nuntil = 2026-06-30\nreplaced_by = "facilitation-day"' + text[end:],
                    encoding="utf-8")
    return load_rates(rates_copy)


WORKSHOP = '[[services]]\nservice = "training-workshop"\nquantity = 1\nyear = 1\n'


def test_a_retired_item_still_prices_a_costing_priced_before_its_end(quote, spec_toml, retired):
    costing = quote(spec_toml(WORKSHOP, months=12, priced_on="2026-06-30", start="2026-06-30"), rates=retired)
    assert service_line(costing).description == "Co-production training workshop"


def test_a_costing_priced_after_the_retirement_names_the_replacement(problems_of, spec_toml, find_line, retired,
                                                                     tmp_path):
    text = spec_toml(WORKSHOP, months=12, priced_on="2026-07-01", start="2026-07-01")
    (problem,) = problems_of(text, rates=retired)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'service =')}: services entry 1: service: ")
    assert "retired after 2026-06-30" in problem and "'facilitation-day'" in problem


# --- bad input in the costing file ------------------------------------------------------------------


def test_eur_with_no_rate_in_force_and_none_given(problems_of, quote, spec_toml, find_line, tmp_path):
    # The tables' EUR rate takes effect on 2026-01-01.
    text = spec_toml(PARTNER_DAY, funder="horizon-europe", months=12, start="2025-12-31", priced_on="2025-12-31",
                     extra='currency = "EUR"')
    (problem,) = problems_of(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'currency =')}: project.currency: ")
    assert "2025-12-31" in problem
    # The next day the tables' rate is in force.
    assert quote(text.replace("2025-12-31", "2026-01-01")).exchange_rate == Decimal("1.15")


def test_unit_time_for_a_funder_with_no_such_choice(problems_of, spec_toml, find_line, tmp_path):
    text = spec_toml(FACILITATION_DAY, funder="other", months=12, extra='unit_time = "staff"')
    (problem,) = problems_of(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'unit_time =')}: project.unit_time: ")
    assert "remove unit_time" in problem


def test_an_applicant_the_funder_has_no_share_for(problems_of, spec_toml, find_line, tmp_path):
    text = spec_toml(INVOLVEMENT, funder="ukri", client="external", extra='applicant = "business"')
    (problem,) = problems_of(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'applicant =')}: project.applicant: ")
    assert "university" in problem  # the applicants the tables do give


# --- retirement is judged at the pricing date; floors and the flat rate --------------------------------


def test_a_later_year_after_the_retirement_still_prices_when_the_costing_was_priced_before(quote, spec_toml, retired):
    body = WORKSHOP.replace("year = 1", "years = [1, 2]")
    costing = quote(spec_toml(body, funder="amrc-charity", months=24, priced_on="2026-06-01", start="2026-06-01"),
                    rates=retired)
    assert {line.year for line in costing.lines if line.kind == "service"} == {1, 2}


def test_a_started_costing_priced_after_the_retirement_is_refused(problems_of, spec_toml, retired):
    text = spec_toml(WORKSHOP, funder="amrc-charity", months=12, priced_on="2026-07-15", start="2026-06-01")
    (problem,) = problems_of(text, rates=retired)
    assert "retired after 2026-06-30" in problem and "'facilitation-day'" in problem and "known:" not in problem


def test_the_workbook_floor_is_the_standard_rate_in_the_costings_currency(quote, spec_toml):
    costing = quote(spec_toml(INVOLVEMENT, funder="horizon-europe", extra='currency = "EUR"'))
    assert set(costing.coproducer_floors.values()) == {Decimal("34.50")}  # £30.00 at 1.15, rounded up


def test_the_workbook_floor_ignores_higher_tiers(quote, spec_toml, tiered):
    costing = quote(spec_toml(INVOLVEMENT + 'tier = "enhanced"\n'), rates=tiered)
    assert set(costing.coproducer_floors.values()) == {Decimal("30.00")}


def test_the_flat_indirect_rate_is_never_worked_out_on_vat(quote, spec_toml):
    body = '[[expenses]]\nitem = "Recorder"\ncost = 100.00\nyear = 1\nheading = "Purchase costs - Equipment"\n'
    costing = quote(spec_toml(body, client="external", funder="horizon-europe", months=12,
                              extra='currency = "EUR"\napplicant = "university"'))
    (line,) = costing.lines
    assert line.vat > 0
    assert costing.totals.indirect == (line.charged * Decimal("0.25")).quantize(Decimal("0.01"))
