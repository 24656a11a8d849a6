"""The unit's offer, generated from the rate tables.

Built from the same RateBook the calculator prices with, so the offer partners read
cannot drift from the figures in a costing. Rendered by :mod:`.document`; also written
as an Excel sheet by :mod:`copro_costing.export.offer_xlsx`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..money import format_money, plain_number
from ..pricing.catalogue import CatalogueEntry, catalogue
from ..pricing.policy import POLICY_WORDS
from ..ratebook.models import CoproducerRate, Policy, RateBook, Row, Service, Vat
from .document import Block, Bullets, Document, Heading, Para, Table, illustrative_note, mark, to_html, to_markdown


def policy_label(policy: Policy) -> str:
    """A service's internal policy as a table cell: ``Requested contribution (if there is budget)``."""
    words = POLICY_WORDS[policy]
    return words[:1].upper() + words[1:]


# The offer -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferItem:
    """One service of the offer, priced per unit on a date."""

    entry: CatalogueEntry
    staff: tuple[tuple[str, Decimal], ...]  # (role name, days per unit)
    rows: tuple[Row, ...]  # what its prices rest on: the service, its roles, the co-producer rate if included

    @property
    def service(self) -> Service:
        return self.entry.service

    @property
    def illustrative(self) -> bool:
        return any(row.illustrative for row in self.rows)

    def includes(self) -> str:
        parts = [f"{plain_number(days)} {'day' if days == 1 else 'days'} {name.lower()}" for name, days in self.staff]
        cp = self.service.coproducers
        if cp is not None:
            who = "co-producer" if cp.people == 1 else "co-producers"
            parts.append(
                f"{cp.people} {who} × {plain_number(cp.hours_per_person)} h "
                f"({plain_number(cp.hours)} h + {plain_number(cp.prep_hours)} h preparation), paid"
            )
        return "; ".join(parts)

    def internal_pays(self, locale: str = "en_GB") -> str:
        """What an internal client pays per unit, in a few words (for a table cell)."""
        e = self.entry
        staff, paid = format_money(e.internal_staff, locale), format_money(e.coproducer_payments, locale)
        cp = e.coproducer_payments > 0
        policy = self.service.internal_policy
        if policy == "charge":
            return format_money(e.internal_price, locale)
        if policy == "free":
            return f"{paid} (co-producer payments only)" if cp else "Free"
        if policy == "request":
            return f"{paid} + {staff} requested" if cp else f"Free; {staff} requested"
        return f"{format_money(e.internal_price, locale)} or {paid}, case by case" if cp else f"{staff} or free, case by case"

    def internal_terms(self, locale: str = "en_GB") -> str:
        """What an internal client is asked to pay, in words."""
        e = self.entry
        staff = format_money(e.internal_staff, locale)
        paid = format_money(e.coproducer_payments, locale)
        cp = e.coproducer_payments > 0
        policy = self.service.internal_policy
        if policy == "charge":
            return f"Charged: {format_money(e.internal_price, locale)}"
        if policy == "free":
            text = f"Free: staff time worth {staff} is given free"
            return text + (f"; co-producer payments ({paid}) are always paid" if cp else "")
        if policy == "request":
            text = f"Offered free; a contribution of {staff} for staff time is requested if there is budget"
            return text + (f"; co-producer payments ({paid}) are always paid" if cp else "")
        text = f"Decided case by case: staff time ({staff}) charged or given free, the decision and reason recorded"
        return text + (f"; co-producer payments ({paid}) are always paid" if cp else "")


def price_table(items: Sequence[OfferItem], locale: str, marker: Callable[..., str] = mark) -> Table:
    return Table(
        ("Service", "Unit", "External price", "Internal price", "Internal policy", "Internal clients pay"),
        tuple(
            (marker(i.service.name, *i.rows), i.service.unit, format_money(i.entry.external_price, locale),
             format_money(i.entry.internal_price, locale), policy_label(i.service.internal_policy),
             i.internal_pays(locale))
            for i in items
        ),
        numeric=(2, 3),
    )


def offer_items(book: RateBook, on: date) -> list[OfferItem]:
    items = []
    for entry in catalogue(book, on):
        roles = [book.role(role_id, on) for role_id in entry.service.effort]
        staff = tuple((role.name, entry.service.effort[role.id]) for role in roles)
        rows: list[Row] = [entry.service, *roles]
        if entry.service.coproducers is not None:
            rows.append(book.coproducer_rate(on))
        items.append(OfferItem(entry, staff, tuple(rows)))
    return items


@dataclass(frozen=True)
class Offer:
    """What the offer shows on a date: every service priced, the co-producer rate and VAT.

    The document and the workbook both show every figure of these rows, so
    :attr:`illustrative` is the one flag for the note, the banner and the warning.
    """

    on: date
    items: tuple[OfferItem, ...]
    rate: CoproducerRate
    vat: Vat

    @property
    def rows(self) -> tuple[Row, ...]:
        return (self.rate, self.vat, *(row for item in self.items for row in item.rows))

    @property
    def illustrative(self) -> bool:
        return any(row.illustrative for row in self.rows)

    def vat_text(self) -> str:
        return mark(
            f"External clients: VAT at the standard rate ({plain_number(self.vat.percent)}%) is added where it "
            "applies; finance confirms each case. Internal clients pay no VAT.",
            self.vat,
        )


def build_offer(book: RateBook, on: date) -> Offer:
    return Offer(on, tuple(offer_items(book, on)), book.coproducer_rate(on), book.vat(on))


def offer_document(book: RateBook, on: date, locale: str = "en_GB") -> Document:
    """Every service in force on ``on``: what it is, what it includes, and its prices."""
    offer = build_offer(book, on)
    items, rate = offer.items, offer.rate
    fm = lambda value: format_money(value, locale)  # noqa: E731
    blocks: list[Block] = [
        Para(
            f"What the co-production unit offers, and what each service costs per unit, at the rates in force on "
            f"{on.isoformat()}. Prices are before VAT. Internal clients are staff of the same university; external "
            "clients are NHS bodies, councils, charities, other universities and companies."
        ),
    ]
    if offer.illustrative:
        blocks.append(illustrative_note("figures"))
    blocks += [
        Heading("Co-producers are always paid"),
        Para(mark(
            f"Co-producers (patients, carers and community members) are paid {fm(rate.hourly_rate)} per hour for "
            f"their time, including preparation and follow-up. Source: {rate.source}.",
            rate,
        )),
        Para(
            "Their expenses (travel, care and childcare, accessibility support such as interpreters) are "
            "reimbursed on top, and are budgeted before involvement starts. Co-producer payments are never "
            "waived, whatever the client: a free service still pays its co-producers."
        ),
        Heading("Services at a glance"),
        price_table(items, locale),
        Para(offer.vat_text()),
        Heading("The services"),
    ]
    for i in items:
        s = i.service
        blocks += [
            Heading(mark(s.name, *i.rows), level=3),
            Para(s.description),
            Bullets((
                f"Unit: one {s.unit}",
                f"Includes: {i.includes()}",
                f"External price: {fm(i.entry.external_price)} per {s.unit}"
                + (f" (staff time {fm(i.entry.external_staff)}, co-producer payments {fm(i.entry.coproducer_payments)})"
                   if i.entry.coproducer_payments else ""),
                f"Internal price: {fm(i.entry.internal_price)} per {s.unit}. {i.internal_terms(locale)}",
            )),
        ]
    blocks += [
        Heading("Where the figures come from"),
        Bullets(tuple(_sources(book, on))),
    ]
    return Document("Co-production services: our offer", tuple(blocks), illustrative=offer.illustrative)


def _sources(book: RateBook, on: date) -> list[str]:
    out = []
    seen: set[str] = set()
    for table in ("coproducer_rate", "roles", "services", "vat"):
        for key in book.keys(table):
            try:
                row = book.in_force(table, key, on)
            except LookupError:
                continue
            label = getattr(row, "name", "") or {"coproducer_rate": "Co-producer rate", "vat": "VAT"}.get(table, table)
            text = f"{label} (from {row.effective.isoformat()}): {row.source}"
            if text not in seen:
                seen.add(text)
                out.append(text)
    return out


def offer_markdown(book: RateBook, on: date, locale: str = "en_GB") -> str:
    return to_markdown(offer_document(book, on, locale))


def offer_html(book: RateBook, on: date, locale: str = "en_GB") -> str:
    return to_html(offer_document(book, on, locale))


