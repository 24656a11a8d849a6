"""Money: the one way into Decimal, the one rounding rule, and formatting for people.

Every amount in the library is created by :func:`to_money` (or :func:`to_quantity`
for non-money numbers such as hours). A binary float cannot hold most pennies exactly, so
a float is taken only when it is plainly one a person typed (``hours=2.5``: its shortest
form has at most two places) and refused otherwise (``0.1 + 0.2``); whole-number fields
refuse every float. Arithmetic happens on Decimals; each priced
line is rounded once, by :func:`round_money`, and totals are sums of rounded lines.
The engine never formats: :func:`format_money` (Babel) is for displays and exports.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, ROUND_UP, Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache

CURRENCY = "GBP"
PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
DEFAULT_LOCALE = "en_GB"
LIMIT = Decimal(10) ** 9
"""No figure a person types (an amount, hours, people) is a billion or more: larger
values are typing mistakes, and refusing them keeps every product well inside Decimal's
precision."""
_INT_LIMIT = int(LIMIT)


class MoneyError(ValueError):
    """A value that cannot be used as money (a float, too many decimals, not a number)."""


def _decimal(value: object, *, what: str, money: bool = False, float_places: int | None = None) -> Decimal:
    if isinstance(value, bool):
        raise MoneyError(f"{what} must be a number, not a true/false value (got {value!r})")
    if isinstance(value, float) and float_places is not None and _typed(value, float_places):
        value = Decimal(repr(value))
    if isinstance(value, float):
        raise MoneyError(
            f"{what} must be an exact decimal, not a binary float (got {value!r}); "
            "write it as a string such as \"15.00\" or read TOML with parse_float=Decimal"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if money:  # "£1,250.75" is unambiguous for an amount, not for hours or people
            text = text.removeprefix("£").replace(",", "")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"{what} must be a number such as 15.00 (got {value!r})") from None
    else:
        raise MoneyError(f"{what} must be a number (got {value!r})")
    if not result.is_finite():
        raise MoneyError(f"{what} must be a finite number (got {value!r})")
    if abs(result) >= LIMIT:
        raise MoneyError(f"{what} must be less than {LIMIT:,} (got {value})")
    return result


def _typed(value: float, max_places: int) -> bool:
    """Whether a float is one a person typed: its shortest form has at most ``max_places`` places.

    ``2.5`` and ``15.5`` are; ``0.1 + 0.2`` (0.30000000000000004) is not, and is refused.
    """
    try:
        text = Decimal(repr(value))
    except InvalidOperation:
        return False
    return text.is_finite() and places(text.normalize()) <= max_places


def places(value: Decimal) -> int:
    """Number of decimal places written in ``value`` (``Decimal("1.50")`` has 2)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def to_money(value: object, *, what: str = "amount", max_places: int = 2) -> Decimal:
    """Return ``value`` as an exact money Decimal with exactly two places.

    Accepts int, Decimal or a numeric string, and a float a person typed (``15.5``: its
    shortest form has at most ``max_places`` places); refuses computed floats
    (``0.1 + 0.2``), booleans, NaN and values written with more than ``max_places``
    decimals (2 for any amount a person types).
    """
    result = _decimal(value, what=what, money=True, float_places=max_places)
    if places(result.normalize()) > max_places:
        raise MoneyError(
            f"{what} must have at most {max_places} decimal places (got {value})"
        )
    return result.quantize(PENNY)


def to_quantity(value: object, *, what: str = "quantity", max_places: int = 2) -> Decimal:
    """Return a non-money exact number (hours, days) with at most ``max_places``; typed floats as for money."""
    if type(value) is int and -_INT_LIMIT < value < _INT_LIMIT:  # the common case, a whole number: no checks to make
        return Decimal(value)
    result = _decimal(value, what=what, float_places=max_places)
    if places(result.normalize()) > max_places:
        raise MoneyError(
            f"{what} must have at most {max_places} decimal places (got {value})"
        )
    return result


def _to_penny(value: Decimal, rounding: str) -> Decimal:
    try:
        return value.quantize(PENNY, rounding)
    except InvalidOperation:  # more digits than the Decimal context holds
        raise MoneyError(f"amount too large to work out to the penny (got {value:.3E})") from None
    except AttributeError:
        if isinstance(value, float):  # defensive: nothing upstream should produce one
            raise MoneyError(f"refusing float in money arithmetic (got {value!r})") from None
        raise


def round_money(value: Decimal) -> Decimal:
    """The one rounding rule: to the penny, halves away from zero (ROUND_HALF_UP)."""
    try:  # the common case in one call (the rounding given by position: half the time of by name)
        return value.quantize(PENNY, ROUND_HALF_UP)
    except (InvalidOperation, AttributeError):
        return _to_penny(value, ROUND_HALF_UP)


def round_payment(value: Decimal) -> Decimal:
    """What a co-producer is paid, rounded UP to the penny: never a fraction of a penny below the rate.

    The one exception to :func:`round_money`, and only for the payment per person per
    session (hours × hourly rate): 9.99 h at £40.51 is £404.6949, paid £404.70. Excel's
    ``ROUNDUP(x, 2)`` is the same rule, so the workbook's formulas agree with the engine.
    """
    return _to_penny(value, ROUND_UP)


def too_large(value: Decimal) -> bool:
    """Whether a priced figure reaches :data:`LIMIT`: no real costing line does, and a
    spreadsheet could not hold it to the penny."""
    return abs(value) >= LIMIT


def round_money_up(value: Decimal) -> Decimal:
    """Up to the next penny: for what co-producers are paid, so no payment is below its rate."""
    if isinstance(value, float):
        raise MoneyError(f"refusing float in money arithmetic (got {value!r})")
    return value.quantize(PENNY, ROUND_UP)


HUNDRED = Decimal(100)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded by the one rule."""
    return round_money(amount * percent / HUNDRED)


def money_str(value: Decimal) -> str:
    """Machine form used in JSON and CSV: always exactly two decimals, no separators.

    An amount already to the penny (every figure the engine makes) is written as it is:
    the text of a Decimal with two decimal places is exactly its rounded text, and reading
    it is a fraction of rounding it again, for the thousands of amounts in a report.
    """
    if type(value) is Decimal:
        text = str(value)
        # Two places and not huge. No exponent either: one is written after the digits and
        # has no point, so a point third from the end is the last digits'.
        if text[-3:-2] == "." and len(text) <= 20:
            return text
    return str(round_money(value))


def format_money(value: Decimal, locale: str = DEFAULT_LOCALE, currency: str = CURRENCY) -> str:
    """Format for people with Babel, e.g. ``£10,080.00`` in ``en_GB``.

    Where Babel writes a locale's amounts plainly (a symbol or code around digits in groups
    of three; :func:`_shape` checks that on sample amounts), an amount of at most two decimal
    places is written the same way without asking Babel each time: a report lists thousands
    of different amounts, and Babel takes tens of microseconds for each.
    """
    return _formatted(str(value), locale, currency)


def format_whole_money(value: Decimal, locale: str = DEFAULT_LOCALE, currency: str = CURRENCY) -> str:
    """A whole amount for people without its pennies, e.g. ``£20,000`` (a chart's gridline), with Babel."""
    from babel import Locale
    from babel.numbers import format_currency

    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(value, currency, format=pattern, locale=locale, currency_digits=False)


@lru_cache(maxsize=4096)
def _formatted(value: str, locale: str, currency: str) -> str:
    """The text for an amount written as ``str(Decimal)``: keyed by the text, not the
    number, so ``-0`` and ``0.00`` keep their own forms whatever was formatted first.
    Notes and documents repeat the same few rates."""
    amount = Decimal(value)
    shape = _shape(locale, currency)
    exponent = amount.as_tuple().exponent  # a letter for NaN and infinities
    if shape is not None and isinstance(exponent, int) and exponent >= -2:
        return shape.write(amount)
    from babel.numbers import format_currency

    return format_currency(amount, currency, locale=locale)


class _Shape:
    """How Babel writes amounts in one locale and currency: what goes before and after the
    digits (for amounts and for negative ones), and the group and decimal separators."""

    SAMPLES = ("1234567.89", "1234.56", "12.34", "0.05", "0.00", "1000000000.00", "-1234567.89", "-1234.56",
               "-0.05", "-0.00")

    def __init__(self, before: str, after: str, minus_before: str, minus_after: str, group: str, point: str) -> None:
        self.before, self.after, self.minus_before, self.minus_after = before, after, minus_before, minus_after
        self.separators = str.maketrans({",": group, ".": point})

    def write(self, value: Decimal) -> str:
        digits = format(value.copy_abs(), ",.2f").translate(self.separators)  # exact, whatever the context
        if value.is_signed():
            return f"{self.minus_before}{digits}{self.minus_after}"
        return f"{self.before}{digits}{self.after}"


@lru_cache(maxsize=64)
def _shape(locale: str, currency: str) -> _Shape | None:
    """The locale's shape, if every sample amount Babel writes is written the same by it; else None."""
    from babel.core import UnknownLocaleError
    from babel.numbers import format_currency

    def around(text: str) -> tuple[str, str, str] | None:
        """(before, digits, after) of Babel's text for 1,234,567.89 or -1,234,567.89."""
        first, last = text.find("1"), text.rfind("9")
        if first < 0 or last - first != 11:
            return None
        return text[:first], text[first:last + 1], text[last + 1:]

    try:
        with localcontext(Context()):  # the samples as Babel writes them, whatever a caller set the context to
            samples = [format_currency(Decimal(sample), currency, locale=locale) for sample in _Shape.SAMPLES]
    except (UnknownLocaleError, ValueError, LookupError, ArithmeticError):  # Babel says so itself, on the first amount
        return None
    plus, minus = around(samples[0]), around(samples[_Shape.SAMPLES.index("-1234567.89")])
    if plus is None or minus is None or plus[1] != minus[1]:
        return None
    digits = plus[1]
    group, point = digits[1], digits[9]
    if digits != f"1{group}234{group}567{point}89" or group == point or group.isdigit() or point.isdigit():
        return None
    shape = _Shape(plus[0], plus[2], minus[0], minus[2], group, point)
    if [shape.write(Decimal(sample)) for sample in _Shape.SAMPLES] != samples:
        return None
    return shape


def plain_number(value: Decimal) -> str:
    """A quantity as people write it: no exponent, no trailing zeros (96, 2.5, 0.25)."""
    text = str(value)  # what format(value, "f") writes, unless it has an exponent
    if "E" in text or "e" in text:  # "e" where the caller's context writes exponents in small letters
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
