"""A priced line is a read-only value: built by a written-out constructor that must match its fields."""

from __future__ import annotations

import dataclasses
import inspect
from decimal import Decimal

import pytest

from copro_costing.pricing.costing import Line


def a_line(**changes: object) -> Line:
    fields = dict(kind="service", cost_type="service", description="Facilitation", year=1, quantity=Decimal(2),
                  unit="day", unit_price=Decimal("380.00"), amount=Decimal("760.00"), charge="charged",
                  heading="Directly incurred: other")
    return Line(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_constructor_takes_exactly_the_fields_in_order_with_their_defaults() -> None:
    parameters = list(inspect.signature(Line.__init__).parameters.values())[1:]
    fields = dataclasses.fields(Line)
    assert [p.name for p in parameters] == [f.name for f in fields]
    for parameter, field in zip(parameters, fields, strict=True):
        expected = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        assert parameter.default == expected, field.name


def test_a_line_cannot_be_changed_but_can_be_copied_with_a_change() -> None:
    line = a_line()
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.amount = Decimal("1.00")  # type: ignore[misc]
    cheaper = dataclasses.replace(line, amount=Decimal("380.00"))
    assert cheaper.amount == Decimal("380.00") and line.amount == Decimal("760.00")
    assert cheaper == a_line(amount=Decimal("380.00")) and cheaper != line
    assert hash(cheaper) == hash(a_line(amount=Decimal("380.00")))


def test_a_line_repr_names_its_fields() -> None:
    assert repr(a_line()).startswith("Line(kind='service', cost_type='service', description='Facilitation'")
    assert a_line().vat_treatment == "none" and a_line().hours is None


def test_a_line_survives_pickling_as_a_worker_process_would_send_it() -> None:
    import pickle

    line = a_line(hours=Decimal("2.5"), hourly_rate=Decimal("30.00"))
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(line, protocol))
        assert back == line and back.hours == Decimal("2.5")
        with pytest.raises(dataclasses.FrozenInstanceError):
            back.note = "changed"  # type: ignore[misc]
