"""Pricing each entry of a spec into lines: services, co-producer involvement, other expenses.

Every line is quantity × a unit price rounded once (to the penny, or the cent after
conversion), so totals are sums of rounded lines. Each line also carries its cost to the
university (the unit's time at full economic cost; payments and expenses as they are),
its funder heading and that heading's cost category.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol, overload

from ..errors import Problem
from ..money import ZERO, format_money, percent_of, plain_number, round_money, round_payment, too_large
from ..ratebook.models import (
    CoproducerRate,
    CostType,
    ExchangeRateRow,
    ExpenseDefault,
    Funder,
    FunderShare,
    RateBook,
    Role,
    Service,
    UnitTime,
    Uplift,
    Vat,
    VatRecovery,
)
from .costing import Kind, Line
from .policy import WAIVED_CHARGES, Charge
from .project import Client
from .spec import ExpenseEntry, InvolvementEntry, Spec
from .years import ONE, Conversion, YearPricing

NO_RATE = Decimal(0)
"""The VAT rate of a line that carries none."""
DayRate = Literal["internal", "external", "direct"]
ROLE_RATE: dict[str, str] = {
    "internal": "internal_day_rate", "external": "external_day_rate", "direct": "direct_day_rate",
}
"""Which of a role's day rates each basis uses: full economic cost, price, direct cost."""


def staff_costs(
    service: Service, roles: Mapping[str, Role], basis: str, pricing: YearPricing | None = None
) -> tuple[Decimal, Decimal]:
    """Unrounded staff cost of one unit of ``service`` at ``basis``'s day rates, and at full economic cost."""
    total = fec = ZERO
    rate_name = ROLE_RATE[basis]
    for role_id, days in service.effort.items():
        role = roles[role_id]
        factor = pricing.factor(role.effective) if pricing is not None else ONE
        total += days * getattr(role, rate_name) * factor
        fec += days * role.internal_day_rate * factor
    return total, fec


def session_payment(hours: Decimal, hourly_rate: Decimal) -> Decimal:
    """What one co-producer is paid for one session (or one unit of a service).

    Rounded once, here, and UP to the penny (:func:`round_payment`), so nobody is paid a
    fraction of a penny below the rate; every fee is exactly proportional to people and
    sessions, and the catalogue, the offer and the costing agree to the penny.
    """
    return round_payment(hours * hourly_rate)


Where = tuple[str | int, ...]
"""Where in the costing file a looked-up value was written, e.g. ``("services", 0, "service")``."""


class Fetch(Protocol):
    """Looks up the row of a rate table for a key, pricing on a date: None (and a problem
    recorded at ``loc``) if there is none. Typed by table: ``fetch(loc, "roles", ...)`` is a Role."""

    @overload
    def __call__(self, loc: Where, table: Literal["roles"], key: str, on: date) -> Role | None: ...
    @overload
    def __call__(self, loc: Where, table: Literal["coproducer_rate"], key: str, on: date) -> CoproducerRate | None: ...
    @overload
    def __call__(self, loc: Where, table: Literal["expense_defaults"], key: str, on: date) -> ExpenseDefault | None: ...
    @overload
    def __call__(self, loc: Where, table: Literal["vat"], key: str, on: date) -> Vat | None: ...
    @overload
    def __call__(self, loc: Where, table: Literal["uplift"], key: str, on: date) -> Uplift | None: ...
    @overload
    def __call__(self, loc: Where, table: Literal["funders"], key: str, on: date) -> Funder | None: ...
    @overload
    def __call__(self, loc: Where, table: Literal["funder_shares"], key: str, on: date) -> FunderShare | None: ...
    @overload
    def __call__(self, loc: Where, table: Literal["exchange_rates"], key: str, on: date) -> ExchangeRateRow | None: ...
    @overload
    def __call__(self, loc: Where, table: Literal["services"], key: str, on: date) -> Service | None: ...
    @overload
    def __call__(self, loc: Where, table: Literal["vat_recovery"], key: str, on: date) -> VatRecovery | None: ...


@dataclass
class Context:
    """What every line pricer needs: the spec, the tables and the funder's rules for this costing."""

    spec: Spec
    book: RateBook
    funder: Funder
    years: Mapping[int, YearPricing]
    convert: Conversion
    unit_time: UnitTime
    fetch: Fetch
    problems: list[Problem]
    warnings: list[str] = field(default_factory=list)
    lines: list[tuple[tuple[int, int, int, int], Line]] = field(default_factory=list)
    unrecovered: Decimal = ZERO  # overheads of the unit's time a direct-costs-only funder does not pay
    vat_rate: Callable[[int], Decimal] = lambda year: Decimal(0)  # percent in force for a project year
    too_large: bool = False  # a line of the entry being priced is too large to be a real costing's
    _headings: dict[str, tuple[str, str]] = field(default_factory=dict)  # by cost type: fixed for a costing
    _vat: dict[str, tuple[str, str]] = field(default_factory=dict)  # by VAT category: fixed for a costing
    client: Client = field(init=False)  # internal or external: the spec's, asked for by every line
    day_rate: DayRate = field(init=False)  # the day rate the unit's time is priced at for this client and funder

    def __post_init__(self) -> None:
        self.client = self.spec.project.client
        if self.client == "external":
            self.day_rate = "external"
        else:
            self.day_rate = "direct" if self.funder.day_rate == "direct" else "internal"

    def heading(self, cost_type: CostType) -> tuple[str, str]:
        """(heading, its cost category) for a kind of line; ("", "") for a direct commission."""
        found = self._headings.get(cost_type)
        if found is None:
            name = self.funder.heading_for_line(cost_type, self.client, self.unit_time)
            heading = self.funder.heading(name)
            found = self._headings[cost_type] = (name, heading.category if heading is not None else "")
        return found

    def add(
        self, order: tuple[int, int, int, int], vat_category: str = "standard", *, kind: Kind, cost_type: CostType,
        description: str, year: int, quantity: Decimal, unit: str, unit_price: Decimal, amount: Decimal,
        charge: Charge, heading: str, category: str, cost: Decimal, note: str = "", ref: str = "",
        hours: Decimal | None = None, hourly_rate: Decimal | None = None,
    ) -> None:
        """Record a line (the fields of :class:`Line`) with its VAT treatment, and VAT on its
        charged amount where standard-rated."""
        found = self._vat.get(vat_category)
        if found is None:
            found = self._vat[vat_category] = vat_treatment(self.spec, vat_category)
        treatment, why = found
        charged = ZERO if charge in WAIVED_CHARGES else amount
        if treatment == "standard":
            rate = self.vat_rate(year)
            vat = percent_of(charged, rate)
        else:
            rate, vat = NO_RATE, ZERO
        if why:
            note = join_notes(note, why)
        if too_large(amount) or too_large(charged + vat):
            self.too_large = True  # the entry's problem: the engine drops its lines
        self.lines.append((order, Line(
            kind, cost_type, description, year, quantity, unit, unit_price, amount, charge, heading, category, cost,
            vat, treatment, rate, note, ref, hours, hourly_rate,
        )))

    def money(self, gbp: Decimal, *, payment: bool = False) -> str:
        """A GBP rate as written in a line's note, with its converted figure when the costing is not in GBP."""
        text = format_money(gbp, currency="GBP")
        if self.convert.converts:
            text += f" ({format_money(self.convert(gbp, payment=payment), currency=self.convert.currency)})"
        return text


VAT_NOTES = {
    "exempt": "Exempt from VAT: education and vocational training supplied by an eligible body (a UK university); "
              "finance confirms",
    "collaborator": "Outside the scope of UK VAT: grant funds passed to a collaborator named on the grant ({reason})",
    "overseas-business": "Outside the scope of UK VAT: a service to a business customer overseas is supplied where the "
                         "customer belongs ({reason})",
    "outside-scope": "Outside the scope of UK VAT: {reason}",
}
"""Why a line carries no VAT, in words a finance officer recognises."""


def vat_treatment(spec: Spec, category: str) -> tuple[str, str]:
    """(standard, exempt, outside-scope or none; the note saying why) for a line of a VAT category."""
    project = spec.project
    position = project.vat_position_in_force
    if position == "internal":
        return "none", ""
    if position == "uk":
        return category, VAT_NOTES.get(category, "")
    return "outside-scope", VAT_NOTES[position].format(reason=project.vat_reason)


def amount_of(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return round_money(quantity * unit_price)


def join_notes(first: str, second: str) -> str:
    """Two notes as one ("first; second"), either of which may be empty."""
    if first and second:
        return f"{first}; {second}"
    return first or second


def price_involvement(i: int, inv: InvolvementEntry, cx: Context) -> None:
    """An involvement entry's payments (and their expenses) for each of its years.

    Years priced with the same rows and the same uplift (every year, for a funder that
    wants current prices) have the same figures: they are worked out once, as a service's are.
    """
    terms: dict[tuple[date, date | None], _Involvement | None] = {}
    for year in inv.year_list:
        pricing = cx.years[year]
        if pricing.alike not in terms:
            terms[pricing.alike] = _involvement_terms(i, inv, pricing, cx)
        found = terms[pricing.alike]
        if found is None:
            return
        cx.add(
            (year, 1, i, 0), kind="involvement", cost_type="involvement", description=inv.activity, year=year,
            quantity=found.quantity, unit="person-session", unit_price=found.per_session,
            amount=found.amount, charge="charged", heading=found.heading, category=found.category, cost=found.amount,
            note=found.note, ref=found.ref, hours=found.hours, hourly_rate=found.hourly,
        )
        expenses = found.expenses
        if expenses is not None:
            unit_price, amount, heading, category, note = expenses
            cx.add(
                (year, 1, i, 1), kind="involvement", cost_type="involvement_expenses",
                description=f"{inv.activity}: expenses", year=year, quantity=found.quantity,
                unit="person-session", unit_price=unit_price, amount=amount, cost=amount,
                charge="charged", heading=heading, category=category, note=note, ref=found.ref,
            )


@dataclass(slots=True)
class _Involvement:
    """An involvement entry's figures for the years priced with the same rows and uplift."""

    quantity: Decimal  # person-sessions
    per_session: Decimal
    amount: Decimal
    heading: str
    category: str
    note: str
    ref: str
    hours: Decimal
    hourly: Decimal
    expenses: tuple[Decimal, Decimal, str, str, str] | None  # unit price, amount, heading, category, note


def _involvement_terms(i: int, inv: InvolvementEntry, pricing: YearPricing, cx: Context) -> _Involvement | None:
    """The figures of ``inv`` for a year priced by ``pricing``; None (with the problem recorded) if it has none."""
    loc: tuple[str | int, ...] = ("involvement", i)
    floor = cx.fetch((*loc, "tier") if inv.tier != "standard" else loc, "coproducer_rate", inv.tier, pricing.on)
    if floor is None:
        return None
    base_rate, effective = floor.hourly_rate, floor.effective
    if inv.rate is not None:
        if inv.rate < floor.hourly_rate:
            cx.problems.append(cx.spec.problem((*loc, "rate"), (
                f"co-producers are always paid at least the co-producer rate in force for the "
                f"{floor.name.lower()} tier ({floor.hourly_rate} per hour from {floor.effective.isoformat()}) "
                f"in {inv.activity!r} (got {inv.rate})"
            )))
            return None
        base_rate, effective = inv.rate, pricing.priced_on
    # Priced per person per session (hours x hourly rate, rounded once), so the
    # fee is exactly proportional to people and sessions.
    hourly_gbp = round_money(base_rate * pricing.factor(effective))
    hourly = cx.convert(hourly_gbp, payment=True)
    hours = inv.hours + inv.prep_hours
    per_session = session_payment(hours, hourly)
    quantity = Decimal(inv.people * inv.sessions)
    heading, category = cx.heading("involvement")
    tier = f" ({floor.name.lower()} tier)" if inv.tier != "standard" else ""
    note = join_notes(
        f"{inv.people} people x {inv.sessions} sessions; {plain_number(hours)} h each "
        f"({plain_number(inv.hours)} h + {plain_number(inv.prep_hours)} h preparation) "
        f"at {cx.money(hourly_gbp, payment=True)} per hour{tier}",
        inv.note,
    )
    return _Involvement(quantity, per_session, amount_of(quantity, per_session), heading, category, note,
                        f"involvement[{i}]", hours, hourly, _involvement_expenses(i, inv, pricing, quantity, cx))


def _involvement_expenses(
    i: int, inv: InvolvementEntry, pricing: YearPricing, sessions: Decimal, cx: Context
) -> tuple[Decimal, Decimal, str, str, str] | None:
    """(unit price, amount, heading, category, note) of the expenses reimbursed with ``inv``'s payments; None if none."""
    if inv.expenses is None:
        default = cx.fetch(("involvement", i), "expense_defaults", "coproducer-expenses", pricing.on)
        if default is None:
            return None
        per_session = round_money(default.amount * pricing.factor(default.effective))
        source_note = "default expenses from the rate tables"
    else:
        per_session, source_note = inv.expenses, ""
    if per_session <= 0:
        return None
    unit_price = cx.convert(per_session)
    heading, category = cx.heading("involvement_expenses")
    note = join_notes("travel, care and access costs reimbursed on top of payment", source_note)
    return unit_price, amount_of(sessions, unit_price), heading, category, note


def price_expense(i: int, exp: ExpenseEntry, cx: Context) -> None:
    loc: tuple[str | int, ...] = ("expenses", i)
    funder = cx.funder
    if exp.heading is not None and funder.direct_commission:
        cx.problems.append(cx.spec.problem((*loc, "heading"), (
            f"{funder.name} has no budget headings: remove heading"
        )))
        return
    heading, category = cx.heading("expense")
    if exp.heading is not None:
        chosen = funder.heading(exp.heading)
        if chosen is None and funder.id != STAND_IN:
            cx.problems.append(cx.spec.problem((*loc, "heading"), (
                f"{exp.heading!r} is not a heading of {funder.name} (headings: {', '.join(funder.heading_names)})"
            )))
            return
        heading, category = exp.heading, chosen.category if chosen is not None else ""
    for year in exp.year_list:
        pricing = cx.years[year]
        unit, note = "item", exp.note
        row: ExpenseDefault | None = None
        if exp.default is not None:
            row = cx.fetch((*loc, "default"), "expense_defaults", exp.default, pricing.on)
            if row is None:
                return
            gbp = round_money(row.amount * pricing.factor(row.effective))
            unit = row.unit
        else:
            assert exp.cost is not None
            factor = pricing.typed_factor if exp.uplift else Decimal(1)
            gbp = round_money(exp.cost * factor)
            if exp.uplift and factor != 1:
                note = join_notes(note, "uplifted as the unit's rates are (uplift = true)")
        unit_price = cx.convert(gbp)
        amount = amount_of(exp.quantity, unit_price)
        cx.add(
            (year, 2, i, 0), kind="expense", cost_type="expense", description=exp.item, year=year,
            quantity=exp.quantity, unit=unit, unit_price=unit_price, amount=amount, cost=amount,
            charge="charged", heading=heading, category=category, note=note, ref=f"expenses[{i}]",
        )


STAND_IN = "unknown-funder"


def stand_in_funder(on: date) -> Funder:
    """A neutral funder used only to keep checking a spec whose funder is unknown."""
    from ..ratebook.models import Heading, HeadingMap

    heading = "(unknown funder)"
    return Funder(
        id=STAND_IN, name=heading, effective=on, source="stand-in", inflation="none",
        headings=(Heading(name=heading, category="directly-incurred"),),
        heading_for=HeadingMap(service=heading, involvement=heading, involvement_expenses=heading, expense=heading),
    )
