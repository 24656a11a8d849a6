"""``estimate``: the must-hold figures, VAT, inflation, expenses, errors and the rates stamp.

Every expected figure is worked out by hand from the bundled (illustrative) rates:
co-producers £30.00/h; manager £380/£570 a day (internal/external), officer £260/£390,
director £520/£780 (direct day rates £390, £285, £195); VAT 20%; uplift 3% at each 1 August
where the applicant adds inflation (AMRC charities, Horizon Europe); UKRI and NIHR pay 80% of a
university's costs at current prices.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from copro_costing import InputError, estimate, load_rates, load_spec
from snippets import INVOLVEMENT

# The issue's example, worked by hand:
#   fees      8 people x 4 sessions x (2 h + 1 h) = 96 h x £30.00 = £2,880.00 a year
#   expenses  8 people x 4 sessions = 32 person-sessions x £15.00 = £480.00 a year
FEES = 8 * 4 * (2 + 1) * Decimal("30.00")
EXPENSES = 8 * 4 * Decimal("15.00")
YEAR = FEES + EXPENSES


def test_the_arithmetic_of_the_issue_example():
    assert (FEES, EXPENSES, YEAR, 3 * YEAR) == (Decimal("2880.00"), Decimal("480.00"), Decimal("3360.00"),
                                                Decimal("10080.00"))


# --- must hold ------------------------------------------------------------------------------------


def test_must_hold_internal_ukri_36_months(examples_dir, book, check_totals):
    costing = estimate(load_spec(examples_dir / "advisory-group.toml"), book)
    t = costing.totals
    assert t.value == t.price == 3 * YEAR == Decimal("10080.00")
    assert t.by_year == {1: YEAR, 2: YEAR, 3: YEAR}
    assert t.waived == t.vat == Decimal("0.00")
    assert t.funder_contribution == Decimal("10080.00") * Decimal("0.80") == Decimal("8064.00")
    check_totals(costing)


def test_must_hold_the_same_for_an_external_client(quote, spec_toml, check_totals):
    costing = quote(spec_toml(INVOLVEMENT, client="external"))
    t = costing.totals
    assert t.value == Decimal("10080.00")
    assert t.vat == Decimal("10080.00") * Decimal("0.20") == Decimal("2016.00")
    assert t.price == Decimal("10080.00") + Decimal("2016.00") == Decimal("12096.00")
    check_totals(costing)


def test_must_hold_one_free_initial_consultation(quote, spec_toml):
    costing = quote(spec_toml('[[services]]\nservice = "initial-consultation"\nquantity = 1\nyear = 1\n'))
    (line,) = costing.lines
    assert line.charge == "free"
    assert costing.totals.waived == line.amount > 0
    assert costing.totals.price == Decimal("0.00")


def test_the_example_lines_go_to_ukri_headings(examples_dir, book):
    costing = estimate(load_spec(examples_dir / "advisory-group.toml"), book)
    by_heading = costing.totals.by_heading
    # Co-producers' fees and expenses are not staff travel and subsistence: both are Other Costs.
    assert by_heading["Directly Incurred - Other Costs"] == 3 * (FEES + EXPENSES) == Decimal("10080.00")
    assert by_heading["Directly Incurred - Travel and Subsistence"] == Decimal("0.00")
    assert list(by_heading) == list(book.funder("ukri", date(2026, 4, 1)).heading_names)  # every heading, in order


def test_lines_are_ordered_by_year_then_services_involvement_expenses(quote, spec_toml):
    body = INVOLVEMENT + '[[expenses]]\nitem = "Room"\ncost = 250.00\nyear = 1\n' + \
        '[[services]]\nservice = "training-workshop"\nquantity = 1\nyear = 2\n'
    costing = quote(spec_toml(body))
    assert [(line.year, line.cost_type) for line in costing.lines] == [
        (1, "involvement"), (1, "involvement_expenses"), (1, "expense"),
        (2, "service"), (2, "involvement"), (2, "involvement"), (2, "involvement_expenses"),
        (3, "involvement"), (3, "involvement_expenses"),
    ]


# --- VAT -------------------------------------------------------------------------------------------


def test_vat_is_charged_per_line_to_an_external_client(quote, spec_toml, check_totals):
    costing = quote(spec_toml(INVOLVEMENT, client="external"))
    assert [line.vat for line in costing.lines] == [Decimal("576.00"), Decimal("96.00")] * 3  # 20% of 2880, 480
    assert costing.vat_applies and costing.vat_percent == 20
    check_totals(costing)


def test_vat_is_rounded_per_line(quote, spec_toml):
    # Two 3p items: 20% of each is 0.6p, rounded up to 1p each (2p), although 20% of 6p is 1.2p.
    body = '[[expenses]]\nitem = "Stamp"\ncost = 0.03\nyear = 1\n' * 2
    costing = quote(spec_toml(body, client="external"))
    assert costing.totals.vat == Decimal("0.02")


def test_internal_clients_never_pay_vat(quote, spec_toml):
    costing = quote(spec_toml(INVOLVEMENT + '[[services]]\nservice = "training-workshop"\nquantity = 2\nyear = 1\n'))
    assert costing.totals.vat == Decimal("0.00")
    assert all(line.vat == 0 for line in costing.lines)
    assert not costing.vat_applies


def test_vat_set_off_with_a_reason_for_an_external_client(quote, spec_toml):
    extra = 'vat = false\nvat_reason = "Finance confirmed: grant-funded research, outside the scope of VAT"'
    costing = quote(spec_toml(INVOLVEMENT, client="external", extra=extra))
    assert costing.totals.vat == Decimal("0.00")
    assert costing.totals.price == Decimal("10080.00")
    assert not costing.vat_applies


# --- current prices or inflation -------------------------------------------------------------------

WORKSHOPS = '[[services]]\nservice = "training-workshop"\nquantity = 1\nyears = [1, 2, 3]\n'
# One workshop internally: 1.5 manager days (£570) + 1 officer day (£260) = £830.00 of staff
# time, plus 2 co-producers x (3 h + 2 h preparation) = 10 h at £30.00 = £300.00.


def unit_prices(costing, cost_type: str) -> list[Decimal]:
    return [line.unit_price for line in costing.lines if line.cost_type == cost_type]


def hourly_rates(costing) -> list[Decimal]:
    return [line.hourly_rate for line in costing.lines if line.cost_type == "involvement"]


def test_ukri_costs_every_year_at_current_prices(quote, spec_toml):
    costing = quote(spec_toml(WORKSHOPS, funder="ukri"))
    assert unit_prices(costing, "service") == [Decimal("830.00")] * 3
    assert hourly_rates(costing) == [Decimal("30.00")] * 3
    # paid per co-producer per workshop: 5 h x £30.00 = £150.00
    assert unit_prices(costing, "involvement") == [Decimal("150.00")] * 3
    assert costing.uplift_percent == 0


def test_nihr_costs_every_year_at_current_prices_too(quote, spec_toml):
    # NIHR wants current prices: the applicant adds no inflation.
    costing = quote(spec_toml(WORKSHOPS, funder="nihr"))
    assert unit_prices(costing, "service") == [Decimal("830.00")] * 3
    assert hourly_rates(costing) == [Decimal("30.00")] * 3
    assert costing.uplift_percent == 0


def test_an_applicant_inflation_funder_uplifts_at_each_1_august_compounded(quote, spec_toml, check_totals):
    # Horizon Europe: the applicant adds inflation. Priced and starting 2026-04-01, year 2
    # (from 2027-04-01) is one 1 August later (2026-08-01), year 3 two.
    costing = quote(spec_toml(WORKSHOPS, funder="horizon-europe", extra='currency = "GBP"'))
    assert unit_prices(costing, "service") == [
        Decimal("830.00"),
        Decimal("854.90"),  # 830 x 1.03
        Decimal("880.55"),  # 830 x 1.0609 = 880.547 (simple interest would give 879.80)
    ]
    assert hourly_rates(costing) == [
        Decimal("30.00"),
        Decimal("30.90"),  # 30 x 1.03
        Decimal("31.83"),  # 30 x 1.0609 = 31.827
    ]
    # per co-producer per workshop: 5 h x the hourly rate; 2 co-producers a workshop
    assert unit_prices(costing, "involvement") == [Decimal("150.00"), Decimal("154.50"), Decimal("159.15")]
    payments = [line.amount for line in costing.lines if line.cost_type == "involvement"]
    assert payments == [Decimal("300.00"), Decimal("309.00"), Decimal("318.30")]
    assert costing.uplift_percent == 3
    check_totals(costing)


CONSULTATIONS = '[[services]]\nservice = "initial-consultation"\nquantity = 1\nyears = [1, 2, 3]\n'
# One consultation for an external client: 0.5 manager days x £570 = £285.00.


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Starts the day before 1 August 2026: year 1 at today's rates, then one step a year.
        ("2026-07-31", ["285.00", "293.55", "302.36"]),
        # Starts on 1 August 2026: the pay award falls before year 1, so year 1 is already uplifted.
        ("2026-08-01", ["293.55", "302.36", "311.43"]),  # 285 x 1.03, x 1.0609, x 1.092727
    ],
)
def test_a_year_is_uplifted_once_for_every_1_august_before_it_starts(quote, spec_toml, start, expected):
    text = spec_toml(CONSULTATIONS, client="external", funder="amrc-charity", start=start,
                     extra='applicant = "university"')
    costing = quote(text)
    assert unit_prices(costing, "service") == [Decimal(e) for e in expected]


@pytest.mark.parametrize(
    ("priced_on", "year_1"),
    [
        ("2026-09-01", "1155.00"),  # no 1 August between pricing and the start: current rates
        ("2026-07-31", "1189.65"),  # 1 August 2026 falls before the start: 1155 x 1.03
    ],
)
def test_inflation_counts_from_the_pricing_date_when_priced_before_the_start(quote, spec_toml, priced_on, year_1):
    # A partner day for an external client starting 2026-10-01: 0.25 director (£195) +
    # 1 manager (£570) + 1 officer (£390) = £1,155.00 at the rates in force.
    body = '[[services]]\nservice = "co-production-partner-day"\nquantity = 12\nyears = [1, 2]\n'
    text = spec_toml(body, client="external", funder="amrc-charity", start="2026-10-01", months=24,
                     priced_on=priced_on, extra='applicant = "university"')
    days = [line for line in quote(text).lines if line.description == "Co-production partner day"]
    step = Decimal("1.03")
    assert [(d.year, d.unit_price) for d in days] == [
        (1, Decimal(year_1)),
        (2, (Decimal(year_1) * step).quantize(Decimal("0.01"))),  # one more 1 August (2027)
    ]


@pytest.fixture
def book_with_new_manager_rates(rates_copy, append):
    append(rates_copy, "roles.toml", """
[[roles]]
id = "co-production-manager"
name = "Co-production manager"
effective = 2026-08-01
internal_day_rate = 400.00
external_day_rate = 600.00
direct_day_rate = 300.00
source = "illustrative: next year's placeholder, the 2026 pay award"
""")
    return load_rates(rates_copy)


def test_a_newer_rate_row_covers_its_1_august(quote, spec_toml, book, book_with_new_manager_rates):
    # Priced 2026-04-01, starting 2026-09-01: the 1 August 2026 award lies before year 1.
    text = spec_toml(CONSULTATIONS, client="external", funder="amrc-charity", start="2026-09-01",
                     extra='applicant = "university"')
    # Without a newer row, today's £285 is uplifted for it.
    assert unit_prices(quote(text, rates=book), "service") == [
        Decimal("293.55"), Decimal("302.36"), Decimal("311.43"),
    ]
    # A row effective 2026-08-01 (0.5 x £600) already is that award: not uplifted again.
    assert unit_prices(quote(text, rates=book_with_new_manager_rates), "service") == [
        Decimal("300.00"),
        Decimal("309.00"),  # 300 x 1.03: 1 August 2027
        Decimal("318.27"),  # 300 x 1.0609
    ]


def test_a_year_already_started_uses_the_rates_in_force_when_it_started(quote, spec_toml, book_with_new_manager_rates):
    # Started 2025-09-01, priced 2026-09-01: years 1 and 2 have started; year 3 is uplifted.
    text = spec_toml(CONSULTATIONS, client="external", funder="amrc-charity", start="2025-09-01",
                     priced_on="2026-09-01", extra='applicant = "university"')
    costing = quote(text, rates=book_with_new_manager_rates)
    assert unit_prices(costing, "service") == [
        Decimal("285.00"),  # year 1 at the rate in force on 2025-09-01: 0.5 x £570
        Decimal("300.00"),  # year 2 at the rate in force on 2026-09-01: 0.5 x £600
        Decimal("309.00"),  # year 3: £300 x 1.03 (1 August 2027)
    ]


def test_a_year_not_yet_started_is_priced_at_the_row_in_force_at_its_start(
    quote, spec_toml, book_with_new_manager_rates
):
    # One day earlier year 2 has not started: it is priced at the row in force on its first
    # day (2026-09-01), which already covers 1 August 2026, so it is not uplifted.
    text = spec_toml(CONSULTATIONS, client="external", funder="amrc-charity", start="2025-09-01",
                     priced_on="2026-08-31", extra='applicant = "university"')
    costing = quote(text, rates=book_with_new_manager_rates)
    assert unit_prices(costing, "service") == [
        Decimal("285.00"),
        Decimal("300.00"),
        Decimal("309.00"),  # 300 x 1.03: 1 August 2027
    ]


TYPED_ROOM = '[[expenses]]\nitem = "Room hire"\ncost = 100.00\nyears = [1, 2, 3]\n'


def test_a_typed_cost_is_not_uplifted(quote, spec_toml):
    costing = quote(spec_toml(TYPED_ROOM, funder="amrc-charity"))
    assert [line.amount for line in costing.lines] == [Decimal("100.00")] * 3


def test_a_typed_cost_with_uplift_true_is_uplifted_like_the_rates(quote, spec_toml):
    costing = quote(spec_toml(TYPED_ROOM + "uplift = true\n", funder="amrc-charity"))
    assert [line.amount for line in costing.lines] == [Decimal("100.00"), Decimal("103.00"), Decimal("106.09")]
    assert "uplift = true" in costing.lines[1].note


def test_uplift_true_changes_nothing_for_a_current_prices_funder(quote, spec_toml):
    costing = quote(spec_toml(TYPED_ROOM + "uplift = true\n", funder="nihr"))
    assert [line.amount for line in costing.lines] == [Decimal("100.00")] * 3


# --- funders ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("funder", "contribution"),
    [
        ("ukri", "2688.00"),  # 80% of £3,360
        ("wellcome", "3360.00"),  # direct costs only: all of it
        ("amrc-charity", "3360.00"),
        ("other", "3360.00"),
    ],
)
def test_what_each_funder_pays_of_a_one_year_costing(quote, spec_toml, funder, contribution):
    costing = quote(spec_toml(INVOLVEMENT.replace("years = [1, 2, 3]", "year = 1"), funder=funder, months=12))
    assert costing.totals.price == YEAR == Decimal("3360.00")
    assert costing.totals.funder_contribution == Decimal(contribution)


def test_horizon_europe_adds_a_flat_25_percent_of_indirect_costs(quote, spec_toml):
    costing = quote(spec_toml(INVOLVEMENT.replace("years = [1, 2, 3]", "year = 1"), funder="horizon-europe",
                              months=12))
    assert costing.totals.price == Decimal("3360.00")
    assert costing.totals.funder_contribution == Decimal("4200.00")  # 3360 x 1.25


def test_nihr_puts_co_production_under_patient_and_public_involvement(quote, spec_toml):
    costing = quote(spec_toml(WORKSHOPS + INVOLVEMENT, funder="nihr"))
    headings = {line.heading for line in costing.lines}
    assert headings == {"Patient and public involvement, engagement and participation"}


# --- involvement and expenses ---------------------------------------------------------------------------


def test_involvement_without_expenses_uses_the_default_allowance(quote, spec_toml):
    costing = quote(spec_toml(INVOLVEMENT.replace("expenses = 15.00\n", "")))
    allowances = [line for line in costing.lines if line.cost_type == "involvement_expenses"]
    assert [line.amount for line in allowances] == [Decimal("320.00")] * 3  # 32 person-sessions x £10.00


def test_involvement_with_no_expenses_has_no_expenses_line(quote, spec_toml):
    costing = quote(spec_toml(INVOLVEMENT.replace("expenses = 15.00", "expenses = 0")))
    assert {line.cost_type for line in costing.lines} == {"involvement"}
    assert costing.totals.price == 3 * FEES


def test_preparation_hours_are_paid(quote, spec_toml):
    costing = quote(spec_toml(INVOLVEMENT.replace("prep_hours = 1", "prep_hours = 0")))
    fees = [line.amount for line in costing.lines if line.cost_type == "involvement"]
    assert fees == [Decimal("1920.00")] * 3  # 8 x 4 x 2 h x £30: a third less than with preparation


def test_an_expense_from_the_defaults(quote, spec_toml):
    costing = quote(spec_toml('[[expenses]]\nitem = "BSL interpreter"\ndefault = "bsl-interpreter"\nquantity = 2\nyear = 1\n'))
    (line,) = costing.lines
    assert (line.unit, line.unit_price, line.amount) == ("half day", Decimal("300.00"), Decimal("600.00"))


def test_an_expense_under_another_heading_of_the_funder(quote, spec_toml):
    costing = quote(spec_toml('[[expenses]]\nitem = "Benefits advice"\ncost = 60.00\nquantity = 4\nyear = 1\n'
                              'heading = "Exceptions"\n'))
    assert costing.totals.by_heading["Exceptions"] == Decimal("240.00")


def test_an_expense_under_a_heading_the_funder_does_not_have(problems_of, spec_toml, find_line, tmp_path):
    text = spec_toml('[[expenses]]\nitem = "Benefits advice"\ncost = 60.00\nyear = 1\nheading = "Sundries"\n')
    (problem,) = problems_of(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'heading =')}: expenses entry 1: heading: ")
    assert "'Sundries' is not a heading of UK Research and Innovation (UKRI)" in problem


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [
        ("2.5", "237.63"),  # 2.5 x £95.05 = £237.625: exactly half a penny, rounded up (half-even gives .62)
        ("2.25", "213.86"),  # 2.25 x £95.05 = £213.8625: below the half, rounded down
    ],
)
def test_a_line_is_rounded_once_to_the_penny_halves_up(quote, spec_toml, quantity, amount):
    text = f'[[expenses]]\nitem = "Captioning"\ncost = 95.05\nquantity = {quantity}\nyear = 1\n'
    assert quote(spec_toml(text)).lines[0].amount == Decimal(amount)


# --- unknown ids -------------------------------------------------------------------------------------------


def test_an_unknown_service_is_named_with_its_line_and_the_known_ones(problems_of, spec_toml, find_line, tmp_path):
    text = spec_toml('[[services]]\nservice = "mentoring-day"\nquantity = 1\nyear = 1\n')
    (problem,) = problems_of(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'service =')}: services entry 1: service: ")
    assert "unknown service 'mentoring-day'" in problem
    assert "training-workshop" in problem  # the known ids are listed


def test_an_unknown_funder(problems_of, spec_toml, find_line, tmp_path):
    text = spec_toml(INVOLVEMENT, funder="esrc")
    (problem,) = problems_of(text)
    assert problem.startswith(f"{tmp_path / 'spec.toml'}:{find_line(text, 'funder =')}: project.funder: ")
    assert "unknown funder 'esrc'" in problem


def test_an_unknown_expense_default(problems_of, spec_toml):
    (problem,) = problems_of(spec_toml('[[expenses]]\nitem = "Taxi"\ndefault = "taxi"\nyear = 1\n'))
    assert "expenses entry 1: default: unknown expense default 'taxi'" in problem


def test_every_problem_is_reported_together(problems_of, spec_toml):
    body = '[[services]]\nservice = "mentoring-day"\nquantity = 1\nyear = 1\n' + INVOLVEMENT + "rate = 20.00\n"
    found = problems_of(spec_toml(body))
    assert any("services entry 1: service" in p for p in found)
    assert any("involvement entry 1: rate" in p for p in found)


def test_pricing_before_the_coproducer_rate_was_in_force(problems_of, spec_toml, quote):
    (problem,) = problems_of(spec_toml(INVOLVEMENT, priced_on="2024-09-24"))
    assert problem.endswith("project.priced_on: co-producer rate 'standard' is not in force on 2024-09-24: "
                            "its first row is in force from 2024-09-25")
    assert quote(spec_toml(INVOLVEMENT, priced_on="2024-09-25")).totals.price == Decimal("10080.00")


# --- the rates stamp ---------------------------------------------------------------------------------------

NEWER_DIRECTOR = """
[[roles]]
id = "director"
name = "Director"
effective = 2027-08-01
internal_day_rate = 560.00
external_day_rate = 840.00
source = "illustrative: a later version"
"""


def test_the_stamp_records_the_pricing_date_and_a_sha256(quote, spec_toml):
    costing = quote(spec_toml(INVOLVEMENT))
    assert costing.stamp.priced_on == date(2026, 4, 1)
    assert len(costing.stamp.sha256) == 64
    int(costing.stamp.sha256, 16)  # hexadecimal


def test_adding_a_newer_rate_version_does_not_change_an_old_costings_stamp(quote, spec_toml, rates_copy, append):
    before = quote(spec_toml(INVOLVEMENT), rates=load_rates(rates_copy))
    append(rates_copy, "roles.toml", NEWER_DIRECTOR)
    after = quote(spec_toml(INVOLVEMENT), rates=load_rates(rates_copy))
    assert after.stamp.priced_on == before.stamp.priced_on
    assert after.stamp.sha256 == before.stamp.sha256
    assert after.as_json()["totals"] == before.as_json()["totals"]


def test_the_stamp_changes_when_priced_after_the_new_version(quote, spec_toml, rates_copy, append, book):
    text = spec_toml(INVOLVEMENT, priced_on="2027-08-01")
    without = quote(text, rates=book)
    append(rates_copy, "roles.toml", NEWER_DIRECTOR)
    with_newer = quote(text, rates=load_rates(rates_copy))
    assert with_newer.stamp.sha256 != without.stamp.sha256
    # The day before it takes effect, the newer version is not part of the stamp.
    day_before = spec_toml(INVOLVEMENT, priced_on="2027-07-31")
    assert quote(day_before, rates=load_rates(rates_copy)).stamp.sha256 == quote(day_before, rates=book).stamp.sha256


def test_without_a_pricing_date_today_is_used_and_recorded(write_spec, spec_toml, book):
    spec = load_spec(write_spec(spec_toml(INVOLVEMENT, priced_on=None)))
    costing = estimate(spec, book, today=date(2026, 5, 6))
    assert costing.stamp.priced_on == date(2026, 5, 6)


def test_estimate_is_deterministic(examples_dir, book):
    spec = load_spec(examples_dir / "patient-data-principles.toml")
    assert estimate(spec, book).as_json() == estimate(spec, book).as_json()
    assert estimate(spec, book).to_json() == estimate(spec, load_rates(book.origin)).to_json()


def test_a_costing_using_placeholder_rates_says_so(quote, spec_toml, confirmed_rates):
    assert quote(spec_toml(WORKSHOPS)).illustrative  # day rates are illustrative
    assert quote(spec_toml(INVOLVEMENT, funder="nihr")).illustrative  # NIHR's rules are illustrative in part
    # only the published £30/h and NIHR's share, once finance has confirmed NIHR's rules
    assert not quote(spec_toml(INVOLVEMENT, funder="nihr"), load_rates(confirmed_rates)).illustrative


def test_estimate_reports_problems_as_input_errors_not_crashes(book):
    from copro_costing import parse_spec

    spec = parse_spec({
        "project": {"title": "x", "client": "internal", "funder": "nobody", "start": date(2026, 4, 1),
                    "months": 12, "priced_on": date(2026, 4, 1)},
    })
    with pytest.raises(InputError, match=r"<spec>: project\.funder: unknown funder 'nobody'"):
        estimate(spec, book)


def test_an_unknown_funder_does_not_hide_the_other_mistakes(problems_of, spec_toml):
    text = spec_toml(
        '[[services]]\nservice = "nosuch-service"\nquantity = 1\nyear = 1\n'
        + INVOLVEMENT + "rate = 1.00\n",
        funder="nosuch",
    )
    found = problems_of(text)
    fields = [p.split(": ")[1] if ": entry" not in p else p for p in found]
    assert [f for f in ("project.funder", "services entry 1: service", "involvement entry 1: rate")
            if not any(f"{f}: " in p for p in found)] == [], found
    assert len(found) == 3, fields
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines)
