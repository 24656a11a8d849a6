"""Which rates price each project year, the uplift on top, and the costing's currency.

Funders that want current prices (``inflation = "none"``): every year at the rates in
force on the pricing date. Where the applicant adds inflation, as the sector does, staff
rates step up on 1 August (the pay-award date): a project year is priced at the rates in
force at its start, uplifted once for every 1 August between the pricing date and that
start that no newer rate row already covers. A year that had started on the pricing date
uses the rates in force when it started, with no uplift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..dates import pay_awards_between, year_start
from ..money import round_money, round_money_up
from ..ratebook.models import Funder

ONE = Decimal(1)


@dataclass(frozen=True)
class YearPricing:
    """Which rate versions price a project year, and how later rows are uplifted."""

    year: int
    on: date  # the date whose rows price this year
    start: date  # the year's first day
    priced_on: date
    step: Decimal = ONE  # 1 + the annual uplift, where the applicant adds inflation
    inflates: bool = field(init=False)  # whether later rows are uplifted: a step, and a year starting later

    def __post_init__(self) -> None:
        object.__setattr__(self, "inflates", self.step != 1 and self.start > self.priced_on)

    @property
    def alike(self) -> tuple[date, date | None]:
        """Years with the same key are priced with the same rows and the same uplift, so to the same figures."""
        return self.on, self.start if self.inflates else None

    def factor(self, effective: date) -> Decimal:
        """The uplift on a rate row effective on ``effective``: one step per 1 August it does not cover."""
        if not self.inflates:
            return ONE
        return self.step ** pay_awards_between(max(self.priced_on, effective), self.start)

    @property
    def typed_factor(self) -> Decimal:
        """The uplift on a cost the user typed (``uplift = true``): every 1 August up to the start."""
        return self.factor(self.priced_on)


def pricing_years(
    project_start: date, years: int, funder: Funder, uplift_percent: Decimal, priced_on: date
) -> dict[int, YearPricing]:
    """The pricing of each project year (1-based), as the module docstring describes."""
    out = {}
    applicant_inflates = funder.inflation == "applicant"
    step = 1 + uplift_percent / Decimal(100) if applicant_inflates else Decimal(1)
    for n in range(1, years + 1):
        start = year_start(project_start, n)
        if not applicant_inflates:
            out[n] = YearPricing(n, priced_on, start, priced_on)
        else:
            out[n] = YearPricing(n, start, start, priced_on, step)
    return out


@dataclass(frozen=True)
class Conversion:
    """GBP unit prices into the costing's currency, rounded to the cent (payments round up)."""

    currency: str = "GBP"
    rate: Decimal = Decimal(1)
    source: str = ""

    @property
    def converts(self) -> bool:
        return self.currency != "GBP"

    def __call__(self, gbp: Decimal, *, payment: bool = False) -> Decimal:
        if self.currency == "GBP":  # as not .converts, without its call: every line asks
            return gbp
        value = gbp * self.rate
        return round_money_up(value) if payment else round_money(value)
