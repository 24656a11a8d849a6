"""Floats from Python code: a typed one is taken at its shortest form, a computed one refused,
and whole-number fields refuse every float, from Python and from a costing file alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from copro_costing import InputError, parse_spec
from copro_costing.money import MoneyError, to_money, to_quantity
from snippets import INVOLVEMENT

PROJECT = {"title": "x", "client": "internal", "funder": "ukri", "start": date(2026, 4, 1), "months": 24}


@pytest.mark.parametrize(("typed", "held"), [(2.5, "2.50"), (15.5, "15.50"), (0.1, "0.10"), (1250.75, "1250.75"), (3.0, "3.00")])
def test_a_float_a_person_typed_is_taken_at_its_shortest_form(typed, held):
    assert to_money(typed) == Decimal(held)
    assert str(to_money(typed)) == held


@pytest.mark.parametrize("computed", [0.1 + 0.2, 1 / 3, 2.675 * 3, 10.005])
def test_a_computed_float_is_refused_with_the_same_message(computed):
    with pytest.raises(MoneyError, match="must be an exact decimal, not a binary float"):
        to_money(computed)
    with pytest.raises(MoneyError, match="must be an exact decimal, not a binary float"):
        to_quantity(computed)


@pytest.mark.parametrize("special", [float("inf"), float("nan"), -float("inf")])
def test_infinity_and_nan_floats_are_refused(special):
    with pytest.raises(MoneyError):
        to_money(special)


def test_the_python_api_takes_typed_hours_and_expenses():
    spec = parse_spec({"project": PROJECT}).add_involvement(
        "Panel", people=4, sessions=2, hours=2.5, prep_hours=0.5, expenses=15.5, year=1,
    )
    (entry,) = spec.involvement
    assert (entry.hours, entry.prep_hours, entry.expenses) == (Decimal("2.5"), Decimal("0.5"), Decimal("15.50"))


@pytest.mark.parametrize("field", ["people", "sessions"])
@pytest.mark.parametrize("value", [2.0, 3.5, float("inf")])
def test_whole_number_fields_refuse_every_float_from_python(field, value):
    args = {"people": 4, "sessions": 2, **{field: value}}
    with pytest.raises(InputError, match=f"involvement entry 1: {field}: must be a whole number"):
        parse_spec({"project": PROJECT}).add_involvement("Panel", hours=2, year=1, **args)


@pytest.mark.parametrize("value", [1.0, 2.0])
def test_a_year_given_as_a_float_is_refused(value):
    with pytest.raises(InputError, match="services entry 1: year: must be a whole number"):
        parse_spec({"project": PROJECT}).add_service("training-workshop", year=value)  # type: ignore[arg-type]


def test_months_given_as_a_float_is_refused():
    with pytest.raises(InputError, match=r"project\.months: must be a whole number"):
        parse_spec({"project": {**PROJECT, "months": 12.0}})


@pytest.mark.parametrize(("old", "new", "field"), [
    ("people = 8", "people = 2.0", "people"),
    ("sessions = 4", "sessions = 4.0", "sessions"),
    ("years = [1, 2, 3]", "year = 1.0", "year"),
    ("years = [1, 2, 3]", "years = [1, 2.0]", "years item 2"),
])
def test_whole_number_fields_in_a_costing_file_refuse_a_decimal_point(problems_of, spec_toml, old, new, field):
    found = problems_of(spec_toml(INVOLVEMENT.replace(old, new)))
    assert any(f"involvement entry 1: {field}: must be a whole number" in p for p in found), found
