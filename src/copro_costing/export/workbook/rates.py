"""The Rates sheet: every rate row the costing used, with its amount, date and source."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...money import plain_number
from ...pricing.policy import POLICY_WORDS
from .book import row_height, set_height
from .layout import RATES
from .styles import Context, fraction

COLUMNS = (("Table", 14), ("Item", 20), ("What", 38), ("Amount", 11), ("Unit", 8),
           ("Effective from", 11), ("Source", 52), ("Illustrative", 11))
TABLE_WORDS = {
    "roles": "Staff roles", "coproducer_rate": "Co-producer rate", "expense_defaults": "Expense defaults",
    "vat": "VAT", "uplift": "Annual uplift", "funders": "Funders", "services": "Services",
    "funder_shares": "Funder shares", "exchange_rates": "Exchange rates", "vat_recovery": "VAT recovery",
}


def write_rates(ctx: Context) -> None:
    book, s = ctx.book, ctx.styles
    ws = ctx.sheets[RATES]
    widths = [w for _, w in COLUMNS]
    t, n = book.text, book.number
    set_height(ws, 0, row_height((h, w - 1) for h, w in COLUMNS))
    for col, (heading, _) in enumerate(COLUMNS):
        t(ws, 0, col, heading, s.header_number if heading in ("Amount", "Effective from") else s.header)
    x = 0
    for table, row in ctx.costing.rates_used:
        for what, amount, unit, kind in figures(table, row):
            x += 1
            set_height(ws, x, row_height([(what, widths[2]), (row.source, widths[6]), (row.key or "", widths[1])]))
            t(ws, x, 0, TABLE_WORDS.get(table, table), s.wrap)
            t(ws, x, 1, row.key or "", s.wrap)
            t(ws, x, 2, what, s.wrap)
            if amount is not None:
                fmt = s.money if kind == "money" else ctx.percent(amount, shaded=False) if kind == "percent" else s.quantity
                n(ws, x, 3, amount, fmt)
            t(ws, x, 4, unit, s.wrap)
            n(ws, x, 5, row.effective, book.fmt(num_format="yyyy-mm-dd", align="right", valign="top"))
            t(ws, x, 6, row.source, s.wrap)
            t(ws, x, 7, "yes" if row.illustrative else "no", s.wrap)
    book.print_setup(ws, x, repeat=(0, 0), landscape=True)


def figures(table: str, row: Any) -> list[tuple[str, Decimal | None, str, str]]:
    """The figures of one rate row: (what, amount, unit, kind of amount)."""
    if table == "roles":
        return [
            (f"{row.name}: internal day rate", row.internal_day_rate, "day", "money"),
            (f"{row.name}: external day rate", row.external_day_rate, "day", "money"),
        ]
    if table == "coproducer_rate":
        return [("Co-producer hourly rate", row.hourly_rate, "hour", "money")]
    if table == "expense_defaults":
        return [(row.name, row.amount, row.unit, "money")]
    if table == "vat":
        return [("VAT rate", fraction(row.percent), "", "percent")]
    if table == "uplift":
        return [("Annual uplift", fraction(row.percent), "", "percent")]
    if table == "vat_recovery":
        recovers = "recover" if row.recovers_vat else "do not recover"
        return [(f"{row.applicant.capitalize()} applicants {recovers} the VAT they pay", None, "", "")]
    if table == "funders":
        return [
            (f"{row.name}: flat indirect rate added", fraction(row.indirect_percent), "", "percent"),
        ]
    if table == "funder_shares":
        return [
            (f"{row.funder} pays a {row.applicant} applicant: {category.replace('-', ' ')} costs",
             fraction(row.percent(category)), "", "percent")
            for category in ("directly-incurred", "directly-allocated", "indirect", "exception")
        ]
    if table == "exchange_rates":
        return [(f"Budgeting exchange rate: {row.currency} per GBP 1", row.rate, row.currency, "number")]
    if table == "services":
        out: list[tuple[str, Decimal | None, str, str]] = [
            (f"{row.name}: {role} staff days per {row.unit}", days, "day", "number") for role, days in row.effort.items()
        ]
        if row.coproducers is not None:
            cp = row.coproducers
            out.append((
                f"{row.name}: co-producers per {row.unit} ({plain_number(cp.hours)} h + "
                f"{plain_number(cp.prep_hours)} h preparation each)",
                Decimal(cp.people), "people", "number",
            ))
        out.append((f"{row.name}: for internal clients, {POLICY_WORDS[row.internal_policy]}", None, "", ""))
        return out
    return [(str(row.key or table), None, "", "")]
