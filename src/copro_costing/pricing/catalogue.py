"""The service catalogue priced on a date: what one unit of each service costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..money import ZERO, format_money, round_money
from ..ratebook.models import RateBook, Service
from ..ratebook.view import text_table
from .lines import session_payment, staff_costs
from .policy import POLICY_WORDS


@dataclass(frozen=True)
class CatalogueEntry:
    """One service with its unit prices (staff time plus included co-producer payments)."""

    service: Service
    internal_staff: Decimal
    external_staff: Decimal
    coproducer_payments: Decimal

    @property
    def internal_price(self) -> Decimal:
        return self.internal_staff + self.coproducer_payments

    @property
    def external_price(self) -> Decimal:
        return self.external_staff + self.coproducer_payments


def catalogue(book: RateBook, on: date) -> list[CatalogueEntry]:
    """Every service in force on ``on``, priced per unit at the rates in force that day.

    A service whose first version starts after ``on`` is not yet on offer and is left out.
    """
    hourly = book.coproducer_rate(on).hourly_rate
    out = []
    for key in book.keys("services"):
        if book.versions("services", key)[0].effective > on:
            continue
        service = book.service(key, on)
        roles = {role_id: book.role(role_id, on) for role_id in service.effort}
        cp = service.coproducers
        coproducers = session_payment(cp.hours_per_person, hourly) * cp.people if cp else ZERO
        external, internal = staff_costs(service, roles, "external")  # the price, and full economic cost
        out.append(CatalogueEntry(
            service=service,
            internal_staff=round_money(internal),
            external_staff=round_money(external),
            coproducer_payments=coproducers,
        ))
    return out


def catalogue_table(book: RateBook, on: date, locale: str = "en_GB") -> str:
    """The catalogue as a plain-text table for a terminal."""
    entries = catalogue(book, on)
    rows = [("id", "service", "unit", "internal", "external", "internal policy")]
    for e in entries:
        rows.append((
            e.service.id, e.service.name, e.service.unit,
            format_money(e.internal_price, locale), format_money(e.external_price, locale),
            POLICY_WORDS[e.service.internal_policy],
        ))
    lines = text_table([list(r) for r in rows], right=(3, 4))
    rate = book.coproducer_rate(on)
    lines += [
        "",
        f"Prices per unit on {on.isoformat()}, before VAT; each includes the co-producer payments shown by",
        f"`quote`. Co-producers are paid {format_money(rate.hourly_rate, locale)} per hour ({rate.source}).",
    ]
    return "\n".join(lines) + "\n"
