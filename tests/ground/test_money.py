"""Money: one way into Decimal, one rounding rule, floats refused, formatting for people."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copro_costing.money import (
    MoneyError,
    format_money,
    money_str,
    percent_of,
    places,
    plain_number,
    round_money,
    to_money,
    to_quantity,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (15, "15.00"),
        ("15", "15.00"),
        ("15.5", "15.50"),
        (Decimal("300.00"), "300.00"),
        ("£1,250.75", "1250.75"),
        ("  7.10 ", "7.10"),
        (0, "0.00"),
        ("-4.25", "-4.25"),
    ],
)
def test_to_money_makes_an_exact_amount_with_two_places(given, expected):
    result = to_money(given)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


def test_a_computed_binary_float_is_refused_even_when_it_looks_harmless():
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point: not a figure anyone typed.
    # (A typed float such as 0.1, 15.0 or 2.5 is taken at its shortest form: test_float_rule.py.)
    with pytest.raises(MoneyError, match="float"):
        to_money(0.1 + 0.2)
    with pytest.raises(MoneyError, match="float"):
        to_money(1 / 3)
    with pytest.raises(MoneyError, match="float"):
        to_quantity(2.5 / 3)


@pytest.mark.parametrize("given", [True, False, None, [1], "twelve", "NaN", "Infinity", Decimal("NaN")])
def test_non_numbers_are_refused(given):
    with pytest.raises(MoneyError):
        to_money(given)


def test_an_amount_may_have_two_decimal_places_but_not_three():
    assert to_money("300.01") == Decimal("300.01")
    with pytest.raises(MoneyError, match="at most 2 decimal places"):
        to_money("300.005")
    with pytest.raises(MoneyError, match="at most 2 decimal places"):
        to_money(Decimal("0.001"))


def test_trailing_zeros_are_not_extra_places():
    # 15.000 is the same amount as 15.00: no penny is lost by reading it.
    assert to_money("15.000") == Decimal("15.00")


def test_the_error_names_what_was_wrong():
    with pytest.raises(MoneyError, match=r"cost must have at most 2 decimal places \(got 1\.234\)"):
        to_money("1.234", what="cost")


def test_quantities_keep_their_own_places_and_a_percentage_may_have_four():
    assert to_quantity("2.5") == Decimal("2.5")  # not padded to 2.50: hours are not money
    assert to_quantity("0.25") == Decimal("0.25")
    with pytest.raises(MoneyError):
        to_quantity("0.125")
    assert to_quantity("12.3456", max_places=4) == Decimal("12.3456")


def test_a_whole_number_is_a_quantity_below_the_limit_and_true_is_not_a_number():
    assert to_quantity(999_999_999) == Decimal(999_999_999) and to_quantity(-3) == Decimal(-3)
    with pytest.raises(MoneyError, match="less than 1,000,000,000"):
        to_quantity(1_000_000_000)
    with pytest.raises(MoneyError, match="true/false"):
        to_quantity(True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.675", "2.68"),  # a half rounds up (a binary float would give 2.67)
        ("2.665", "2.67"),  # ... and not to even (banker's rounding would give 2.66)
        ("2.6749", "2.67"),
        ("-2.675", "-2.68"),  # halves go away from zero
        ("31.827", "31.83"),  # £30 uplifted 3% twice: 30 x 1.0609
        ("7", "7.00"),
    ],
)
def test_round_money_rounds_halves_up_to_the_penny(value, expected):
    result = round_money(Decimal(value))
    assert result == Decimal(expected)
    assert str(result) == expected


def test_round_money_refuses_a_float():
    with pytest.raises(MoneyError):
        round_money(2.675)  # type: ignore[arg-type]


def test_percent_of_rounds_once():
    # 20% VAT on £10,080.00 is £2,016.00; on £0.03 it is 0.6p, which rounds to 1p.
    assert percent_of(Decimal("10080.00"), Decimal(20)) == Decimal("2016.00")
    assert percent_of(Decimal("0.03"), Decimal(20)) == Decimal("0.01")
    assert percent_of(Decimal("0.02"), Decimal(20)) == Decimal("0.00")  # 0.4p rounds down


def test_money_str_always_has_exactly_two_decimals():
    assert money_str(Decimal("10080")) == "10080.00"
    assert money_str(Decimal("3.5")) == "3.50"
    assert money_str(Decimal("-0.5")) == "-0.50"
    assert money_str(Decimal("1E+3")) == "1000.00"  # no exponent notation
    assert money_str(Decimal("-0.00")) == str(round_money(Decimal("-0.00")))
    with pytest.raises(MoneyError):  # more digits than a Decimal holds to the penny: refused, as rounding does
        money_str(Decimal("123456789012345678901234567890.12"))
    with pytest.raises(MoneyError):
        money_str(1.25)  # type: ignore[arg-type]  # a float is refused, even one that looks like pennies


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-10**15, max_value=10**15)
       | st.builds(lambda d, e: d.scaleb(e), st.decimals(allow_nan=False, allow_infinity=False), st.integers(-9, 9)))
def test_money_str_is_the_rounded_amounts_text_whatever_its_form(value):
    try:
        expected = str(round_money(value))
    except MoneyError:
        with pytest.raises(MoneyError):
            money_str(value)
        return
    assert money_str(value) == expected


def test_places_counts_written_decimals():
    assert places(Decimal("1.50")) == 2
    assert places(Decimal("7")) == 0
    assert places(Decimal("1E+2")) == 0


def test_plain_number_writes_quantities_as_people_do():
    assert plain_number(Decimal("96")) == "96"
    assert plain_number(Decimal("2.50")) == "2.5"
    assert plain_number(Decimal("0.25")) == "0.25"
    assert plain_number(Decimal("1E+2")) == "100"
    assert plain_number(Decimal("0.00")) == "0"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None)
       | st.builds(lambda d, e: d.scaleb(e), st.decimals(allow_nan=False, allow_infinity=False), st.integers(-12, 12)))
def test_plain_number_is_the_fixed_point_text_without_trailing_zeros_whatever_the_form(value):
    fixed = format(value, "f")
    expected = (fixed.rstrip("0").rstrip(".") if "." in fixed else fixed) or "0"
    assert plain_number(value) == expected


def test_format_money_uses_babel_for_people():
    assert format_money(Decimal("10080.00")) == "£10,080.00"
    assert format_money(Decimal("0.00")) == "£0.00"
    # Another locale writes the same amount its own way (German: comma decimals).
    german = format_money(Decimal("10080.00"), locale="de_DE")
    assert "10.080,00" in german and "£" in german



LOCALES = ("en_GB", "en_US", "en_IE", "de_DE", "fr_FR", "nl_NL", "es_ES", "pl_PL", "de_CH", "hi_IN", "ar_EG", "sv_SE")


@settings(max_examples=400, deadline=None)
@given(
    units=st.integers(min_value=-10**14, max_value=10**14),
    places=st.sampled_from((0, 1, 2, 3)),
    locale=st.sampled_from(LOCALES),
    currency=st.sampled_from(("GBP", "EUR", "USD", "JPY", "INR", "CHF")),
)
def test_format_money_writes_every_amount_exactly_as_babel_does(units: int, places: int, locale: str,
                                                                 currency: str) -> None:
    from babel.numbers import format_currency

    value = Decimal(units).scaleb(-places)
    assert format_money(value, locale=locale, currency=currency) == format_currency(value, currency, locale=locale)


@pytest.mark.parametrize("text", ["-0.00", "0", "30", "30.5", "999999999.99", "1E+3", "-12.345"])
def test_format_money_agrees_with_babel_on_awkward_amounts(text: str) -> None:
    from babel.numbers import format_currency

    for locale in LOCALES:
        for currency in ("GBP", "EUR", "JPY"):
            value = Decimal(text)
            assert format_money(value, locale=locale, currency=currency) == format_currency(value, currency,
                                                                                            locale=locale)


def test_plain_locales_are_written_without_babel_and_the_others_by_babel() -> None:
    from copro_costing.money import _shape

    assert all(_shape(locale, currency) is not None
               for locale, currency in (("en_GB", "GBP"), ("en_GB", "EUR"), ("de_DE", "EUR"), ("fr_FR", "EUR")))
    # Indian grouping (12,34,567.89), no decimals (JPY), or another sign's place (CHF-1234567.89): Babel
    assert all(_shape(locale, currency) is None
               for locale, currency in (("hi_IN", "INR"), ("en_GB", "JPY"), ("de_CH", "CHF"), ("xx_YY", "GBP")))


def test_format_money_is_exact_whatever_the_decimal_context() -> None:
    from decimal import localcontext

    from copro_costing.money import _formatted, _shape

    _formatted.cache_clear()
    _shape.cache_clear()
    with localcontext() as context:
        context.prec = 6  # as a notebook might set it
        assert format_money(Decimal("1234567.89")) == "£1,234,567.89"
        assert format_money(Decimal("-12.34"), locale="de_DE", currency="EUR") == "-12,34\xa0€"


def test_plain_number_writes_no_exponent_whatever_the_callers_decimal_context():
    """A notebook may set ``capitals = 0`` (exponents in small letters): quantities are still written plainly."""
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.capitals = 0
        assert plain_number(Decimal("1E+2")) == "100"
        assert plain_number(Decimal("1E-7")) == "0.0000001"
