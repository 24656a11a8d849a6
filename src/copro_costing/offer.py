"""The unit's offer and the funder guides, generated from the rate tables.

Both documents are built from the same RateBook the calculator prices with, so the
offer partners read and the guide researchers follow cannot drift from the figures in
a costing. A document is a short list of blocks (headings, paragraphs, tables, lists)
rendered to Markdown or to one self-contained printable HTML page; the offer is also
written as an Excel sheet by :mod:`copro_costing.export.offer_xlsx`.

Figures whose source is a placeholder are marked ``*`` and explained. A document has one
``illustrative`` flag, computed from the rate rows its figures actually rest on; the
note in the document, the banner in the workbook and the command line's warning all
follow it, and every figure from an illustrative row carries the mark.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .catalogue import CatalogueEntry, catalogue
from .money import format_money, plain_number, round_money
from .policy import POLICY_WORDS, funder_contribution
from .ratebook import CoproducerRate, Funder, Policy, RateBook, Row, Service, Vat

MARK = "*"
"""Marks a figure that rests on an illustrative placeholder."""


def policy_label(policy: Policy) -> str:
    """A service's internal policy as a table cell: ``Requested contribution (if there is budget)``."""
    words = POLICY_WORDS[policy]
    return words[:1].upper() + words[1:]


def mark(text: str, *rows: Row) -> str:
    """``text`` followed by the mark when any of ``rows`` is an illustrative placeholder."""
    return f"{text} {MARK}" if any(row.illustrative for row in rows) else text


class Figures:
    """The rate rows a document's figures rest on, gathered as each figure is marked.

    Every figure is shown through :meth:`mark`, so a mark never appears without the
    rows behind it counting towards :attr:`illustrative`, nor the other way round.
    """

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def mark(self, text: str, *rows: Row) -> str:
        self.rows.extend(rows)
        return mark(text, *rows)

    @property
    def illustrative(self) -> bool:
        return any(row.illustrative for row in self.rows)

LINE_KINDS = (
    ("service", "The unit's services (its staff time, per unit of each service)"),
    ("involvement", "Co-producers' payments for their time, including preparation"),
    ("involvement_expenses", "Co-producers' expenses: travel, care and childcare, access support"),
    ("expense", "Other costs: interpreters, captioning, rooms, refreshments"),
)


# A tiny document model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    text: str
    note: bool = False  # a call-out box (the illustrative warning)


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()


Block = Heading | Para | Bullets | Table


@dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    illustrative: bool = False
    """Whether any figure rests on an illustrative placeholder (then the document carries the note)."""


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Para):
            out += [("> " if block.note else "") + block.text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {item}" for item in block.items] + [""]
        elif isinstance(block, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            out.append("|" + "|".join("---:" if i in block.numeric else "---" for i in range(len(block.header))) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #1a1a1a;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 3px solid #2f5597; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 1.8rem; color: #2f5597; }
h3 { font-size: 1.05rem; margin-bottom: .2rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #c8c8c8; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #ddebf7; }
td.num, th.num { text-align: right; white-space: nowrap; }
.note { border-left: 4px solid #c55a11; background: #fbe5d6; padding: .5rem .8rem; }
footer { margin-top: 2rem; font-size: .85rem; color: #555; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  table, tr, .note { break-inside: avoid; }
  th { background: #ddebf7 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { size: A4; margin: 15mm; }
}
""".strip()


def to_html(doc: Document) -> str:
    """One self-contained page: inline CSS with print styles, every text escaped."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(doc.title)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            out.append(f'<p class="note">{e(block.text)}</p>' if block.note else f"<p>{e(block.text)}</p>")
        elif isinstance(block, Bullets):
            out.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Table):
            def cls(i: int, *, table: Table = block) -> str:
                return ' class="num"' if i in table.numeric else ""

            out.append("<table>")
            out.append("<thead><tr>" + "".join(f"<th{cls(i)}>{e(h)}</th>" for i, h in enumerate(block.header)) + "</tr></thead>")
            out.append("<tbody>")
            for row in block.rows:
                out.append("<tr>" + "".join(f"<td{cls(i)}>{e(c)}</td>" for i, c in enumerate(row)) + "</tr>")
            out.append("</tbody></table>")
    out += [
        "<footer>Generated by copro-costing from the unit's rate tables.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


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


def _price_table(items: Sequence[OfferItem], locale: str, marker: Callable[..., str] = mark) -> Table:
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


def illustrative_note(what: str) -> Para:
    return Para(
        f"Illustrative figures: {what} marked {MARK} rest on placeholder rates (their source says "
        "\"illustrative\"). They show how the offer is priced, not approved prices: replace them in the "
        "rate tables with finance-approved figures before quoting them.",
        note=True,
    )


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
        _price_table(items, locale),
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


# The funder guide --------------------------------------------------------------------------


def guide_document(book: RateBook, funder_id: str, on: date, locale: str = "en_GB") -> Document:
    """How to cost co-production into an application to one funder, from its rules in the tables."""
    funder: Funder = book.funder(funder_id, on)
    rate = book.coproducer_rate(on)
    vat = book.vat(on)
    fm = lambda value: format_money(value, locale)  # noqa: E731
    example = Decimal("1000.00")
    figures = Figures()
    blocks: list[Block] = [
        Para(
            f"How to cost the co-production unit and paid involvement into an application to {funder.name}, "
            f"using the rate tables in force on {on.isoformat()}. Generated from the funder's rules in the rate "
            "tables, so it matches what the calculator does."
        ),
    ]
    warn_at = len(blocks)

    by_heading: dict[str, list[str]] = {h: [] for h in funder.headings}
    for kind, words in LINE_KINDS:
        by_heading.setdefault(funder.heading_for.for_category(kind), []).append(words)  # type: ignore[arg-type]
    blocks += [
        Heading("Which heading each cost goes under"),
        Table(
            ("Kind of cost", "Heading"),
            tuple((words, funder.heading_for.for_category(kind)) for kind, words in LINE_KINDS),  # type: ignore[arg-type]
        ),
        Para(f"{funder.name}'s headings, in the order of its form:"),
        Bullets(tuple(
            f"{h}: " + ("; ".join(by_heading[h]) if by_heading[h] else "no co-production costs go here")
            for h in funder.headings
        )),
    ]

    pays = funder_contribution(example, funder)
    pays_text = f"{funder.name} pays {plain_number(funder.pays_percent)}% of the costed price"
    if funder.indirect_percent:
        pays_text += f", and adds a flat {plain_number(funder.indirect_percent)}% on top of direct costs for indirect costs"
    blocks += [
        Heading(f"What {funder.name} pays"),
        Para(figures.mark(
            f"{pays_text}: for every {fm(example)} of co-production costs in the budget it contributes {fm(pays)}.",
            funder,
        )),
    ]
    if funder.notes:
        blocks.append(Para(funder.notes))
    blocks.append(Para(f"Source: {funder.source}."))

    blocks.append(Heading("Current prices or inflation"))
    if funder.prices == "current":
        blocks.append(Para(
            f"Cost every project year at current prices: {funder.name} adds no inflation from the applicant, "
            "so neither does the calculator. Do not uplift later years yourself."
        ))
    else:
        uplift = book.uplift(on)
        step = 1 + uplift.percent / Decimal(100)
        years = [round_money(example * step ** n) for n in range(3)]
        blocks.append(Para(figures.mark(
            f"Include inflation: year 1 is costed at the rates in force, and each later year is uplifted by "
            f"{plain_number(uplift.percent)}% a year, compounded: {fm(years[0])} in year 1 becomes {fm(years[1])} "
            f"in year 2 and {fm(years[2])} in year 3. Source of the uplift: {uplift.source}.",
            uplift,
        )))
        blocks.append(Para(
            "The calculator applies the uplift itself; when the start date moves, re-run the costing rather "
            "than editing figures."
        ))

    blocks += [
        Heading("VAT"),
        Bullets((
            "Internal clients (the same university): no VAT.",
            figures.mark(
                f"External clients: services are generally standard-rated, so the calculator adds VAT at "
                f"{plain_number(vat.percent)}% (source: {vat.source}).",
                vat,
            ),
            "Grant-funded research can be outside the scope of VAT: finance confirms each case. When they confirm "
            "none is due, set vat = false with a vat_reason in the costing file; the reason is shown in the costing.",
        )),
        Heading("Paying co-producers"),
        Bullets(tuple(_coproducer_policy(book, on, rate, fm, figures))),
    ]

    items = offer_items(book, on)
    blocks += [
        Heading("Unit prices"),
        _price_table(items, locale, figures.mark),
        Heading("Making the costing"),
        Para(
            "Write a costing file (project, client, funder, the services and involvement per year) and run "
            "copro-costing quote my-bid.toml -o my-bid.xlsx: the workbook lists every line under these headings, "
            "with the rate tables' date and fingerprint so the costing can be reproduced."
        ),
    ]
    if figures.illustrative:
        blocks.insert(warn_at, illustrative_note("figures"))
    return Document(f"Costing co-production into a {funder.name} application", tuple(blocks), figures.illustrative)


def _coproducer_policy(
    book: RateBook, on: date, rate: CoproducerRate, fm: Callable[[Decimal], str], figures: Figures
) -> list[str]:
    items = [
        figures.mark(f"Co-producers are paid {fm(rate.hourly_rate)} per hour (source: {rate.source})", rate)
        + ". No costing may pay them less.",
        "Preparation and follow-up time are paid as part of involvement: budget people × sessions × "
        "(hours + preparation hours) × the hourly rate.",
    ]
    try:
        expenses = book.expense_default("coproducer-expenses", on)
        items.append(
            figures.mark(f"Expenses are reimbursed on top: the default allowance is {fm(expenses.amount)} per "
                         f"{expenses.unit}", expenses)
            + "; use actual figures where they are known."
        )
    except LookupError:
        items.append("Expenses (travel, care and childcare, access support) are reimbursed on top of payment.")
    items += [
        "Budget payments and expenses before involvement starts; nobody should be left out of pocket.",
        "Payments may affect state benefits: allow for independent benefits advice for contributors.",
    ]
    return items


def guide_markdown(book: RateBook, funder_id: str, on: date, locale: str = "en_GB") -> str:
    return to_markdown(guide_document(book, funder_id, on, locale))


def guide_html(book: RateBook, funder_id: str, on: date, locale: str = "en_GB") -> str:
    return to_html(guide_document(book, funder_id, on, locale))

