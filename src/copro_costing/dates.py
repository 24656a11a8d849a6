"""Calendar arithmetic shared by the rate book and the pricing engine."""

from __future__ import annotations

from datetime import date


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
