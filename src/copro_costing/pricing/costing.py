"""The result of a costing: priced lines, totals in every view, and the rates stamp.

A Costing holds only rounded line amounts; every total is a sum of them, so the
totals by year, by funder heading and overall reconcile to the penny by construction.
Exporters render a Costing and never recompute a price.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from ..jsontext import dumps_plain
from ..money import CURRENCY, ZERO, money_str, plain_number
from ..ratebook.models import Applicant, CostType, Funder, FunderShare, Row, UnitTime, row_record
from .policy import WAIVED_CHARGES, Charge, funder_contribution
from .spec import Spec

Kind = Literal["service", "involvement", "expense"]
VAT_TREATMENTS = ("standard", "exempt", "outside-scope", "none")


_set = object.__setattr__


@dataclass(frozen=True, init=False)
class Line:
    """One priced line: quantity × unit price, rounded to the penny. Read-only, like the whole Costing.

    The constructor is written out rather than generated: a costing builds a line for every
    entry and year, and the generated one for a frozen class sets each of the 19 fields
    with its own call, which made building a line cost twice what pricing it did. A test
    checks it takes exactly the fields, with their defaults.
    """

    kind: Kind
    cost_type: CostType
    description: str
    year: int
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    charge: Charge
    heading: str
    category: str = ""  # the heading's cost category (directly-incurred, ...); "" for a direct commission
    cost: Decimal = ZERO  # cost to the university: the unit's time at full economic cost, payments as paid
    vat: Decimal = ZERO
    vat_treatment: str = "none"  # standard, exempt, outside-scope or none (internal)
    vat_percent: Decimal = ZERO  # the VAT rate applied (in force for the line's year; 0 unless standard)
    note: str = ""
    ref: str = ""  # the spec entry it came from, e.g. "services[0]"
    hours: Decimal | None = None  # co-producer payments: paid hours in one unit
    hourly_rate: Decimal | None = None  # co-producer payments: the hourly rate paid

    def __init__(
        self, kind: Kind, cost_type: CostType, description: str, year: int, quantity: Decimal, unit: str,
        unit_price: Decimal, amount: Decimal, charge: Charge, heading: str, category: str = "", cost: Decimal = ZERO,
        vat: Decimal = ZERO, vat_treatment: str = "none", vat_percent: Decimal = ZERO, note: str = "", ref: str = "",
        hours: Decimal | None = None, hourly_rate: Decimal | None = None,
    ) -> None:
        _set(self, "__dict__", {
            "kind": kind, "cost_type": cost_type, "description": description, "year": year, "quantity": quantity,
            "unit": unit, "unit_price": unit_price, "amount": amount, "charge": charge, "heading": heading,
            "category": category, "cost": cost, "vat": vat, "vat_treatment": vat_treatment,
            "vat_percent": vat_percent, "note": note, "ref": ref, "hours": hours, "hourly_rate": hourly_rate,
        })

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

    @property
    def requested(self) -> Decimal:
        """The part asked for only "if there is budget" (internal requested contributions)."""
        return self.charged if self.charge == "requested" else ZERO

    @property
    def surplus(self) -> Decimal:
        """What the unit is paid (VAT aside) minus what the line costs it; negative is a deficit."""
        return self.charged - self.cost

    def as_json(self) -> dict[str, Any]:
        amount, charge, cost = self.amount, self.charge, self.cost
        charged = amount - amount if charge in WAIVED_CHARGES else amount  # as .charged, without its two calls
        return {
            "kind": self.kind,
            "description": self.description,
            "year": self.year,
            "quantity": plain_number(self.quantity),
            "unit": self.unit,
            "unit_price": money_str(self.unit_price),
            "amount": money_str(amount),
            "charge": charge,
            "heading": self.heading,
            "category": self.category or None,
            "cost": money_str(cost),
            "surplus": money_str(charged - cost),
            "vat": money_str(self.vat),
            "vat_treatment": self.vat_treatment,
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
    cost: Decimal = ZERO
    requested: Decimal = ZERO
    indirect: Decimal = ZERO  # a flat indirect rate the funder adds on its base (Horizon Europe)
    vat_by_treatment: dict[str, Decimal] = field(default_factory=dict)

    @property
    def surplus(self) -> Decimal:
        """What the unit is paid (VAT aside) minus its cost; negative is a deficit (free work shows here)."""
        return self.price - self.vat - self.cost

    @property
    def must_pay(self) -> Decimal:
        """The price less the contributions requested only if there is budget."""
        return self.price - self.requested

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
            "cost": money_str(self.cost),
            "surplus": money_str(self.surplus),
            "requested": money_str(self.requested),
            "indirect": money_str(self.indirect),
            "vat_by_treatment": {k: money_str(v) for k, v in self.vat_by_treatment.items()},
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
    applicant: Applicant = "university"
    unit_time: UnitTime = "charge-out"
    share: FunderShare | None = None  # what the funder pays of each cost category (None: no funder)
    recovers_vat: bool = False  # the applicant recovers the VAT it pays (read for funders paying only irrecoverable VAT)
    exchange_rate: Decimal | None = None  # units of the currency per GBP 1, when not GBP
    exchange_rate_source: str = ""
    #: By project year, the co-producer hourly rate in force: the floor no payment goes below.
    coproducer_floors: dict[int, Decimal] = field(default_factory=dict)
    #: Rules the calculator assumed because the rate tables do not give them (an old rates
    #: folder): each has no source, so the costing is illustrative.
    assumed: tuple[str, ...] = ()

    @property
    def years(self) -> int:
        return self.spec.project.years

    @property
    def illustrative(self) -> bool:
        """True when any rate this costing used is an illustrative placeholder, or a rule was assumed."""
        return bool(self.assumed) or any(row.illustrative for _, row in self.rates_used)

    @cached_property
    def totals(self) -> Totals:
        """Every total, each a sum of rounded lines (added up in one pass over the lines)."""
        value = waived = vat = cost = requested = ZERO
        by_year = {year: ZERO for year in range(1, self.years + 1)}
        by_heading = {heading: ZERO for heading in self.funder.heading_names}
        vat_by_heading = dict(by_heading)  # what the funder's rules need: each heading's VAT apart
        by_treatment: dict[str, Decimal] = {}
        for line in self.lines:
            amount, line_vat, charge = line.amount, line.vat, line.charge
            price = line_vat if charge in WAIVED_CHARGES else amount + line_vat
            value += amount
            vat += line_vat
            cost += line.cost
            if charge in WAIVED_CHARGES:
                waived += amount
            elif charge == "requested":
                requested += amount
            if line.year in by_year:
                by_year[line.year] += price
            heading = line.heading
            if heading in by_heading:
                by_heading[heading] += price
                vat_by_heading[heading] += line_vat
            treatment = line.vat_treatment
            by_treatment[treatment] = by_treatment.get(treatment, ZERO) + line_vat
        contribution, indirect = funder_contribution(by_heading, vat_by_heading, self.funder, self.share,
                                                     recovers_vat=self.recovers_vat)
        return Totals(
            value=value,
            waived=waived,
            vat=vat,
            price=value - waived + vat,
            by_year=by_year,
            by_heading=by_heading,
            funder_contribution=contribution,
            cost=cost,
            requested=requested,
            indirect=indirect,
            vat_by_treatment={t: by_treatment[t] for t in VAT_TREATMENTS if t in by_treatment},
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
                "applicant": self.applicant,
                "vat_position": project.vat_position_in_force,
                "currency": self.currency,
                "unit_time": self.unit_time,
                "start": project.start.isoformat(),
                "months": project.months,
                "years": self.years,
            },
            "rates": {
                "priced_on": self.stamp.priced_on.isoformat(),
                "sha256": self.stamp.sha256,
                "illustrative": self.illustrative,
                **({"exchange_rate": plain_number(self.exchange_rate),
                    "exchange_rate_source": self.exchange_rate_source} if self.exchange_rate is not None else {}),
            },
            "lines": [line.as_json() for line in self.lines],
            "totals": self.totals.as_json(),
            "warnings": list(self.warnings),
        }

    def to_json(self, path: Path | str | None = None) -> str:
        """The JSON text (as printed by ``copro-costing quote --format json``); write it if given a path."""
        text = dumps_plain(self.as_json()) + "\n"
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
        """Write the costing workbook (live formulas) atomically; returns the path (named ``.xlsx``, or with no extension)."""
        from ..export.xlsx import write_workbook

        if Path(path).suffix.lower() not in ("", ".xlsx"):  # another format's name: not a workbook named .csv
            raise ValueError(f"{path}: a costing workbook is written as .xlsx (got {Path(path).suffix})")
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
