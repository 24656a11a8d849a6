"""One costing as the portfolio sees it: its status and its own figures, nothing recomputed.

A :class:`Record` is built from a priced Costing and keeps only what the report adds up
(the totals, what was given free, the co-producer payments, each service, and each of
those spread over financial years), so a report on thousands of files holds thousands
of small records, never thousands of Costings.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from ..money import ZERO
from ..pricing.costing import Costing, Line
from ..pricing.policy import WAIVED_CHARGES
from ..pricing.status import DECIDED, DRAFT, PIPELINE, WON
from .years import project_end, project_financial_years, spread_each

COPRODUCER_CATEGORIES = frozenset({"involvement", "involvement_expenses"})
"""Lines whose money goes to co-producers: their fees and their reimbursed expenses."""


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    """One catalogue service in one costing, all its years together."""

    service: str
    name: str
    value: Decimal
    given_free: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class YearFigures:
    """A costing's figures falling in one financial year (spread pro rata by days)."""

    fy: int
    price: Decimal
    given_free: Decimal
    coproducer: Decimal


@dataclass(frozen=True, slots=True)
class Record:
    """A costing file's status and figures, exactly as its own ``quote`` output gives them."""

    file: str
    title: str
    reference: str
    client: str
    organisation: str
    funder: str
    funder_name: str
    stage: str
    submitted: date | None
    decided: date | None
    department: str
    faculty: str
    contact: str
    start: date
    months: int
    priced_on: date
    currency: str
    illustrative: bool
    value: Decimal
    given_free: Decimal
    vat: Decimal
    price: Decimal
    funder_contribution: Decimal
    requested: Decimal
    coproducer_fees: Decimal
    coproducer_expenses: Decimal
    person_sessions: Decimal
    services: tuple[ServiceFigures, ...]
    years: tuple[YearFigures, ...]

    @property
    def end(self) -> date:
        """The day after the project's last day."""
        return project_end(self.start, self.months)

    @property
    def coproducer(self) -> Decimal:
        """Money to co-producers: their fees and their expenses (never VAT)."""
        return self.coproducer_fees + self.coproducer_expenses

    @property
    def won(self) -> bool:
        return self.stage in WON

    @property
    def decided_stage(self) -> bool:
        return self.stage in DECIDED

    @property
    def pipeline(self) -> bool:
        return self.stage in PIPELINE

    @property
    def internal(self) -> bool:
        return self.client == "internal"

    def packed(self) -> tuple[Any, ...]:
        """The record as plain values, amounts as their text: what a worker process sends back.

        Pickling a Decimal costs ten times writing its text, and a record has dozens of
        them; :meth:`unpacked` gives back an equal record (the text of a Decimal is exact).
        """
        values: list[Any] = [getattr(self, name) for name in _FIELDS]
        for i in _AMOUNTS:
            values[i] = str(values[i])
        values[_SERVICES] = tuple((s.service, s.name, str(s.value), str(s.given_free), str(s.price))
                                  for s in self.services)
        values[_YEARS] = tuple((y.fy, str(y.price), str(y.given_free), str(y.coproducer)) for y in self.years)
        return tuple(values)

    @classmethod
    def unpacked(cls, values: tuple[Any, ...]) -> Record:
        """The record :meth:`packed` gave these values for."""
        out = list(values)
        for i in _AMOUNTS:
            out[i] = Decimal(out[i])
        out[_SERVICES] = tuple(ServiceFigures(sid, name, Decimal(value), Decimal(free), Decimal(price))
                               for sid, name, value, free, price in out[_SERVICES])
        out[_YEARS] = tuple(YearFigures(fy, Decimal(price), Decimal(free), Decimal(coproducer))
                            for fy, price, free, coproducer in out[_YEARS])
        return cls(*out)


_FIELDS = tuple(f.name for f in fields(Record))
_AMOUNTS = tuple(i for i, f in enumerate(fields(Record)) if f.type == "Decimal")
_SERVICES, _YEARS = _FIELDS.index("services"), _FIELDS.index("years")


def record_of(costing: Costing, file: str) -> Record:
    """The portfolio's view of one priced costing."""
    spec = costing.spec
    project = spec.project
    status = spec.status or DRAFT
    lines = costing.lines
    totals = costing.totals
    services: dict[str, list[Line]] = {}
    service_of = {f"services[{i}]": entry.service for i, entry in enumerate(spec.services)}  # by a line's ref
    per_year: dict[int, list[Decimal]] = {}  # given free, co-producer money, by project year
    free = coproducer_fees = coproducer_expenses = requested = ZERO
    person_sessions = Decimal(0)
    for line in lines:  # one pass over the lines
        year, amount, cost_type, charge = line.year, line.amount, line.cost_type, line.charge
        sums = per_year.get(year)
        if sums is None:
            sums = per_year[year] = [ZERO, ZERO]
        # Given free: free and waived work, exactly each costing's totals.waived. A contribution
        # requested "if there is budget" is in the price, so it is not counted as given.
        if charge in WAIVED_CHARGES:
            free += amount
            sums[0] += amount
        elif charge == "requested":
            requested += amount
        if cost_type in COPRODUCER_CATEGORIES:
            sums[1] += amount
            if cost_type == "involvement":
                coproducer_fees += amount
                person_sessions += line.quantity
            else:
                coproducer_expenses += amount
        if cost_type == "service":  # a service's own line, its ref "services[N]"
            service = service_of[line.ref]
            group = services.get(service)
            if group is None:
                services[service] = [line]
            else:
                group.append(line)
    by_year: dict[int, list[Decimal]] = {}
    by_project_year = totals.by_year
    for n, days in project_financial_years(project.start, project.months):
        gift, coproducer = per_year.get(n, (ZERO, ZERO))
        for fy, parts in spread_each((by_project_year.get(n, ZERO), gift, coproducer), days):
            sums = by_year.get(fy)
            if sums is None:
                by_year[fy] = list(parts)
            else:
                for i, part in enumerate(parts):
                    sums[i] += part
    return Record(
        file=file,
        title=project.title,
        reference=project.reference,
        client=project.client,
        organisation=project.organisation,
        funder=costing.funder.id,
        funder_name=costing.funder.name,
        stage=status.stage,
        submitted=status.submitted,
        decided=status.decided,
        department=status.department,
        faculty=status.faculty,
        contact=status.contact,
        start=project.start,
        months=project.months,
        priced_on=costing.stamp.priced_on,
        currency=costing.currency,
        illustrative=costing.illustrative,
        value=totals.value,
        given_free=free,
        vat=totals.vat,
        price=totals.price,
        funder_contribution=totals.funder_contribution,
        requested=requested,
        coproducer_fees=coproducer_fees,
        coproducer_expenses=coproducer_expenses,
        person_sessions=person_sessions,
        services=tuple(_service_figures(sid, group) for sid, group in services.items()),
        years=tuple(YearFigures(fy, *sums) for fy, sums in sorted(by_year.items())),
    )


def _service_figures(service: str, lines: list[Line]) -> ServiceFigures:
    """One service's lines in one costing, all years together."""
    value = free = price = ZERO
    for line in lines:
        amount = line.amount
        value += amount
        if line.charge in WAIVED_CHARGES:  # given free: in the value, not the price
            free += amount
        else:
            price += amount
        price += line.vat  # (none on a line given free)
    return ServiceFigures(service=service, name=lines[0].description, value=value, given_free=free, price=price)
