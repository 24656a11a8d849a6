"""The funder guides: costing co-production into an application to one funder.

Generated from the funder's rules in the rate tables, with the same prices and marks as
the offer (:mod:`.offer`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from ..money import format_money, plain_number, round_money
from ..pricing.policy import funder_contribution
from ..ratebook.models import CoproducerRate, Funder, RateBook
from .document import Block, Bullets, Document, Figures, Heading, Para, Table, illustrative_note, to_html, to_markdown
from .offer import offer_items, price_table

LINE_KINDS = (
    ("service", "The unit's services (its staff time, per unit of each service)"),
    ("involvement", "Co-producers' payments for their time, including preparation"),
    ("involvement_expenses", "Co-producers' expenses: travel, care and childcare, access support"),
    ("expense", "Other costs: interpreters, captioning, rooms, refreshments"),
)


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
        price_table(items, locale, figures.mark),
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

