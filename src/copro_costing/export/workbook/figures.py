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
        for group in (years.setdefault(line.year, Sums()), by_heading.setdefault(line.heading, Sums())):
            group.value += line.amount
            group.waived += line.waived
            group.vat += line.vat
            group.price += line.price
        sums = by_heading[line.heading]
        sums.by_year[line.year] = sums.by_year.get(line.year, ZERO) + line.price
    return years, by_heading
