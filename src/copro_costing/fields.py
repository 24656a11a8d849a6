"""Annotated field types shared by the rate-table and costing-spec models.

Each type routes through :mod:`copro_costing.money`, so the same rules (no floats, at
most two decimal places for amounts) hold whether a value comes from TOML, from Excel
or from Python code in a notebook.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints

from .money import MoneyError, to_money, to_quantity

MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, defer_build=True)


def _money(value: object) -> Decimal:
    try:
        return to_money(value, what="amount")
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _quantity(value: object) -> Decimal:
    try:
        return to_quantity(value, what="value")
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _percent(value: object) -> Decimal:
    try:
        return to_quantity(value, what="percentage", max_places=4)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _rate(value: object) -> Decimal:
    try:
        return to_quantity(value, what="exchange rate", max_places=6)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(f"must not be negative (got {value})")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError(f"must be greater than zero (got {value})")
    return value


def _percentage_range(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(100):
        raise ValueError(f"must be a percentage between 0 and 100 (got {value})")
    return value


def _currency_check(supported: tuple[str, ...]) -> Callable[[object], object]:
    """A validator accepting ``supported`` codes, saying whether another value is a real ISO 4217 code or a typo."""
    words = " and ".join(supported) + (" are" if len(supported) > 1 else " is")

    def check(value: object) -> object:
        if value in supported:
            return value
        if not isinstance(value, str):
            raise ValueError(f'must be a currency code such as "GBP" (got {value!r})')
        from babel.numbers import list_currencies

        code = value.strip()
        known = list_currencies()
        if code in known:
            raise ValueError(f"only {words} supported (got {value!r})")
        if code.upper() in known:
            raise ValueError(f"currency codes are written in capitals, and only {words} supported (got {value!r})")
        raise ValueError(f"not an ISO 4217 currency code; only {words} supported (got {value!r})")

    return check


_currency = _currency_check(("GBP",))


def whole_number(value: object) -> object:
    """A whole number as an int; every float (even 2.0 from Python or TOML), infinity and NaN refused.

    TOML numbers with a decimal point arrive as Decimals with places (``2.0``), and are
    refused like Python floats: people and sessions are counted, not measured.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"must be a whole number, written without a decimal point (got {value!r})")
    if isinstance(value, Decimal):
        if not value.is_finite() or (value.as_tuple().exponent != 0 and value != value.to_integral_value()):
            raise ValueError(f"must be a whole number (got {value})")
        if value.as_tuple().exponent != 0:
            raise ValueError(f"must be a whole number, written without a decimal point (got {value})")
        return int(value)
    return value


Money = Annotated[Decimal, BeforeValidator(_money), AfterValidator(_not_negative)]
"""An amount of money, >= 0, at most 2 decimal places, stored with exactly 2."""

PositiveMoney = Annotated[Decimal, BeforeValidator(_money), AfterValidator(_positive)]
Quantity = Annotated[Decimal, BeforeValidator(_quantity), AfterValidator(_positive)]
"""A count of units, hours or days: > 0, at most 2 decimal places."""

NonNegativeQuantity = Annotated[Decimal, BeforeValidator(_quantity), AfterValidator(_not_negative)]
Percent = Annotated[Decimal, BeforeValidator(_percent), AfterValidator(_percentage_range)]
Count = Annotated[int, BeforeValidator(whole_number), Field(gt=0, lt=1_000_000)]
"""A whole number of people or sessions, > 0."""

Currency = Annotated[Literal["GBP"], BeforeValidator(_currency)]
"""The currency of the rate tables' figures: GBP."""

BudgetCurrency = Annotated[Literal["GBP", "EUR"], BeforeValidator(_currency_check(("GBP", "EUR")))]
"""A currency a costing can be budgeted in: GBP, or EUR (converted at a recorded rate)."""

ExchangeRate = Annotated[Decimal, BeforeValidator(lambda v: _rate(v)), AfterValidator(_positive)]
"""Units of another currency per pound: > 0, at most 6 decimal places."""

Year = Annotated[int, BeforeValidator(whole_number), Field(ge=1)]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NONCHARACTER = re.compile(
    "[\ufdd0-\ufdef\ud800-\udfff" + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17)) + "]"
)
"""Unicode noncharacters (U+FDD0..U+FDEF and the last two code points of every plane) and
lone surrogates: no XML document may hold them, so a workbook with one would not open."""


_UNSTORABLE = re.compile(_CONTROL.pattern[:-1] + _NONCHARACTER.pattern[1:])
"""Either kind in one search: every text field of every file is checked."""


MAX_TEXT = 10_000
"""Longest text a field may hold: far more than any note or title, and well within a
spreadsheet cell (32,767 UTF-16 units, beyond which a spreadsheet cuts it short)."""


def _printable(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ValueError(f"is too long: at most {MAX_TEXT:,} characters (got {len(value):,})")
    if _UNSTORABLE.search(value) is None:
        return value
    if match := _CONTROL.search(value):
        raise ValueError(
            f"contains an invisible control character (code {ord(match.group()):#04x}): "
            "retype the text, it may have been pasted from another program"
        )
    if match := _NONCHARACTER.search(value):
        raise ValueError(
            f"contains a Unicode noncharacter (U+{ord(match.group()):04X}), which no spreadsheet or "
            "document can store: retype the text, it may have been pasted from another program"
        )
    return value


FreeText = Annotated[str, AfterValidator(_printable)]
"""Any text a person writes (a note, a reason): tabs and new lines allowed, no other
control characters, which spreadsheets cannot store."""

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True), AfterValidator(_printable)]
"""Text that must not be empty: a name, a title, a source."""
Ident = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", min_length=1, strip_whitespace=True)
]
"""A lower-case id such as ``co-production-manager``."""
