"""The funder guides: costing co-production into an application to one funder.

Generated from the funder's rules in the rate tables, with the same prices and marks as
the offer (:mod:`.offer`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from ..money import format_money, plain_number, round_money
from ..ratebook.models import CATEGORIES, CoproducerRate, CostType, Funder, FunderShare, RateBook
from .document import Block, Bullets, Document, Figures, Heading, Para, Table, illustrative_note, to_html, to_markdown
from .offer import offer_items, price_table

LINE_KINDS: tuple[tuple[CostType, str], ...] = (
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
    fm = lambda value: format_money(value, locale)  # noqa: E731
    figures = Figures()
    blocks: list[Block] = [
        Para(
            f"How to cost the co-production unit and paid involvement into an application to {funder.name}, "
            f"using the rate tables in force on {on.isoformat()}. Generated from the funder's rules in the rate "
            "tables, so it matches what the calculator does."
        ),
    ]
    warn_at = len(blocks)

    blocks += _headings(funder) + _what_it_pays(book, funder, on, figures) + _prices(book, funder, on, fm, figures)
    blocks += [
        Heading("VAT"),
        Bullets(tuple(_vat(book, funder, on, figures))),
        Heading("Paying co-producers"),
        Bullets(tuple(_coproducer_policy(book, on, rate, fm, figures))),
        Heading("What involvement budgets often miss"),
        Para("Check each of these against the plan (INVOLVE, Budgeting for involvement, 2013; INVOLVE 'Resource "
             "public involvement in research'): a missing item is harder to spot than a wrong rate."),
        Bullets(INVOLVE_CHECKLIST),
        Heading("Expenses with published figures"),
        Table(("Expense", "Amount", "Per", "Source"), tuple(_published_expenses(book, on, fm, figures))),
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
    title = ("Costing co-production for a direct commission (no funder: the client pays)" if funder.direct_commission
             else f"Costing co-production into a {funder.name} application")
    return Document(title, tuple(blocks), figures.illustrative)


INVOLVE_CHECKLIST = (
    "Payment for time, including preparation and follow-up",
    "Travel and subsistence",
    "Carers, childcare and replacement care",
    "Personal assistants and support workers",
    "Accessible venues",
    "Independent facilitation",
    "Refreshments",
    "Hotel accommodation",
    "Translation and interpretation (BSL interpreters: two for sessions over an hour)",
    "Training and support for co-producers",
    "Administrative support",
    "Telephone, printing and postage",
    "Conferences and events",
    "Writing publications with co-producers",
)
"""INVOLVE's budgeting checklist, as prompts in every guide."""

EXAMPLE = Decimal("1000.00")


def _headings(funder: Funder) -> list[Block]:
    if funder.direct_commission:
        return [Heading("No funder headings"), Para(
            "A direct commission has no funder and no budget headings: the client pays the price itself, "
            "as a quote from the unit.")]
    by_heading: dict[str, list[str]] = {h: [] for h in funder.heading_names}
    for kind, words in LINE_KINDS:
        by_heading.setdefault(funder.heading_for_line(kind, "internal", funder.unit_time), []).append(words)
    rows = [(words, funder.heading_for_line(kind, "internal", funder.unit_time)) for kind, words in LINE_KINDS]
    blocks: list[Block] = [
        Heading("Which heading each cost goes under"),
        Table(("Kind of cost", "Heading"), tuple(rows)),
    ]
    if funder.heading_for is not None and funder.heading_for.staff is not None:
        blocks.append(Para(
            f"The unit's time is booked at its charge-out day rate by default ({funder.heading_for.service}). "
            f"Where the unit's staff keep auditable time records for the project, set unit_time = \"staff\" in "
            f"the costing file to book it as {funder.heading_for.staff}."
        ))
    if funder.heading_for_external is not None:
        moved = [(words, getattr(funder.heading_for_external, kind)) for kind, words in LINE_KINDS
                 if getattr(funder.heading_for_external, kind) is not None]
        blocks += [Para("When the unit works for another organisation's application (an external client), "
                        "its invoice goes under:"), Table(("Kind of cost", "Heading"), tuple(moved))]
    blocks += [
        Para(f"{funder.name}'s headings, in the order of its form, with their cost categories:"),
        Bullets(tuple(
            f"{h.name} ({h.category.replace('-', ' ')}"
            + (", outside the base of the flat indirect rate" if funder.indirect_percent and not h.base else "")
            + "): " + ("; ".join(by_heading[h.name]) if by_heading[h.name] else "no co-production costs go here")
            for h in funder.headings
        )),
    ]
    return blocks


def _what_it_pays(book: RateBook, funder: Funder, on: date, figures: Figures) -> list[Block]:
    blocks: list[Block] = [Heading(f"What {funder.name} pays")]
    shares = [row for table, row in book.rows_in_force(on)
              if table == "funder_shares" and isinstance(row, FunderShare) and row.funder == funder.id]
    if funder.direct_commission:
        blocks.append(Para("Nothing: the client pays the whole price."))
    elif not shares:
        blocks.append(Para("The rate tables give no share for this funder: ask finance for its rule."))
    else:
        rows = []
        for share in shares:
            cells = [figures.mark(f"{plain_number(share.percent(c))}%", share) for c in CATEGORIES]
            rows.append(tuple([share.applicant, *cells]))
        blocks.append(Table(("Applicant", "Directly incurred", "Directly allocated", "Indirect", "Exceptions"), tuple(rows)))
        blocks.append(Bullets(tuple(f"{share.applicant}: {share.source}" for share in shares)))
        blocks.append(Para('A costing names its applicant with applicant = "university" (the default), "nhs", '
                           '"charity", "business" or "public-body"; an applicant the tables give no share for is an error.'))
    if funder.indirect_percent:
        blocks.append(Para(figures.mark(
            f"{funder.name} adds a flat {plain_number(funder.indirect_percent)}% for indirect costs on the direct costs "
            "in its base, never on the headings outside it.", funder)))
    if funder.day_rate == "direct":
        blocks.append(Para(figures.mark(
            f"{funder.name} pays direct costs only: for an internal client the unit's time is priced at its direct "
            "day rates (salary and on-costs, no overheads), and the costing warns that the overheads are not "
            "recoverable.", funder)))
    if funder.notes:
        blocks.append(Para(funder.notes))
    blocks.append(Para(figures.mark(f"Source: {funder.source}.", funder)))
    return blocks


def _prices(book: RateBook, funder: Funder, on: date, fm: Callable[[Decimal], str], figures: Figures) -> list[Block]:
    blocks: list[Block] = [Heading("Current prices or inflation")]
    if funder.inflation == "none":
        blocks.append(Para(
            f"Cost every project year at current prices: {funder.name} wants no inflation from the applicant, "
            "so neither does the calculator. Do not uplift later years yourself."
        ))
    else:
        uplift = book.uplift(on)
        step = 1 + uplift.percent / Decimal(100)
        years = [round_money(EXAMPLE * step ** n) for n in range(3)]
        blocks.append(Para(figures.mark(
            "Include inflation as the sector does: staff rates step up on 1 August, the pay-award date. Each project "
            "year is priced at the rates in force at its start, uplifted by "
            f"{plain_number(uplift.percent)}% for every 1 August between the pricing date and that start that no "
            f"newer rate already covers: {fm(years[0])} today is {fm(years[1])} after one 1 August and "
            f"{fm(years[2])} after two. Costs typed into the costing file are not uplifted unless the entry says "
            f"uplift = true. Source of the uplift: {uplift.source}.",
            uplift,
        )))
    if funder.currency != "GBP":
        blocks.append(Heading("Currency"))
        try:
            rate = book.exchange_rate(funder.currency, on)
            text = figures.mark(
                f"{funder.name} budgets are in {funder.currency}: set currency = \"{funder.currency}\". The costing "
                f"converts each GBP unit price at {plain_number(rate.rate)} {funder.currency} per GBP 1 (source: "
                f"{rate.source}), rounded to the cent, unless the costing file gives exchange_rate with "
                "exchange_rate_source.", rate)
        except LookupError:
            text = (f"{funder.name} budgets are in {funder.currency}: set currency = \"{funder.currency}\" with "
                    "exchange_rate and exchange_rate_source (the tables hold no rate in force).")
        blocks.append(Para(text))
    return blocks


def _vat(book: RateBook, funder: Funder, on: date, figures: Figures) -> list[str]:
    vat = book.vat(on)
    counted = {"all": "counts VAT as part of each cost", "irrecoverable": "counts only VAT the applicant cannot recover",
               "none": "does not pay VAT"}[funder.vat]
    exempt = [s.name for s in (book.service(k, on) for k in book.keys("services") if _offered(book, k, on))
              if s.vat == "exempt"]
    return [
        "Internal clients (the same university): a recharge is not a supply, so no VAT (vat_position = \"internal\").",
        figures.mark(f"UK external clients (vat_position = \"uk\", the default): consultancy, evaluation, facilitation "
                     f"and research services are standard-rated at {plain_number(vat.percent)}%, including to other "
                     f"universities since 1 August 2013 (source: {vat.source}).", vat),
        "Education and vocational training supplied by a university is exempt (HMRC VAT Education Manual "
        f"VATEDU30000): {', '.join(exempt) or 'no service'} carries no VAT; finance confirms each case.",
        "Co-producer payments and expenses included in a service follow that service's VAT category; involvement "
        "and expenses the unit charges on their own follow the costing's VAT position.",
        "A partner named on the grant receiving grant funds (vat_position = \"collaborator\") and a business "
        "customer overseas (vat_position = \"overseas-business\") are outside the scope of UK VAT: give vat_reason, "
        "for example finance's confirmation.",
        "VAT is decided by the contract, not by where the client's money comes from: \"the work is grant funded\" "
        "is not on its own a reason for no VAT.",
        figures.mark(f"{funder.name} {counted}.", funder),
    ]


def _offered(book: RateBook, key: str, on: date) -> bool:
    try:
        book.service(key, on)
    except LookupError:
        return False
    return True


def _published_expenses(
    book: RateBook, on: date, fm: Callable[[Decimal], str], figures: Figures
) -> list[tuple[str, str, str, str]]:
    rows = []
    for key in book.keys("expense_defaults"):
        try:
            row = book.expense_default(key, on)
        except LookupError:
            continue
        rows.append((row.name, figures.mark(fm(row.amount), row), row.unit, row.source))
    return rows


def _coproducer_policy(
    book: RateBook, on: date, rate: CoproducerRate, fm: Callable[[Decimal], str], figures: Figures
) -> list[str]:
    items = []
    for key in book.keys("coproducer_rate"):
        try:
            tier = book.coproducer_rate(on, key)
        except LookupError:
            continue
        items.append(figures.mark(f"{tier.name} tier (tier = \"{tier.tier}\"): {fm(tier.hourly_rate)} per hour "
                                  f"(source: {tier.source})", tier) + ". No costing may pay less.")
    items += [
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
        "Payments for time are income and may affect state benefits: allow for independent benefits advice. "
        "Receipted out-of-pocket expenses are always reimbursed and are not income.",
        "A contributor may decline payment or ask for less, and NIHR's own policies do not pay people on a full-time "
        "public-sector salary for involvement in work time (NIHR guides for members of the public, 2024): budget "
        "the full rate regardless; who is paid is decided per person when the work happens.",
        "Payments are rounded to the penny; what co-producers are paid is never below the rate in force.",
    ]
    return items


def guide_markdown(book: RateBook, funder_id: str, on: date, locale: str = "en_GB") -> str:
    return to_markdown(guide_document(book, funder_id, on, locale))


def guide_html(book: RateBook, funder_id: str, on: date, locale: str = "en_GB") -> str:
    return to_html(guide_document(book, funder_id, on, locale))

