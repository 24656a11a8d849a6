"""Calendar arithmetic shared by the rate book and the pricing engine, and the one date rule.

Every date that comes in (a costing file's ``start`` and ``priced_on``, a rate row's
``effective``, ``--priced-on``, ``--on`` and ``--today`` on the command line) must fall
between :data:`FIRST_DATE` and :data:`LAST_DATE`: anything else is a typing mistake, and
dates past 2107 cannot even be stamped into a workbook (the zip format ends there).
"""

from __future__ import annotations

from datetime import date

FIRST_DATE, LAST_DATE = date(1990, 1, 1), date(2100, 12, 31)
"""Dates a bid or a rate can plausibly have."""


def date_rule_message(value: date) -> str | None:
    """Why ``value`` is refused, or None when it is a plausible date."""
    if FIRST_DATE <= value <= LAST_DATE:
        return None
    return f"must be a date between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()} (got {value.isoformat()})"


def plausible_date(value: date) -> date:
    """``value`` if it passes the date rule; ValueError saying why not otherwise."""
    if message := date_rule_message(value):
        raise ValueError(message)
    return value


def year_start(start: date, year: int) -> date:
    """First day of project year ``year`` (1-based); 29 February falls back to the 28th."""
    target = start.year + year - 1
    try:
        return start.replace(year=target)
    except ValueError:
        return start.replace(year=target, day=28)


PAY_AWARD_MONTH, PAY_AWARD_DAY = 8, 1
"""Pay awards and increments at UK universities take effect on 1 August."""


def pay_awards_between(after: date, upto: date) -> int:
    """How many 1 Augusts fall after ``after`` and on or before ``upto``."""
    if upto <= after:
        return 0
    count = 0
    for year in range(after.year, upto.year + 1):
        award = date(year, PAY_AWARD_MONTH, PAY_AWARD_DAY)
        if after < award <= upto:
            count += 1
    return count
