"""Property tests: invariants of the money path over generated costing specs (Hypothesis).

Specs are built as plain data, as a notebook would, and read with ``parse_spec``. They
cover both clients, every funder (and a direct commission, Horizon Europe in GBP or EUR, NIHR for
universities and NHS bodies), 1 to 60 months, every service (with a recorded
decision where one is needed), involvement and expenses, priced on 2026-04-01.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from copro_costing import Costing, estimate, parse_spec

SERVICES = (
    "initial-consultation",
    "training-workshop",
    "facilitation-day",
    "co-evaluation-day",
    "learning-partner-day",
    "advisory-group-meeting",
    "co-production-partner-day",
)
FUNDERS = ("ukri", "nihr", "wellcome", "amrc-charity", "horizon-europe", "other", "none")
PRICED_ON = date(2026, 4, 1)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pennies(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals with exactly two places, from low/100 to high/100."""
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-2))


def years_field(years: int) -> st.SearchStrategy[dict[str, Any]]:
    one = st.integers(1, years).map(lambda y: {"year": y})
    many = st.lists(st.integers(1, years), min_size=1, max_size=years, unique=True).map(lambda ys: {"years": ys})
    return st.one_of(one, many)


@st.composite
def service_entries(draw, client: str, years: int) -> dict[str, Any]:
    service = draw(st.sampled_from(SERVICES))
    entry: dict[str, Any] = {"service": service, "quantity": draw(pennies(1, 2000)), **draw(years_field(years))}
    if client == "internal" and service == "advisory-group-meeting":
        entry["decision"] = draw(st.sampled_from(["charge", "waive"]))
        entry["reason"] = "Agreed by the unit's director"
    return entry


@st.composite
def involvement_entries(draw, years: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "activity": draw(st.sampled_from(["Advisory group", "Co-design workshop", "Lived-experience panel"])),
        "people": draw(st.integers(1, 20)),
        "sessions": draw(st.integers(1, 12)),
        "hours": draw(pennies(25, 800)),
        "prep_hours": draw(pennies(0, 400)),
        **draw(years_field(years)),
    }
    if draw(st.booleans()):
        entry["expenses"] = draw(pennies(0, 10000))
    if draw(st.booleans()):
        entry["rate"] = draw(pennies(3000, 6000))  # never below the £30.00 co-producer rate
    return entry


@st.composite
def expense_entries(draw, years: int) -> dict[str, Any]:
    return {
        "item": draw(st.sampled_from(["BSL interpreter", "Room hire", "Captioning", "Benefits advice"])),
        "cost": draw(pennies(1, 500000)),
        "quantity": draw(pennies(1, 2000)),
        **draw(years_field(years)),
    }


@st.composite
def spec_data(draw) -> dict[str, Any]:
    client = draw(st.sampled_from(["internal", "external"]))
    months = draw(st.integers(1, 60))
    years = math.ceil(months / 12)
    project: dict[str, Any] = {
        "title": "Generated bid",
        "client": client,
        "funder": draw(st.sampled_from(FUNDERS)),
        "start": PRICED_ON + timedelta(days=draw(st.integers(-400, 700))),
        "months": months,
        "priced_on": PRICED_ON,
    }
    if project["funder"] == "horizon-europe" and draw(st.booleans()):
        project["currency"] = "EUR"  # at the tables' budgeting rate
    if project["funder"] in ("nihr", "other"):
        project["applicant"] = draw(st.sampled_from(["university", "nhs"]))
    if client == "external" and draw(st.integers(0, 4)) == 0:
        project["vat"] = False
        project["vat_reason"] = "Finance confirmed no VAT is due"
    return {
        "project": project,
        "services": draw(st.lists(service_entries(client, years), max_size=6)),
        "involvement": draw(st.lists(involvement_entries(years), max_size=4)),
        "expenses": draw(st.lists(expense_entries(years), max_size=4)),
    }


def price(data: dict[str, Any], book) -> Costing:
    return estimate(parse_spec(data), book)


def all_totals(costing: Costing) -> dict[str, Any]:
    t = costing.totals
    return {
        "value": t.value, "waived": t.waived, "vat": t.vat, "price": t.price,
        "by_year": t.by_year, "by_heading": t.by_heading, "funder_contribution": t.funder_contribution,
    }


@SETTINGS
@given(data=spec_data())
def test_totals_equal_the_sum_of_lines_in_every_view(data, book, check_totals):
    costing = price(data, book)
    check_totals(costing)  # value, waived, vat, by_year, by_heading; price = value - waived + vat


@SETTINGS
@given(data=spec_data())
def test_every_money_value_has_exactly_two_decimals(data, book):
    costing = price(data, book)
    t = costing.totals
    values = [t.value, t.waived, t.vat, t.price, t.funder_contribution, *t.by_year.values(), *t.by_heading.values()]
    for line in costing.lines:
        values += [line.unit_price, line.amount, line.vat, line.waived, line.price]
    for value in values:
        assert value.as_tuple().exponent == -2, value


@SETTINGS
@given(data=spec_data(), shuffle=st.randoms(use_true_random=False))
def test_the_order_of_entries_does_not_change_any_total(data, shuffle, book):
    shuffled = {**data}
    for section in ("services", "involvement", "expenses"):
        entries = list(data[section])
        shuffle.shuffle(entries)
        shuffled[section] = entries
    assert all_totals(price(shuffled, book)) == all_totals(price(data, book))


def with_people_doubled(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "involvement": [{**e, "people": 2 * e["people"]} for e in data["involvement"]]}


def involvement_amounts(costing: Costing, cost_type: str) -> list[Decimal]:
    """Amounts of the lines priced from [[involvement]] entries (not those included in services)."""
    return [line.amount for line in costing.lines if line.cost_type == cost_type and line.ref.startswith("involvement")]


@SETTINGS
@given(data=spec_data())
def test_doubling_people_exactly_doubles_involvement_expenses(data, book):
    # people x sessions person-sessions at a unit price in whole pence: always exact.
    before = involvement_amounts(price(data, book), "involvement_expenses")
    after = involvement_amounts(price(with_people_doubled(data), book), "involvement_expenses")
    assert after == [2 * amount for amount in before]


ROUNDED_FEE = {
    "project": {"title": "Generated bid", "client": "internal", "funder": "amrc-charity", "start": PRICED_ON,
                "months": 13, "priced_on": PRICED_ON},
    "services": [],
    "involvement": [{"activity": "Advisory group", "people": 1, "sessions": 1, "hours": Decimal("0.25"),
                     "prep_hours": Decimal("0.00"), "years": [2]}],
    "expenses": [],
}
"""An AMRC charity's year 2 (one 1 August later) pays £30.90 an hour: a quarter hour is 772.5p. Fees are priced per person
per session (rounded once, to £7.73), so two people are exactly 2 x £7.73 = £15.46."""


@SETTINGS
@example(data=ROUNDED_FEE)
@given(data=spec_data())
def test_doubling_people_exactly_doubles_involvement_fees(data, book):
    before = involvement_amounts(price(data, book), "involvement")
    after = involvement_amounts(price(with_people_doubled(data), book), "involvement")
    assert after == [2 * amount for amount in before]


@SETTINGS
@given(data=spec_data())
def test_internal_costings_never_carry_vat(data, book):
    internal = {**data, "project": {k: v for k, v in data["project"].items() if not k.startswith("vat")}}
    internal["project"]["client"] = "internal"
    internal["services"] = [
        {**e, "decision": "waive", "reason": "Agreed"} if e["service"] == "advisory-group-meeting" and "decision" not in e
        else e
        for e in data["services"]
    ]
    costing = price(internal, book)
    assert costing.totals.vat == Decimal("0.00")
    assert all(line.vat == 0 for line in costing.lines)


@SETTINGS
@given(data=spec_data())
def test_estimate_is_deterministic(data, book):
    spec = parse_spec(data)
    assert estimate(spec, book).as_json() == estimate(spec, book).as_json()


@SETTINGS
@given(data=spec_data())
def test_co_producers_are_paid_at_least_the_rate_in_force(data, book):
    costing = price(data, book)
    for line in costing.lines:
        if line.cost_type == "involvement":
            assert line.charge == "charged"
            assert line.hourly_rate is not None and line.hourly_rate >= Decimal("30.00")
