"""The justification of resources, ready to paste into the funder's form.

Grouped under the funder's own budget headings, in the funder's order; one paragraph per
service, activity or cost with all its project years together; amounts with the currency
symbol; citing the funder's own guidance (``guidance`` in ``funders.toml``) and the
co-producer payment policy by name (``policy`` in ``coproducer.toml``). Every figure comes
from the Costing's lines and totals: nothing is priced here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal

from ..money import format_money, plain_number
from ..pricing.costing import Costing, Line, sum_money
from ..pricing.policy import WAIVED_CHARGES
from ..ratebook.models import CoproducerRate

Section = tuple[str, list[str]]


Money = Callable[[Decimal], str]


def _money(costing: Costing, locale: str) -> Money:
    """Amounts in the costing's currency, as people read them (:func:`format_money` remembers
    the amounts it has formatted: unit prices and rates repeat paragraph after paragraph)."""
    currency = costing.currency
    return lambda value: format_money(value, locale, currency)


def _plural(quantity: Decimal, unit: str) -> str:
    """``1 day``, ``2.5 days``, ``4 person-sessions``: a quantity as people say it."""
    unit = unit.strip() or "item"
    if quantity != 1 and not unit.endswith("s"):
        unit += "s"
    return f"{plain_number(quantity)} {unit}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _years(years: list[int]) -> str:
    return ("year " if len(years) == 1 else "years ") + _and([str(y) for y in years])


def _how_many(lines: list[Line]) -> str:
    """``12 days in each of years 1 and 2`` or ``12 days in year 1 and 10 days in year 2``."""
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_year[line.year] += line.quantity
    years = sorted(by_year)
    quantities = set(by_year.values())
    if len(quantities) == 1:
        (quantity,) = quantities
        each = "in each of " if len(years) > 1 else "in "
        return f"{_plural(quantity, lines[0].unit)} {each}{_years(years)}"
    return _and([f"{_plural(by_year[y], lines[0].unit)} in year {y}" for y in years])


def _at(lines: list[Line], money: Money, per: str) -> str:
    """The unit price, and how inflation moves it in later years."""
    prices: dict[int, Decimal] = {}
    for line in lines:
        prices.setdefault(line.year, line.unit_price)
    years = sorted(prices)
    first = f"{money(prices[years[0]])} {per}"
    later = [f"{money(prices[y])} in year {y}" for y in years[1:] if prices[y] != prices[years[0]]]
    return first + (f" ({_and(later)}, with the annual uplift)" if later else "")


def _paragraph(category: str, lines: list[Line], money: Money) -> str:
    first = lines[0]
    amount = money(sum_money(line.amount for line in lines))
    unit = first.unit.strip() or "item"
    charges = {line.charge for line in lines}
    if category == "service":
        text = (f"{first.description}, delivered by the co-production unit: {_how_many(lines)}, "
                f"at {_at(lines, money, 'a ' + unit)}: {amount}.")
        if charges & {"free", "waived"}:
            text += " The unit gives this free: its full value is shown and not requested."
        elif "requested" in charges:
            text += " The unit offers it free: a contribution is requested if there is budget."
    elif category == "involvement":
        rates: dict[int, Decimal] = {}
        for line in lines:
            if line.hourly_rate is not None:
                rates.setdefault(line.year, line.hourly_rate)
        text = f"{first.description}: {_how_many(lines)} of co-producers' time"
        if first.hours is not None:
            text += f", each paid for {plain_number(first.hours)} hours (preparation included)"
        if rates:
            years = sorted(rates)
            later = [f"{money(rates[y])} in year {y}" for y in years[1:] if rates[y] != rates[years[0]]]
            text += f" at {money(rates[years[0]])} an hour"
            text += f" ({_and(later)}, with the annual uplift)" if later else ""
        else:
            text += f" at {_at(lines, money, 'a ' + unit)}"
        text += f": {amount}."
    elif category == "involvement_expenses":
        text = (f"{first.description}: {_how_many(lines)} at {_at(lines, money, 'each')}: {amount}, "
                "so that no co-producer is out of pocket (travel, care and access costs are reimbursed on top of payment).")
    else:
        text = f"{first.description}: {_how_many(lines)} at {_at(lines, money, 'each')}: {amount}."
    notes = list(dict.fromkeys(line.note for line in lines if line.note and category != "involvement_expenses"))
    if notes and category != "involvement":
        text += " " + "; ".join(note[:1].upper() + note[1:] for note in notes).rstrip(".") + "."
    return text


def _groups(lines: tuple[Line, ...]) -> dict[str, list[list[Line]]]:
    """Lines by funder heading, then by service, activity or cost (charged alike), years together.

    Each group's key is a string, not a tuple: CPython keeps up to 2,000 freed tuples of each
    size for reuse, so thousands of tuple keys would stay allocated after the justification.
    """
    by_heading: dict[str, dict[str, list[Line]]] = {}
    for line in lines:
        groups = by_heading.get(line.heading)
        if groups is None:
            groups = by_heading[line.heading] = {}
        key = f"{line.cost_type}\n{'free' if line.charge in WAIVED_CHARGES else ''}\n{line.description}"
        group = groups.get(key)
        if group is None:
            groups[key] = [line]
        else:
            group.append(line)
    return {heading: list(groups.values()) for heading, groups in by_heading.items()}


def _paragraphs(groups: list[list[Line]], money: Money) -> Iterator[str]:
    """Each group's paragraph, letting go of the group's lines once written."""
    groups.reverse()
    while groups:
        lines = groups.pop()
        yield _paragraph(lines[0].cost_type, lines, money)


def justification_sections(costing: Costing, locale: str = "en_GB") -> list[Section]:
    """The justification as (heading, paragraphs): an opening, the funder's headings in order, how it was costed."""
    return [(heading, list(paragraphs)) for heading, paragraphs in iter_sections(costing, locale)]


def iter_sections(costing: Costing, locale: str = "en_GB") -> Iterator[tuple[str, Iterator[str]]]:
    """:func:`justification_sections` one paragraph at a time, for writers that stream (a costing may have
    thousands of lines): read each section's paragraphs before asking for the next section."""
    t = costing.totals
    money = _money(costing, locale)
    years = f"{costing.years} year{'s' if costing.years != 1 else ''}"
    opening = (
        f"This project will work with the co-production unit and with paid co-producers (patients, carers and "
        f"members of the public) over {years}. The co-production costs requested total {money(t.price)}"
        + (f", including VAT of {money(t.vat)}" if t.vat else "")
        + (f"; a further {money(t.waived)} of the unit's time is given free" if t.waived else "")
        + "."
    )
    yield "", iter([opening])
    groups = _groups(costing.lines)
    named = list(costing.funder.heading_names)
    headings = named + [h for h in groups if h not in named]
    for heading in headings:
        if heading in groups:
            yield heading, _paragraphs(groups.pop(heading), money)
    yield "How these costs were worked out", iter(_method(costing, locale))


def _method(costing: Costing, locale: str) -> list[str]:
    p = costing.spec.project
    out: list[str] = []
    rows = [row for table, row in costing.rates_used if table == "coproducer_rate" and isinstance(row, CoproducerRate)]
    guidance = costing.funder.guidance
    if rows:
        row = rows[-1]
        policy = row.policy or "the unit's co-producer payment policy"
        text = (
            f"Co-producers are always paid, at no less than {format_money(row.hourly_rate, locale)} an hour under "
            f"the {policy} (source: {row.source}), with preparation time paid and expenses reimbursed on top"
        )
        text += f"; the costs follow {guidance}." if guidance else "."
        text += " Payments can affect state benefits, so co-producers are offered independent benefits advice."
        out.append(text)
    elif guidance:
        out.append(f"The costs follow {guidance}.")
    if costing.uplift_percent:
        out.append(
            f"Inflation is included as the sector applies it: staff rates step up by "
            f"{plain_number(costing.uplift_percent)}% on each 1 August (the pay-award date) before a project year starts."
        )
    elif costing.funder.direct_commission:
        out.append("All years are costed at current prices.")
    else:
        out.append(f"All years are costed at current prices, as {costing.funder.name} requires.")
    if costing.funder.day_rate == "direct" and p.client == "internal":
        out.append(f"{costing.funder.name} pays direct costs only, so the unit's time is costed at its direct day rates "
                   "(salary and on-costs), without overheads.")
    if costing.exchange_rate is not None:
        out.append(f"Amounts are in {costing.currency}, converted from the unit's GBP rates at "
                   f"{plain_number(costing.exchange_rate)} {costing.currency} per GBP 1 ({costing.exchange_rate_source}).")
    treatments = costing.totals.vat_by_treatment
    if "standard" in treatments:
        exempt = " Training is exempt, as education supplied by a university." if "exempt" in treatments else ""
        out.append(
            f"The unit's consultancy, evaluation and facilitation services to an external organisation are "
            f"standard-rated: VAT at {plain_number(costing.vat_percent)}% is included.{exempt} Finance confirms "
            "the VAT treatment."
        )
    elif "exempt" in treatments:
        out.append("No VAT is charged: training supplied by a university is exempt. Finance confirms.")
    elif "outside-scope" in treatments:
        out.append(f"No VAT is charged: the work is outside the scope of UK VAT ({p.vat_reason}).")
    return out


def justification(costing: Costing, locale: str = "en_GB") -> str:
    """The justification as text: headings on their own line, paragraphs separated by a blank line."""
    blocks: list[str] = []
    for heading, paragraphs in justification_sections(costing, locale):
        if heading:
            blocks.append(heading)
        blocks.extend(paragraphs)
    return "\n\n".join(blocks)
