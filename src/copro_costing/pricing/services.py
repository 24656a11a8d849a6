"""Pricing a service entry: the unit's time for each of its years, and the co-producer payments it includes.

A service is priced at the unit's day rates (full economic cost, price, or direct cost,
as the client and the funder decide), its charge set by the service's policy for internal
clients; a service that includes co-producers adds their payments as a line of its own,
rounded up as every co-producer payment is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..money import ZERO, plain_number, round_money
from ..ratebook.models import Role, Service
from ..tomlfile import field_path
from .lines import Context, amount_of, join_notes, session_payment, staff_costs
from .policy import WAIVED_CHARGES, Charge, decision_not_allowed, needs_decision, service_charge
from .spec import ServiceEntry
from .years import YearPricing


def price_service(i: int, entry: ServiceEntry, cx: Context) -> None:
    """A service entry's line for each of its years, and the co-producer payments it includes.

    Years priced with the same rows and the same uplift (every year, for a funder that
    wants current prices) have the same unit prices: they are worked out once.
    """
    rates: dict[tuple[date, date | None], _ServiceRates | None] = {}
    for year in entry.year_list:
        pricing = cx.years[year]
        if pricing.alike not in rates:
            rates[pricing.alike] = _service_rates(i, entry, pricing, cx)
        found = rates[pricing.alike]
        if found is None:
            return
        if found.unrecovered:
            cx.unrecovered += found.unrecovered
        cx.add(
            (year, 0, i, 0), found.service.vat, kind="service", cost_type="service", description=found.service.name,
            year=year, quantity=entry.quantity, unit=found.service.unit, unit_price=found.unit_price,
            amount=found.amount, charge=found.charge, heading=found.heading, category=found.category,
            cost=found.cost, note=found.note, ref=found.ref,
        )
        if found.coproducers is not None:
            cp = found.coproducers
            cx.add(
                (year, 0, i, 1), found.service.vat, kind="involvement", cost_type="involvement",
                description=cp.description, year=year, quantity=cp.quantity, unit=cp.unit, unit_price=cp.per_unit,
                amount=cp.amount, charge="charged", heading=cp.heading, category=cp.category, cost=cp.amount,
                note=cp.note, ref=found.ref, hours=cp.hours, hourly_rate=cp.hourly,
            )


@dataclass(slots=True)
class _CoproducerRates:
    """The co-producer payments a service includes, for the years priced alike."""

    description: str
    quantity: Decimal
    unit: str
    per_unit: Decimal
    amount: Decimal
    heading: str
    category: str
    note: str
    hours: Decimal
    hourly: Decimal


@dataclass(slots=True)
class _ServiceRates:
    """A service entry's prices for the years priced with the same rows and uplift."""

    service: Service
    unit_price: Decimal
    amount: Decimal
    cost: Decimal
    unrecovered: Decimal
    charge: Charge
    heading: str
    category: str
    note: str
    ref: str
    coproducers: _CoproducerRates | None


def _service_rates(i: int, entry: ServiceEntry, pricing: YearPricing, cx: Context) -> _ServiceRates | None:
    """The prices of ``entry`` for a year priced by ``pricing``; None (with the problem recorded) if it has none."""
    loc: tuple[str | int, ...] = ("services", i)
    spec = cx.spec
    service = cx.fetch((*loc, "service"), "services", entry.service, pricing.on)
    if service is None:
        return None
    policy = service.internal_policy
    if needs_decision(cx.client, policy, entry.decision):
        cx.problems.append(spec.problem((*loc, "decision"), (
            f"{service.id!r} is decided case by case for internal clients: add "
            'decision = "charge" or "waive", and a reason saying who decided and why'
        )))
        return None
    if decision_not_allowed(cx.client, policy, entry.decision):
        cx.problems.append(spec.problem((*loc, "decision"), (
            f"decision is only for case-by-case services; {service.id!r} is "
            f"{policy!r} for internal clients (got {entry.decision!r})"
        )))
        return None
    roles: dict[str, Role] = {}
    for role_id in service.effort:  # every role looked up, so each unknown one is reported
        role = cx.fetch((*loc, "service"), "roles", role_id, pricing.on)
        if role is not None:
            roles[role_id] = role
    if len(roles) < len(service.effort):
        return None
    basis = cx.day_rate
    if basis == "direct":
        missing = [r.id for r in roles.values() if r.direct_day_rate is None]
        if missing:
            cx.problems.append(spec.problem((*loc, "service"), (
                f"{cx.funder.name} pays direct costs only, but role {', '.join(map(repr, missing))} has no "
                "direct_day_rate in the rate tables (salary and on-costs per day): ask finance to add it"
            )))
            return None
    charge, note = service_charge(cx.client, policy, entry.decision, entry.reason)
    if cx.client == "external" and entry.decision is not None:
        where = field_path(("services", i))
        cx.warnings.append(f"{where}: decision is ignored for external clients: every service is charged")
    at_basis, at_fec = staff_costs(service, roles, basis, pricing)
    unit_price, unit_cost = cx.convert(round_money(at_basis)), cx.convert(round_money(at_fec))
    heading, category = cx.heading("service")
    if cx.unit_time == "staff" and cx.funder.heading_for is not None and cx.funder.heading_for.staff is not None:
        cx.warnings.append(
            f"unit_time = \"staff\": the unit's time is under {heading} at its full economic cost day rates, "
            "overheads included; finance splits salary from estates and indirect costs in the university's "
            "costing system before submission"
        )
    amount, cost = amount_of(entry.quantity, unit_price), amount_of(entry.quantity, unit_cost)
    unrecovered = ZERO
    if basis == "direct":
        note = join_notes(note, "at the unit's direct day rates (salary and on-costs, no overheads)")
        if charge not in WAIVED_CHARGES:
            unrecovered = cost - amount
    coproducers = None
    if service.coproducers is not None:
        coproducers = _included_coproducers(i, entry, service, pricing, cx)
        if coproducers is None:
            return None
    return _ServiceRates(
        service=service, unit_price=unit_price, amount=amount, cost=cost, unrecovered=unrecovered, charge=charge,
        heading=heading, category=category, note=join_notes(note, entry.note), ref=f"services[{i}]",
        coproducers=coproducers,
    )


def _included_coproducers(
    i: int, entry: ServiceEntry, service: Service, pricing: YearPricing, cx: Context
) -> _CoproducerRates | None:
    cp = service.coproducers
    assert cp is not None
    rate = cx.fetch(("services", i, "service"), "coproducer_rate", "standard", pricing.on)
    if rate is None:
        return None
    hourly_gbp = round_money(rate.hourly_rate * pricing.factor(rate.effective))
    hourly = cx.convert(hourly_gbp, payment=True)
    per_unit = session_payment(cp.hours_per_person, hourly)
    quantity = entry.quantity * cp.people
    heading, category = cx.heading("involvement")
    return _CoproducerRates(
        description=f"{service.name}: co-producer payments", quantity=quantity, unit=f"person-{service.unit}",
        per_unit=per_unit, amount=amount_of(quantity, per_unit), heading=heading, category=category,
        note=(
            f"{cp.people} co-producers per {service.unit}; {plain_number(cp.hours_per_person)} h each "
            f"({plain_number(cp.hours)} h + {plain_number(cp.prep_hours)} h preparation) "
            f"at {cx.money(hourly_gbp, payment=True)} per hour; co-producers are always paid"
        ),
        hours=cp.hours_per_person, hourly=hourly,
    )
