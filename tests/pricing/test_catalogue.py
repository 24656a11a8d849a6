"""The service catalogue (`copro-costing services`, the offer) prices exactly as a costing does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from copro_costing import estimate, load_rates, parse_spec
from copro_costing.pricing.catalogue import catalogue

ON = date(2026, 4, 1)


@pytest.fixture
def awkward_book(rates_copy, append):
    """A co-producer rate whose products leave part pennies (30.33 x 1.25 h = 37.9125)."""
    append(rates_copy, "coproducer.toml", """
[[coproducer_rate]]
effective = 2026-01-01
hourly_rate = 30.33
source = "illustrative: a rate chosen to leave part pennies"
""")
    append(rates_copy, "services.toml", """
[[services]]
id = "listening-event"
name = "Listening event"
description = "An event where co-producers lead the conversation."
unit = "event"
effective = 2026-01-01
effort = { co-production-officer = 1 }
coproducers = { people = 3, hours = 1, prep_hours = 0.25 }
internal_policy = "charge"
vat = "standard"
vat_source = "illustrative: test row"
source = "illustrative: test service"

[[services]]
id = "future-service"
name = "Not yet offered"
description = "Starts next year."
unit = "day"
effective = 2027-01-01
effort = { co-production-officer = 1 }
internal_policy = "charge"
vat = "standard"
vat_source = "illustrative: test row"
source = "illustrative: test service"
""")
    return load_rates(rates_copy)


@pytest.mark.parametrize("client", ["internal", "external"])
def test_a_unit_in_the_catalogue_costs_what_one_unit_in_a_costing_costs(awkward_book, client):
    for entry in catalogue(awkward_book, ON):
        if entry.service.internal_policy != "charge":
            continue
        spec = parse_spec({
            "project": {"title": "One unit", "client": client, "funder": "ukri", "start": ON,
                        "months": 12, "priced_on": ON},
            "services": [{"service": entry.service.id, "quantity": 1, "year": 1}],
        })
        costing = estimate(spec, awkward_book)
        expected = entry.internal_price if client == "internal" else entry.external_price
        assert costing.totals.value == expected, entry.service.id


def test_listening_event_pays_each_co_producer_the_rounded_session_payment(awkward_book):
    (entry,) = [e for e in catalogue(awkward_book, ON) if e.service.id == "listening-event"]
    # 1.25 h x £30.33 = £37.9125, paid as £37.92 (rounded up: never below the rate) to each of
    # 3 co-producers = £113.76
    assert entry.coproducer_payments == Decimal("113.76")


def test_a_service_not_yet_in_force_is_left_out_not_an_error(awkward_book):
    ids = [e.service.id for e in catalogue(awkward_book, ON)]
    assert "future-service" not in ids and "listening-event" in ids
    assert "future-service" in [e.service.id for e in catalogue(awkward_book, date(2027, 1, 1))]
