"""Financial years (1 August – 31 July) and spreading project years over them, to the penny.

A project year rarely matches a financial year: a project starting on 1 October has
ten months of its first year in one financial year and two in the next. Each project
year's figure is spread over the financial years it falls in, pro rata by days.

The remainder rule, so a costing's spread sums exactly to its total: work in whole
pennies; each financial year first gets its share rounded down (``pennies × days ÷
year's days``); the pennies left over (fewer than the number of financial years the
project year touches) go one each to the financial years with the largest fractional
remainders, the earlier financial year first on a tie.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from ..dates import year_start
from ..money import PENNY, ZERO

FY_START_MONTH = 8
"""Financial years start on 1 August."""


def financial_year(day: date) -> int:
    """The calendar year a day's financial year starts in (1 August 2026 – 31 July 2027 is 2026)."""
    return day.year if day.month >= FY_START_MONTH else day.year - 1


def fy_label(start_year: int) -> str:
    """``2026-27`` for the financial year starting 1 August 2026."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def fy_bounds(start_year: int) -> tuple[date, date]:
    """First day and the day after the last day of a financial year."""
    return date(start_year, FY_START_MONTH, 1), date(start_year + 1, FY_START_MONTH, 1)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months; a day past the end of the month falls back to its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def project_end(start: date, months: int) -> date:
    """The day after the project's last day."""
    return add_months(start, months)


def project_years(start: date, months: int) -> Iterator[tuple[int, date, date]]:
    """Each project year as (number, first day, day after the last day); the last may be short."""
    end = project_end(start, months)
    years = -(-months // 12)
    for n in range(1, years + 1):
        first = year_start(start, n)
        after = end if n == years else year_start(start, n + 1)
        yield n, first, max(after, first + timedelta(days=1))


def days_by_financial_year(first: date, after: date) -> list[tuple[int, int]]:
    """(financial year, days of [first, after) in it), earliest first."""
    out = []
    fy = financial_year(first)
    while True:
        begin, end = fy_bounds(fy)
        days = (min(after, end) - max(first, begin)).days
        if days > 0:
            out.append((fy, days))
        if end >= after:
            return out
        fy += 1


@lru_cache(maxsize=4096)
def project_financial_years(start: date, months: int) -> tuple[tuple[int, tuple[tuple[int, int], ...]], ...]:
    """Each project year's number and its (financial year, days) in each financial year it touches.

    A pure function of the start and length, remembered: a portfolio's projects mostly start
    on a handful of dates, and a report spreads every costing's every year by it.
    """
    return tuple((n, tuple(days_by_financial_year(first, after))) for n, first, after in project_years(start, months))


def spread(amount: Decimal, days: Sequence[tuple[int, int]]) -> dict[int, Decimal]:
    """``amount`` (whole pennies, as every figure of a costing is) split over financial years
    pro rata by days; the parts, whole pennies too, sum exactly to it."""
    if len(days) <= 1:  # none, or the whole project year in one financial year
        return {fy: amount + ZERO for fy, _ in days}  # (+ ZERO: to the penny, never -0.00)
    if not amount:
        return {fy: ZERO for fy, _ in days}
    pennies = int(abs(amount).scaleb(2).to_integral_value())
    sign = -1 if amount < 0 else 1  # an int, so a zero share is 0.00 and never -0.00
    if len(days) == 2:  # the usual case, as below: the penny left over (if any) to the larger remainder
        (fy1, d1), (fy2, d2) = days
        total = d1 + d2
        first, remainder = divmod(pennies * d1, total)
        if pennies - first - pennies * d2 // total and 2 * remainder >= total:
            first += 1  # its remainder is the larger (or equal: the earlier financial year first)
        return {fy1: sign * first * PENNY, fy2: sign * (pennies - first) * PENNY}
    total_days = sum(d for _, d in days)
    shares: list[int] = []
    remainders: list[int] = []
    for _, d in days:
        share, remainder = divmod(pennies * d, total_days)
        shares.append(share)
        remainders.append(remainder)
    left = pennies - sum(shares)
    if left:  # one penny each to the largest remainders, the earlier financial year first on a tie
        for i in sorted(range(len(days)), key=lambda i: (-remainders[i], i))[:left]:
            shares[i] += 1
    return {fy: sign * share * PENNY for (fy, _), share in zip(days, shares, strict=True)}


def spread_each(
    amounts: tuple[Decimal, ...], days: Sequence[tuple[int, int]]
) -> list[tuple[int, tuple[Decimal, ...]]]:
    """Each of ``amounts`` split over the same financial years as :func:`spread` splits it:
    (financial year, each amount's part in it), earliest first."""
    parts = [spread(amount, days) for amount in amounts]
    return [(fy, tuple(part[fy] for part in parts)) for fy, _ in days]
