"""The engine's figures grouped as the workbook's tables show them: the cached results of
their formulas. Sums of the Costing's rounded lines, as its own totals are; nothing is priced here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ...money import ZERO
from ...pricing.costing import Costing


@dataclass
class Sums:
    """Value, waived, VAT and price of a group of lines, and the price by project year."""

    value: Decimal = ZERO
    waived: Decimal = ZERO
    vat: Decimal = ZERO
    price: Decimal = ZERO
    by_year: dict[int, Decimal] = field(default_factory=dict)

    def columns(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return self.value, self.waived, self.vat, self.price


def group_sums(costing: Costing, headings: list[str]) -> tuple[dict[int, Sums], dict[str, Sums]]:
    """The lines summed by project year and by funder heading (every heading listed, in order)."""
    years = {year: Sums() for year in range(1, costing.years + 1)}
    by_heading = {heading: Sums() for heading in headings}
    for line in costing.lines:
        amount, waived, vat = line.amount, line.waived, line.vat
        price = amount - waived + vat  # Line.price, worked out once for both groups
        year = years.get(line.year) or years.setdefault(line.year, Sums())
        heading = by_heading.get(line.heading) or by_heading.setdefault(line.heading, Sums())
        for group in (year, heading):
            group.value += amount
            group.waived += waived
            group.vat += vat
            group.price += price
        heading.by_year[line.year] = heading.by_year.get(line.year, ZERO) + price
    return years, by_heading
