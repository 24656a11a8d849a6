"""The unit's offer and the funder guides, generated from the rate tables.

Both documents are built from the same RateBook the calculator prices with, so the
offer partners read and the guide researchers follow cannot drift from the figures in
a costing. A document is a short list of blocks (headings, paragraphs, tables, lists)
rendered to Markdown, to one self-contained printable HTML page, or (the offer) to an
Excel sheet. Figures whose source is a placeholder are marked and explained.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from .catalogue import CatalogueEntry, catalogue
from .money import format_money, plain_number, round_money
from .policy import funder_contribution
from .ratebook import CoproducerRate, Funder, RateBook, Row, Service

MARK = "*"
"""Marks a figure that rests on an illustrative placeholder."""

POLICY_LABEL = {
    "charge": "Charged",
    "free": "Free",
    "request": "Requested contribution",
    "case-by-case": "Case by case",
}

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
    illustrative: bool

    @property
    def service(self) -> Service:
        return self.entry.service

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


def _price_table(items: Sequence[OfferItem], locale: str) -> Table:
    return Table(
        ("Service", "Unit", "External price", "Internal price", "Internal policy", "Internal clients pay"),
        tuple(
            (_mark(i.service.name, i.illustrative), i.service.unit, format_money(i.entry.external_price, locale),
             format_money(i.entry.internal_price, locale), POLICY_LABEL[i.service.internal_policy],
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
        items.append(OfferItem(entry, staff, any(r.illustrative for r in rows)))
    return items


def _illustrative_note(what: str) -> Para:
    return Para(
        f"Illustrative figures: {what} marked {MARK} rest on placeholder rates (their source says "
        "\"illustrative\"). They show how the offer is priced, not approved prices: replace them in the "
        "rate tables with finance-approved figures before quoting them.",
        note=True,
    )


def _mark(text: str, illustrative: bool) -> str:
    return f"{text} {MARK}" if illustrative else text


def offer_document(book: RateBook, on: date, locale: str = "en_GB") -> Document:
    """Every service in force on ``on``: what it is, what it includes, and its prices."""
    items = offer_items(book, on)
    rate = book.coproducer_rate(on)
    vat = book.vat(on)
    fm = lambda value: format_money(value, locale)  # noqa: E731
    blocks: list[Block] = [
        Para(
            f"What the co-production unit offers, and what each service costs per unit, at the rates in force on "
            f"{on.isoformat()}. Prices are before VAT. Internal clients are staff of the same university; external "
            "clients are NHS bodies, councils, charities, other universities and companies."
        ),
    ]
    if any(i.illustrative for i in items) or rate.illustrative:
        blocks.append(_illustrative_note("prices"))
    blocks += [
        Heading("Co-producers are always paid"),
        Para(
            f"Co-producers (patients, carers and community members) are paid {fm(rate.hourly_rate)} per hour for "
            f"their time, including preparation and follow-up. Source: {rate.source}."
            + (f" {MARK}" if rate.illustrative else "")
        ),
        Para(
            "Their expenses (travel, care and childcare, accessibility support such as interpreters) are "
            "reimbursed on top, and are budgeted before involvement starts. Co-producer payments are never "
            "waived, whatever the client: a free service still pays its co-producers."
        ),
        Heading("Services at a glance"),
        _price_table(items, locale),
        Para(
            f"External clients: VAT at the standard rate ({plain_number(vat.percent)}%) is added where it applies; "
            "finance confirms each case. Internal clients pay no VAT."
        ),
        Heading("The services"),
    ]
    for i in items:
        s = i.service
        blocks += [
            Heading(_mark(s.name, i.illustrative), level=3),
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
    return Document("Co-production services: our offer", tuple(blocks))


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


def write_offer_xlsx(book: RateBook, on: date, path: Path | str, locale: str = "en_GB") -> Path:
    """The offer as one sheet a partner can filter; amounts are numbers in £ format."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from .atomic import write_atomic

    items = offer_items(book, on)
    rate = book.coproducer_rate(on)
    wb = Workbook()
    ws = wb.active
    ws.title = "Offer"
    money = '"£"#,##0.00'

    def text(r: int, c: int, value: str) -> None:
        cell = ws.cell(row=r, column=c, value=value)
        cell.data_type = "s"  # never a formula
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    text(1, 1, f"Co-production services: our offer (prices per unit on {on.isoformat()}, before VAT)")
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    text(2, 1, f"Co-producers are paid {format_money(rate.hourly_rate, locale)} per hour, always. Source: {rate.source}"
         + (f" {MARK}" if rate.illustrative else ""))
    row = 3
    if any(i.illustrative for i in items):
        text(row, 1, _illustrative_note("prices").text)
        ws.cell(row=row, column=1).font = Font(bold=True, color="C55A11")
        row += 1
    row += 1
    header = ("id", "Service", "Description", "Unit", "Includes", "External price", "Internal price",
              "Internal policy", "Internal terms", "Illustrative")
    for c, h in enumerate(header, start=1):
        ws.cell(row=row, column=c, value=h).font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=row + 1, column=1)
    for i in items:
        row += 1
        s = i.service
        for c, value in enumerate((s.id, s.name, s.description, s.unit, i.includes()), start=1):
            text(row, c, value)
        for c, amount in ((6, i.entry.external_price), (7, i.entry.internal_price)):
            cell = ws.cell(row=row, column=c, value=round_money(amount))
            cell.number_format = money
        text(row, 8, POLICY_LABEL[s.internal_policy])
        text(row, 9, i.internal_terms(locale))
        text(row, 10, "yes" if i.illustrative else "no")
    for letter, width in zip("ABCDEFGHIJ", (24, 30, 50, 12, 40, 14, 14, 20, 50, 12), strict=True):
        ws.column_dimensions[letter].width = width
    return write_atomic(path, wb.save)


# The funder guide --------------------------------------------------------------------------


def guide_document(book: RateBook, funder_id: str, on: date, locale: str = "en_GB") -> Document:
    """How to cost co-production into an application to one funder, from its rules in the tables."""
    funder: Funder = book.funder(funder_id, on)
    rate = book.coproducer_rate(on)
    vat = book.vat(on)
    fm = lambda value: format_money(value, locale)  # noqa: E731
    example = Decimal("1000.00")
    used: list[Row] = [funder, rate, vat]
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
        Para(f"{pays_text}: for every {fm(example)} of co-production costs in the budget it contributes {fm(pays)}."
             + (f" {MARK}" if funder.illustrative else "")),
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
        used.append(uplift)
        step = 1 + uplift.percent / Decimal(100)
        years = [round_money(example * step ** n) for n in range(3)]
        blocks.append(Para(
            f"Include inflation: year 1 is costed at the rates in force, and each later year is uplifted by "
            f"{plain_number(uplift.percent)}% a year, compounded: {fm(years[0])} in year 1 becomes {fm(years[1])} "
            f"in year 2 and {fm(years[2])} in year 3. Source of the uplift: {uplift.source}."
            + (f" {MARK}" if uplift.illustrative else "")
        ))
        blocks.append(Para(
            "The calculator applies the uplift itself; when the start date moves, re-run the costing rather "
            "than editing figures."
        ))

    blocks += [
        Heading("VAT"),
        Bullets((
            "Internal clients (the same university): no VAT.",
            f"External clients: services are generally standard-rated, so the calculator adds VAT at "
            f"{plain_number(vat.percent)}% (source: {vat.source}).",
            "Grant-funded research can be outside the scope of VAT: finance confirms each case. When they confirm "
            "none is due, set vat = false with a vat_reason in the costing file; the reason is shown in the costing.",
        )),
        Heading("Paying co-producers"),
        Bullets(tuple(_coproducer_policy(book, on, rate, fm))),
    ]

    items = offer_items(book, on)
    used += [i.service for i in items]
    blocks += [
        Heading("Unit prices"),
        _price_table(items, locale),
        Heading("Making the costing"),
        Para(
            "Write a costing file (project, client, funder, the services and involvement per year) and run "
            "copro-costing quote my-bid.toml -o my-bid.xlsx: the workbook lists every line under these headings, "
            "with the rate tables' date and fingerprint so the costing can be reproduced."
        ),
    ]
    if any(r.illustrative for r in used) or any(i.illustrative for i in items):
        blocks.insert(warn_at, _illustrative_note("figures"))
    return Document(f"Costing co-production into a {funder.name} application", tuple(blocks))


def _coproducer_policy(book: RateBook, on: date, rate: CoproducerRate, fm: Callable[[Decimal], str]) -> list[str]:
    items = [
        f"Co-producers are paid {fm(rate.hourly_rate)} per hour (source: {rate.source})"
        + (f" {MARK}" if rate.illustrative else "") + ". No costing may pay them less.",
        "Preparation and follow-up time are paid as part of involvement: budget people × sessions × "
        "(hours + preparation hours) × the hourly rate.",
    ]
    try:
        expenses = book.expense_default("coproducer-expenses", on)
        items.append(
            f"Expenses are reimbursed on top: the default allowance is {fm(expenses.amount)} per {expenses.unit}"
            + (f" {MARK}" if expenses.illustrative else "") + "; use actual figures where they are known."
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


def funder_ids(book: RateBook) -> Sequence[str]:
    return book.keys("funders")
