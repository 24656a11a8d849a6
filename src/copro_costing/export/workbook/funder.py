"""The Funder view: the costing under the funder's budget headings, by project year, and
what the funder pays against the remainder."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from ...money import ZERO
from .book import cell_range, row_height
from .figures import group_sums
from .layout import FUNDER
from .styles import Context, fraction


def write_funder_view(ctx: Context) -> None:
    book, c, plan, s = ctx.book, ctx.costing, ctx.plan, ctx.styles
    ws = ctx.sheets[FUNDER]
    widths = book.widths[FUNDER]
    t, f = book.text, book.formula
    years = c.years
    totals = c.totals
    _, by_heading = group_sums(c, plan.headings)
    t(ws, 0, 0, "Funder view", s.title)
    t(ws, 1, 0, c.funder.name, s.section)
    if c.funder.notes:
        ws.set_row(2, row_height([(c.funder.notes, sum(widths) * 0.9)]))
        ws.merge_range(2, 0, 2, len(widths) - 1, "", s.wrap)
        t(ws, 2, 0, c.funder.notes, s.wrap)
    header = 4  # 0-based
    t(ws, header, 0, "Heading", s.header)
    for col, label in enumerate(("Value", "Waived", "VAT", "Price"), start=1):
        t(ws, header, col, label, s.header_number)
    for year in range(1, years + 1):
        book.number(ws, header, 4 + year, year, s.year_header)
    first = header + 1
    for k, heading in enumerate(plan.headings):
        x = first + k
        r = x + 1
        sums = by_heading[heading]
        if len(heading) >= widths[0] - 1:
            ws.set_row(x, row_height([(heading, widths[0])]))
        t(ws, x, 0, heading, s.wrap)
        match = f"(BudgetHeading=$A{r})"
        for col, (column, value) in enumerate(zip(("BudgetAmount", "BudgetWaived", "BudgetVAT", "BudgetPrice"),
                                                  sums.columns(), strict=True), start=1):
            f(ws, x, col, f"=SUMPRODUCT({match}*{column})", value, s.money)
        for year in range(1, years + 1):
            letter = xl_col_to_name(4 + year)
            f(ws, x, 4 + year, f"=SUMPRODUCT({match}*(BudgetYear={letter}${header + 1})*BudgetPrice)",
              sums.by_year.get(year, ZERO), s.money)
    total = first + len(plan.headings)
    t(ws, total, 0, "Total", s.total)
    values = [totals.value, totals.waived, totals.vat, totals.price, *(totals.by_year.get(y, ZERO) for y in range(1, years + 1))]
    for col, value in enumerate(values, start=1):
        letter = xl_col_to_name(col)
        f(ws, total, col, f"=SUM({letter}{first + 1}:INDEX({letter}:{letter},ROW()-1))", value, s.money_total)
    t(ws, total + 1, 0, "Reconciles with the Budget total price")
    f(ws, total + 1, 4, f'=IF(ROUND(E{total + 1}-TotalPrice,2)=0,"yes","NO: a Budget heading is not listed here")', "yes")
    pays, indirect = fraction(c.funder.pays_percent), fraction(c.funder.indirect_percent)
    t(ws, total + 3, 0, "Funder pays (share of the price)")
    f(ws, total + 3, 4, "=FunderPays", pays, ctx.percent(pays, shaded=False))
    t(ws, total + 4, 0, "Indirect costs the funder adds")
    f(ws, total + 4, 4, "=FunderIndirect", indirect, ctx.percent(indirect, shaded=False))
    t(ws, total + 5, 0, "Funder contribution", s.label)
    f(ws, total + 5, 4, "=ROUND(TotalPrice*FunderPays*(1+FunderIndirect),2)", totals.funder_contribution, s.money_total)
    book.name("FunderContribution", cell_range(FUNDER, total + 5, 4))
    t(ws, total + 6, 0, "Remainder: price the funder does not pay")
    f(ws, total + 6, 4, "=TotalPrice-FunderContribution", totals.remainder, s.money)
    book.print_setup(ws, total + 6, repeat=(header, header))
