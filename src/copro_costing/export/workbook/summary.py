"""The Summary sheet: the project, the assumptions a facilitator may change, the totals
finance reads, tables by project year (with a chart) and by funder heading, the rates stamp."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ... import __version__
from ...money import plain_number
from .book import cell_range, money_format, row_height, set_height
from .layout import ILLUSTRATIVE_BANNER, RECONCILED, SUMMARY
from .styles import YEAR_HEADING, Context, fraction

if TYPE_CHECKING:  # for annotations only
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

WIDTHS = (40, 18, 14, 14, 16)
CHART_ROWS = 16


def client_words(client: str) -> str:
    return "Internal client (same university)" if client == "internal" else "External client"


def write_summary(ctx: Context) -> None:
    book, c, s = ctx.book, ctx.costing, ctx.styles
    p = c.spec.project
    ws = ctx.sheets[SUMMARY]
    t, n, f = book.text, book.number, book.formula
    totals = c.totals
    row = -1

    def put(label: str | None = None, fmt: Format | None = None) -> int:
        nonlocal row
        row += 1
        if label:
            t(ws, row, 0, label, fmt)
        return row

    def wide(x: int, first_col: int, text: str, fmt: Format | None = None) -> None:
        """Text across the rest of the row, wrapped, with the row as high as it needs."""
        fmt = fmt or (s.indented_wrap if first_col == 2 else s.wrap)  # a note beside a number: set off from it
        width = sum(WIDTHS[first_col:])
        set_height(ws, x, row_height([(text, width)]))
        ws.merge_range(x, first_col, x, len(WIDTHS) - 1, "", fmt)
        t(ws, x, first_col, text, fmt)

    put("Co-production costing", s.title)
    if c.illustrative:
        wide(put(), 0, ILLUSTRATIVE_BANNER, s.banner)
    put()
    put("Project", s.section)
    wide(put("Project"), 1, p.title)
    if p.reference:
        t(ws, put("Reference"), 1, p.reference)
    t(ws, put("Client"), 1, client_words(p.client))
    if p.organisation:
        wide(put("Organisation"), 1, p.organisation)
    wide(put("Funder"), 1, c.funder.name)
    n(ws, put("Start"), 1, p.start, s.date)
    n(ws, put("Months"), 1, p.months)
    n(ws, put("Project years"), 1, c.years)
    put()

    put("Assumptions (change these here: every sheet follows)", s.section)
    vat = fraction(c.vat_percent) if c.vat_applies else Decimal(0)
    if c.vat_applies:
        vat_note = f"{plain_number(c.vat_percent)}% on standard-rated lines; training is exempt; finance to confirm"
    elif p.vat_position_in_force != "internal":
        vat_note = f"No VAT: outside the scope of UK VAT ({p.vat_reason})"
    else:
        vat_note = "No VAT for internal clients: a recharge is not a supply"
    x = put("VAT rate")
    n(ws, x, 1, vat, ctx.percent(vat, shaded=True))
    wide(x, 2, vat_note)
    book.name("VATRate", cell_range(SUMMARY, x, 1))
    indirect = fraction(c.funder.indirect_percent)
    x = put("Flat indirect rate the funder adds (on its base)")
    n(ws, x, 1, indirect, ctx.percent(indirect, shaded=True))
    book.name("FunderIndirect", cell_range(SUMMARY, x, 1))
    uplift = fraction(c.uplift_percent)
    x = put("Annual uplift (already in later years' unit prices)")
    n(ws, x, 1, uplift, ctx.percent(uplift, shaded=False))
    wide(x, 2, "stepped up each 1 August before a year starts" if c.uplift_percent else "current prices: no inflation added")
    put()

    put("Totals", s.section)
    for label, formula, value, fmt in (
        ("Value at full rates", "=TotalValue", totals.value, s.money),
        ("Waived (given free)", "=TotalWaived", totals.waived, s.money),
        ("VAT", "=TotalVAT", totals.vat, s.money),
        ("Price: what the bid asks for", "=TotalPrice", totals.price, s.money_total),
        ("  of which requested only if there is budget", '=SUMIF(BudgetCharge,"requested",BudgetPrice)',
         totals.requested, s.money),
        ("Funder contribution", "=FunderContribution", totals.funder_contribution, s.money),
        ("Remainder the funder does not pay", "=TotalPrice-FunderContribution", totals.remainder, s.money),
    ):
        f(ws, put(label, s.label if fmt is s.money_total else None), 1, formula, value, fmt)
    x = put("Cost to the university (full economic cost)")
    n(ws, x, 1, totals.cost, s.money)
    book.name("TotalCost", cell_range(SUMMARY, x, 1))
    wide(x, 2, "the unit's time at full economic cost, payments and expenses as paid")
    f(ws, put("Surplus (deficit if negative)", s.label), 1, "=TotalPrice-TotalVAT-TotalCost", totals.surplus, s.money)
    x = put("Budget lines all counted (Reconciled)", s.label)
    f(ws, x, 1, f"={RECONCILED}", True, s.boolean)
    ws.conditional_format(x, 1, x, 1, {"type": "cell", "criteria": "==", "value": "FALSE", "format": s.bad})
    wide(x, 2, "FALSE when a figure on the Budget sheet lies outside the rows the totals add up")
    put()

    by_year, by_heading = ctx.sums
    put("By project year", s.section)
    header = put()
    for col, label in enumerate(("Year", "Value", "Waived", "VAT", "Price")):
        t(ws, header, col, label, s.header if col == 0 else s.header_number)
    year_format = book.fmt(num_format=YEAR_HEADING, align="left")
    for year in range(1, c.years + 1):
        x = put()
        n(ws, x, 0, year, year_format)
        for col, (column, value) in enumerate(zip(("BudgetAmount", "BudgetWaived", "BudgetVAT", "BudgetPrice"),
                                                  by_year[year].columns(), strict=True), start=1):
            f(ws, x, col, f"=SUMIFS({column},BudgetYear,$A{x + 1})", value, s.money)
    last_year = row
    x = put("Total", s.total)
    for col, value in zip(range(1, 5), (totals.value, totals.waived, totals.vat, totals.price), strict=True):
        letter = "ABCDE"[col]
        f(ws, x, col, f"=SUM({letter}{header + 2}:INDEX({letter}:{letter},ROW()-1))", value, s.money_total)
    chart_at = put()
    _chart(ctx, ws, header, max(last_year, header + 1), chart_at)
    row += CHART_ROWS
    put()

    put(f"By {c.funder.name} heading", s.section)
    header = put()
    t(ws, header, 0, "Heading", s.header)
    t(ws, header, 1, "Price", s.header_number)
    for heading in ctx.plan.headings:
        x = put()
        if len(heading) >= WIDTHS[0] - 1:
            set_height(ws, x, row_height([(heading, WIDTHS[0])]))
        t(ws, x, 0, heading, s.wrap)
        f(ws, x, 1, f"=SUMPRODUCT((BudgetHeading=$A{x + 1})*BudgetPrice)", by_heading[heading].price, s.money)
    x = put("Total", s.total)
    f(ws, x, 1, f"=SUM(B{header + 2}:INDEX(B:B,ROW()-1))", totals.price, s.money_total)
    put()

    put("Rates stamp", s.section)
    n(ws, put("Rates in force on"), 1, c.stamp.priced_on, s.date)
    wide(put("SHA-256 of the rates in force"), 1, c.stamp.sha256)
    t(ws, put("copro-costing version"), 1, __version__)
    wide(put("Illustrative rates used"), 1,
         ("yes: see the Rates sheet" + ("; a rule the rate tables do not give was assumed (see Warnings)"
                                        if c.assumed else "") + "; confirm with finance before submitting")
         if c.illustrative else "no")
    if c.warnings:
        put()
        put("Warnings", s.section)
        for warning in c.warnings:
            wide(put(), 0, warning)
    book.print_setup(ws, row, landscape=False)


def _chart(ctx: Context, ws: Worksheet, header: int, last_year: int, at: int) -> None:
    """Price by project year, on an axis that starts at zero so bars compare honestly."""
    chart = ctx.book.wb.add_chart({"type": "column"})
    chart.add_series({
        "name": "Price",
        "categories": [SUMMARY, header + 1, 0, last_year, 0],
        "values": [SUMMARY, header + 1, 4, last_year, 4],
        "fill": {"color": "#4472C4"},
        "data_labels": {"value": True, "num_format": money_format(ctx.costing.currency)},
    })
    chart.set_title({"name": "Price by project year", "name_font": {"name": "Calibri", "size": 12}})
    chart.set_y_axis({"min": 0, "name": f"Price ({ctx.costing.currency})", "num_format": money_format(ctx.costing.currency),
                      "num_font": {"name": "Calibri"}, "name_font": {"name": "Calibri"}})
    chart.set_x_axis({"name": "Project year", "num_format": YEAR_HEADING,
                      "num_font": {"name": "Calibri"}, "name_font": {"name": "Calibri"}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 620, "height": CHART_ROWS * 20})
    ws.insert_chart(at, 0, chart, {"x_offset": 4, "y_offset": 4})
