"""``estimate(spec, rates) -> Costing``: the pure pricing function.

Same spec + same rate tables → same Costing. No files, no clock (unless the spec has
no ``priced_on``, when today's date is the pricing date and is recorded in the stamp),
no formatting. Problems that need the rate tables to see (unknown ids, a missing
decision, a co-producer rate below the floor) are all collected and raised together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TypeVar

from ..dates import year_start
from ..errors import InputError, Problem
from ..money import ZERO, percent_of, plain_number, round_money
from ..ratebook.folder import load_rates
from ..ratebook.models import Funder, HeadingMap, RateBook, RateLookupError, Role, Row, Service, fingerprint
from .costing import Costing, Line, Stamp
from .policy import decision_not_allowed, needs_decision, service_charge, vat_applies
from .spec import ExpenseEntry, InvolvementEntry, ServiceEntry, Spec, year_problems

R = TypeVar("R", bound=Row)


@dataclass(frozen=True)
class YearPricing:
    """Which rate versions price a project year, and the uplift applied on top."""

    year: int
    on: date
    factor: Decimal


def pricing_years(spec: Spec, funder: Funder, uplift_percent: Decimal, priced_on: date) -> dict[int, YearPricing]:
    """Current-price funders: every year at the rates in force on ``priced_on``.

    Funders that include inflation: a year that has already started on ``priced_on`` is
    priced at the rates in force when it started; each later year is the rates in force
    on ``priced_on`` uplifted by the annual uplift, compounded. Only rows effective on or
    before ``priced_on`` are ever used, so adding newer rates never changes a costing.
    """
    years = range(1, spec.project.years + 1)
    if funder.prices == "current":
        return {n: YearPricing(n, priced_on, Decimal(1)) for n in years}
    started = [n for n in years if year_start(spec.project.start, n) <= priced_on]
    base_year = max(started, default=1)
    step = 1 + uplift_percent / Decimal(100)
    out = {}
    for n in years:
        if n in started:
            out[n] = YearPricing(n, year_start(spec.project.start, n), Decimal(1))
        else:
            out[n] = YearPricing(n, priced_on, step ** (n - base_year))
    return out


def staff_cost(service: Service, roles: Mapping[str, Role], client: str) -> Decimal:
    """Unrounded staff cost of one unit of ``service``: days by role at the client's day rates."""
    total = ZERO
    for role_id, days in service.effort.items():
        role = roles[role_id]
        total += days * (role.internal_day_rate if client == "internal" else role.external_day_rate)
    return total


def session_payment(hours: Decimal, hourly_rate: Decimal) -> Decimal:
    """What one co-producer is paid for one session (or one unit of a service).

    Rounded once, here, so every fee is exactly proportional to people and sessions,
    and the catalogue, the offer and the costing agree to the penny.
    """
    return round_money(hours * hourly_rate)


class _Pricer:
    """Looks up rates for a year, remembering every row it used."""

    def __init__(self, book: RateBook, priced_on: date) -> None:
        self.book = book
        self.priced_on = priced_on
        self.used: dict[tuple[str, str, date], tuple[str, Row]] = {}

    def get(self, table: str, lookup: Callable[[date], R], on: date) -> R:
        try:
            row = lookup(on)
        except RateLookupError:
            row = lookup(self.priced_on)  # no version yet on the year's start: today's
        self.used[(table, row.key, row.effective)] = (table, row)
        return row


def estimate(spec: Spec, rates: RateBook | None = None, *, today: date | None = None) -> Costing:
    """Price ``spec`` with ``rates`` (default: the bundled or configured rate tables).

    The pricing date is ``spec.project.priced_on``, else ``today`` (default: the current
    date). Raises InputError listing every problem found.
    """
    book = rates if rates is not None else load_rates()
    project = spec.project
    priced_on = project.priced_on or today or date.today()
    pricer = _Pricer(book, priced_on)
    problems: list[Problem] = year_problems(spec)  # also for specs built in code
    if problems:
        raise InputError(problems)

    def fetch(loc: tuple[str | int, ...], table: str, lookup: Callable[[date], R], on: date) -> R | None:
        try:
            return pricer.get(table, lookup, on)
        except RateLookupError as exc:
            known = ", ".join(book.keys(table))
            problems.append(spec.problem(loc, f"{exc}" + (f" (known: {known})" if known else "")))
            return None

    funder = fetch(("project", "funder"), "funders", lambda d: book.funder(project.funder, d), priced_on)
    fetch(("project",), "coproducer_rate", book.coproducer_rate, priced_on)
    charge_vat = vat_applies(project.client, project.vat)
    inflation = funder is not None and funder.prices == "inflation"
    # Recorded as used only when they change a figure: VAT for external clients, the
    # uplift for funders that include inflation.
    vat = fetch(("project", "client"), "vat", book.vat, priced_on) if charge_vat else None
    uplift = fetch(("project", "funder"), "uplift", book.uplift, priced_on) if inflation else None
    if funder is None:  # keep going, at current prices, to report every other problem too
        funder = _stand_in_funder(priced_on)
    elif mistakes := funder.unknown_headings():
        # The rates loader reports this with its line; a book built in code is checked
        # here, or the totals by heading would silently miss lines.
        raise InputError(Problem(book.origin or "<rates>", None, f"funders {funder.id}", m) for m in mistakes)
    if any(p.field == "project.coproducer_rate" or p.field == "project" for p in problems):
        raise InputError(problems)  # nothing can be priced without these

    vat_percent = vat.percent if vat is not None else Decimal(0)
    uplift_percent = uplift.percent if uplift is not None else Decimal(0)
    years = pricing_years(spec, funder, uplift_percent, priced_on)
    lines: list[tuple[tuple[int, int, int, int], Line]] = []
    warnings: list[str] = []

    def add(order: tuple[int, int, int, int], line: Line) -> None:
        if charge_vat:
            line = _with_vat(line, vat_percent)
        lines.append((order, line))

    for i, entry in enumerate(spec.services):
        _price_service(i, entry, spec, funder, years, fetch, add, problems, warnings, book)
    for i, inv in enumerate(spec.involvement):
        _price_involvement(i, inv, spec, funder, years, fetch, add, problems, book)
    for i, exp in enumerate(spec.expenses):
        _price_expense(i, exp, spec, funder, years, fetch, add, problems, book)
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0))

    used = tuple(sorted(pricer.used.values(), key=lambda tr: (tr[0], tr[1].key, tr[1].effective)))
    stamp_rows = {(t, r.key, r.effective): (t, r) for t, r in book.rows_in_force(priced_on)}
    stamp_rows.update(pricer.used)
    return Costing(
        spec=spec,
        funder=funder,
        lines=tuple(line for _, line in sorted(lines, key=lambda ol: ol[0])),
        stamp=Stamp(priced_on=priced_on, sha256=fingerprint(stamp_rows.values()), origin=book.origin),
        vat_percent=vat_percent,
        vat_applies=charge_vat,
        uplift_percent=uplift_percent,
        rates_used=used,
        warnings=tuple(dict.fromkeys(warnings)),
        coproducer_floors=coproducer_floors(used, years, priced_on),
    )


def coproducer_floors(
    used: Iterable[tuple[str, Row]], years: Mapping[int, YearPricing], priced_on: date
) -> dict[int, Decimal]:
    """By project year, the co-producer rate in force for its lines: no hourly rate may go below it.

    The rate the engine looked up for the year (in force when a started year began,
    else on the pricing date; the pricing date's when none was in force yet). Uplifted
    later years are floored at the rate itself: their uplifted hourly rates are above it.
    """
    rows = sorted((row for table, row in used if table == "coproducer_rate"), key=lambda row: row.effective)

    def in_force(on: date) -> Decimal | None:
        rates = [row.hourly_rate for row in rows if row.effective <= on]  # type: ignore[attr-defined]
        return rates[-1] if rates else None

    floors = {}
    for year, pricing in years.items():
        floor = in_force(pricing.on)
        if floor is None:
            floor = in_force(priced_on)
        if floor is not None:
            floors[year] = floor
    return floors


_STAND_IN = "unknown-funder"


def _stand_in_funder(on: date) -> Funder:
    """A neutral funder used only to keep checking a spec whose funder is unknown."""
    heading = "(unknown funder)"
    return Funder(
        id=_STAND_IN, name=heading, effective=on, source="stand-in", prices="current",
        pays_percent=Decimal(100), indirect_percent=Decimal(0), headings=(heading,),
        heading_for=HeadingMap(service=heading, involvement=heading, involvement_expenses=heading, expense=heading),
    )


def _with_vat(line: Line, percent: Decimal) -> Line:
    return replace(line, vat=percent_of(line.charged, percent))


def _amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return round_money(quantity * unit_price)



def _price_service(i, entry: ServiceEntry, spec, funder, years, fetch, add, problems, warnings, book) -> None:
    client = spec.project.client
    loc = ("services", i)
    for year in entry.year_list:
        pricing = years[year]
        service = fetch((*loc, "service"), "services", lambda d: book.service(entry.service, d), pricing.on)
        if service is None:
            return
        if needs_decision(client, service.internal_policy, entry.decision):
            problems.append(spec.problem(loc, (
                f"{service.id!r} is decided case by case for internal clients: add "
                'decision = "charge" or "waive", and a reason saying who decided and why'
            )))
            return
        if decision_not_allowed(client, service.internal_policy, entry.decision):
            problems.append(spec.problem((*loc, "decision"), (
                f"decision is only for case-by-case services; {service.id!r} is "
                f"{service.internal_policy!r} for internal clients (got {entry.decision!r})"
            )))
            return
        roles = {
            role_id: fetch((*loc, "service"), "roles", lambda d, r=role_id: book.role(r, d), pricing.on)
            for role_id in service.effort
        }
        if None in roles.values():
            return
        day_cost = staff_cost(service, roles, client)  # type: ignore[arg-type]
        charge, note = service_charge(client, service.internal_policy, entry.decision, entry.reason)
        if client == "external" and entry.decision is not None:
            warnings.append(f"services[{i}]: decision is ignored for external clients: every service is charged")
        unit_price = round_money(day_cost * pricing.factor)
        add((year, 0, i, 0), Line(
            kind="service", category="service", description=service.name, year=year,
            quantity=entry.quantity, unit=service.unit, unit_price=unit_price,
            amount=_amount(entry.quantity, unit_price), charge=charge,
            heading=funder.heading_for.service, note=_join(note, entry.note), ref=f"services[{i}]",
        ))
        if service.coproducers is not None:
            cp = service.coproducers
            rate = fetch((*loc, "service"), "coproducer_rate", book.coproducer_rate, pricing.on)
            if rate is None:
                return
            hourly = round_money(rate.hourly_rate * pricing.factor)
            per_unit = session_payment(cp.hours_per_person, hourly)
            quantity = entry.quantity * cp.people
            add((year, 0, i, 1), Line(
                kind="involvement", category="involvement",
                description=f"{service.name}: co-producer payments", year=year,
                quantity=quantity, unit=f"person-{service.unit}", unit_price=per_unit,
                amount=_amount(quantity, per_unit), charge="charged", heading=funder.heading_for.involvement,
                note=(
                    f"{cp.people} co-producers per {service.unit}; {plain_number(cp.hours_per_person)} h each "
                    f"({plain_number(cp.hours)} h + {plain_number(cp.prep_hours)} h preparation) "
                    f"at {hourly} per hour; co-producers are always paid"
                ),
                ref=f"services[{i}]", hours=cp.hours_per_person, hourly_rate=hourly,
            ))


def _price_involvement(i, inv: InvolvementEntry, spec, funder, years, fetch, add, problems, book) -> None:
    loc = ("involvement", i)
    for year in inv.year_list:
        pricing = years[year]
        floor = fetch(loc, "coproducer_rate", book.coproducer_rate, pricing.on)
        if floor is None:
            return
        base_rate = floor.hourly_rate
        if inv.rate is not None:
            if inv.rate < floor.hourly_rate:
                problems.append(spec.problem((*loc, "rate"), (
                    f"co-producers are always paid at least the co-producer rate in force "
                    f"({floor.hourly_rate} per hour from {floor.effective.isoformat()}) "
                    f"in {inv.activity!r} (got {inv.rate})"
                )))
                return
            base_rate = inv.rate
        # Priced per person per session (hours x hourly rate, rounded once), so the
        # fee is exactly proportional to people and sessions.
        hourly = round_money(base_rate * pricing.factor)
        hours = inv.hours + inv.prep_hours
        per_session = session_payment(hours, hourly)
        quantity = Decimal(inv.people * inv.sessions)
        add((year, 1, i, 0), Line(
            kind="involvement", category="involvement", description=inv.activity, year=year,
            quantity=quantity, unit="person-session", unit_price=per_session,
            amount=_amount(quantity, per_session), charge="charged", heading=funder.heading_for.involvement,
            note=_join(
                f"{inv.people} people x {inv.sessions} sessions; {plain_number(hours)} h each "
                f"({plain_number(inv.hours)} h + {plain_number(inv.prep_hours)} h preparation) "
                f"at {hourly} per hour",
                inv.note,
            ),
            ref=f"involvement[{i}]", hours=hours, hourly_rate=hourly,
        ))
        if inv.expenses is None:
            default = fetch(loc, "expense_defaults", lambda d: book.expense_default("coproducer-expenses", d), pricing.on)
            if default is None:
                return
            per_session, source_note = default.amount, "default expenses from the rate tables"
        else:
            per_session, source_note = inv.expenses, ""
        if per_session > 0:
            unit_price = round_money(per_session * pricing.factor)
            sessions = Decimal(inv.people * inv.sessions)
            add((year, 1, i, 1), Line(
                kind="involvement", category="involvement_expenses",
                description=f"{inv.activity}: expenses", year=year, quantity=sessions,
                unit="person-session", unit_price=unit_price, amount=_amount(sessions, unit_price),
                charge="charged", heading=funder.heading_for.involvement_expenses,
                note=_join("travel, care and access costs reimbursed on top of payment", source_note),
                ref=f"involvement[{i}]",
            ))


def _price_expense(i, exp: ExpenseEntry, spec, funder, years, fetch, add, problems, book) -> None:
    loc = ("expenses", i)
    heading = exp.heading or funder.heading_for.expense
    if heading not in funder.headings and funder.id != _STAND_IN:
        problems.append(spec.problem((*loc, "heading"), (
            f"{heading!r} is not a heading of {funder.name} (headings: {', '.join(funder.headings)})"
        )))
        return
    for year in exp.year_list:
        pricing = years[year]
        unit = "item"
        cost = exp.cost
        if exp.default is not None:
            default = fetch((*loc, "default"), "expense_defaults", lambda d: book.expense_default(exp.default, d), pricing.on)
            if default is None:
                return
            cost, unit = default.amount, default.unit
        assert cost is not None
        unit_price = round_money(cost * pricing.factor)
        add((year, 2, i, 0), Line(
            kind="expense", category="expense", description=exp.item, year=year,
            quantity=exp.quantity, unit=unit, unit_price=unit_price,
            amount=_amount(exp.quantity, unit_price), charge="charged", heading=heading,
            note=exp.note, ref=f"expenses[{i}]",
        ))


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)

