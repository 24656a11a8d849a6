"""The result of a costing: priced lines, totals in every view, and the rates stamp.

A Costing holds only rounded line amounts; every total is a sum of them, so the
totals by year, by funder heading and overall reconcile to the penny by construction.
Exporters render a Costing and never recompute a price.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from ..money import CURRENCY, ZERO, money_str, plain_number
from ..ratebook.models import Funder, LineCategory, Row, row_record
from .policy import WAIVED_CHARGES, Charge, funder_contribution
from .spec import Spec

Kind = Literal["service", "involvement", "expense"]


@dataclass(frozen=True)
class Line:
    """One priced line: quantity × unit price, rounded to the penny."""

    kind: Kind
    category: LineCategory
    description: str
    year: int
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    charge: Charge
    heading: str
    vat: Decimal = ZERO
    note: str = ""
    ref: str = ""  # the spec entry it came from, e.g. "services[0]"
    hours: Decimal | None = None  # co-producer payments: paid hours in one unit
    hourly_rate: Decimal | None = None  # co-producer payments: the hourly rate paid

    @property
    def waived(self) -> Decimal:
        """The part given free (the whole amount for free and waived lines)."""
        return self.amount if self.charge in WAIVED_CHARGES else ZERO

    @property
    def charged(self) -> Decimal:
        return self.amount - self.waived

    @property
    def price(self) -> Decimal:
        """What this line adds to the bid: charged amount plus VAT."""
        return self.charged + self.vat

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "description": self.description,
            "year": self.year,
            "quantity": plain_number(self.quantity),
            "unit": self.unit,
            "unit_price": money_str(self.unit_price),
            "amount": money_str(self.amount),
            "charge": self.charge,
            "heading": self.heading,
            "vat": money_str(self.vat),
            "note": self.note,
        }



@dataclass(frozen=True)
class Stamp:
    """Which rates a costing used: the pricing date and a hash of the rows in force."""

    priced_on: date
    sha256: str
    origin: str = ""


@dataclass(frozen=True)
class Totals:
    value: Decimal
    waived: Decimal
    vat: Decimal
    price: Decimal
    by_year: dict[int, Decimal]
    by_heading: dict[str, Decimal]
    funder_contribution: Decimal

    @property
    def remainder(self) -> Decimal:
        """The part of the price the funder does not pay (negative when it adds indirect costs)."""
        return self.price - self.funder_contribution

    def as_json(self) -> dict[str, Any]:
        return {
            "value": money_str(self.value),
            "waived": money_str(self.waived),
            "vat": money_str(self.vat),
            "price": money_str(self.price),
            "by_year": {str(y): money_str(v) for y, v in self.by_year.items()},
            "by_heading": {h: money_str(v) for h, v in self.by_heading.items()},
            "funder_contribution": money_str(self.funder_contribution),
        }


def sum_money(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


@dataclass(frozen=True, repr=False)
class Costing:
    """A priced costing. Build one with :func:`copro_costing.estimate`."""

    spec: Spec
    funder: Funder
    lines: tuple[Line, ...]
    stamp: Stamp
    vat_percent: Decimal
    vat_applies: bool
    uplift_percent: Decimal
    rates_used: tuple[tuple[str, Row], ...] = ()
    warnings: tuple[str, ...] = field(default=())
    currency: str = CURRENCY
    #: By project year, the co-producer hourly rate in force: the floor no payment goes below.
    coproducer_floors: dict[int, Decimal] = field(default_factory=dict)

    @property
    def years(self) -> int:
        return self.spec.project.years

    @property
    def illustrative(self) -> bool:
        """True when any rate this costing used is an illustrative placeholder."""
        return any(row.illustrative for _, row in self.rates_used)

    @cached_property
    def totals(self) -> Totals:
        """Every total, each a sum of rounded lines."""
        value = sum_money(line.amount for line in self.lines)
        waived = sum_money(line.waived for line in self.lines)
        vat = sum_money(line.vat for line in self.lines)
        price = value - waived + vat
        by_year = {
            year: sum_money(line.price for line in self.lines if line.year == year)
            for year in range(1, self.years + 1)
        }
        by_heading = {
            heading: sum_money(line.price for line in self.lines if line.heading == heading)
            for heading in self.funder.headings
        }
        return Totals(
            value=value,
            waived=waived,
            vat=vat,
            price=price,
            by_year=by_year,
            by_heading=by_heading,
            funder_contribution=funder_contribution(price, self.funder),
        )

    def as_json(self) -> dict[str, Any]:
        """The costing as JSON-ready data; money is always a string with two decimals."""
        project = self.spec.project
        return {
            "currency": self.currency,
            "project": {
                "title": project.title,
                "client": project.client,
                "organisation": project.organisation,
                "funder": self.funder.id,
                "funder_name": self.funder.name,
                "start": project.start.isoformat(),
                "months": project.months,
                "years": self.years,
            },
            "rates": {
                "priced_on": self.stamp.priced_on.isoformat(),
                "sha256": self.stamp.sha256,
                "illustrative": self.illustrative,
            },
            "lines": [line.as_json() for line in self.lines],
            "totals": self.totals.as_json(),
            "warnings": list(self.warnings),
        }

    def to_json(self, path: Path | str | None = None) -> str:
        """The JSON text (as printed by ``copro-costing quote --format json``); write it if given a path."""
        text = json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n"
        if path is not None:
            from ..atomic import write_text_atomic

            write_text_atomic(Path(path), text)
        return text

    def rate_records(self) -> list[dict[str, object]]:
        """Every rate row the costing used, as plain data (for the Rates sheet and audits)."""
        return [row_record(table, row) for table, row in self.rates_used]

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        p = self.spec.project
        return (
            f"<Costing {p.title!r}: {p.client} client, {self.funder.id}, {len(self.lines)} lines, "
            f"price {money_str(self.totals.price)} {self.currency}, priced on {self.stamp.priced_on.isoformat()}>"
        )

    # Renderings. Exporters live in copro_costing.export and never recompute a price.

    def to_text(self, locale: str = "en_GB") -> str:
        """A plain-text table for a terminal."""
        from ..export.text import to_text

        return to_text(self, locale=locale)

    def to_markdown(self, locale: str = "en_GB") -> str:
        """A Markdown summary a researcher can paste into an email or document."""
        from ..export.text import to_markdown

        return to_markdown(self, locale=locale)

    def justification(self, locale: str = "en_GB") -> str:
        """A "justification of resources" text, ready to paste into an application."""
        from ..export.text import justification

        return justification(self, locale=locale)

    def to_csv(self, path: Path | str | None = None) -> str:
        """One row per line, injection-safe; written atomically when given a path."""
        from ..export.csv import to_csv

        text = to_csv(self)
        if path is not None:
            from ..atomic import write_text_atomic

            write_text_atomic(Path(path), text)
        return text

    def to_excel(self, path: Path | str, locale: str = "en_GB") -> Path:
        """Write the costing workbook (live formulas) atomically; returns the path."""
        from ..export.xlsx import write_workbook

        return write_workbook(self, Path(path), locale=locale)

    # Jupyter. pandas and matplotlib come with the optional "notebook" extra.

    def _repr_html_(self) -> str:
        from ..notebook import costing_html

        return costing_html(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def to_dataframe(self) -> Any:
        """One row per line as a pandas DataFrame (money as exact Decimals)."""
        from ..notebook import costing_dataframe

        return costing_dataframe(self)

    def plot(self, ax: Any = None) -> Any:
        """Stacked bars of price by project year and kind of line (matplotlib Axes)."""
        from ..notebook import plot_costing

        return plot_costing(self, ax)
