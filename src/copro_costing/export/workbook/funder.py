"""The Funder view: the costing under the funder's budget headings, by project year, and
what the funder pays against the remainder."""

from __future__ import annotations

from decimal import Decimal

from xlsxwriter.utility import xl_col_to_name

from ...money import ZERO, round_money
from ...pricing.costing import Costing
from .book import cell_range, row_height, set_height
from .layout import FUNDER
from .styles import Context, fraction


def write_funder_view(ctx: Context) -> None:
    book, c, plan, s = ctx.book, ctx.costing, ctx.plan, ctx.styles
    ws = ctx.sheets[FUNDER]
    widths = book.widths[FUNDER]
    t, f = book.text, book.formula
    years = c.years
    totals = c.totals
    _, by_heading = ctx.sums
    t(ws, 0, 0, "Funder view", s.title)
    t(ws, 1, 0, c.funder.name, s.section)
    if c.funder.notes:
        set_height(ws, 2, row_height([(c.funder.notes, sum(widths) * 0.9)]))
        ws.merge_range(2, 0, 2, len(widths) - 1, "", s.wrap)
        t(ws, 2, 0, c.funder.notes, s.wrap)
    header = 4  # 0-based
    share_col, pays_col = 5 + years, 6 + years
    t(ws, header, 0, "Heading", s.header)
    for col, label in enumerate(("Value", "Waived", "VAT", "Price"), start=1):
        t(ws, header, col, label, s.header_number)
    for year in range(1, years + 1):
        book.number(ws, header, 4 + year, year, s.year_header)
    t(ws, header, share_col, "Share paid", s.header_number)
    t(ws, header, pays_col, "Funder pays", s.header_number)
    first = header + 1
    counted = vat_counts(c)
    base_rows = []
    pays_total = ZERO
    for k, heading in enumerate(plan.headings):
        x = first + k
        r = x + 1
        sums = by_heading[heading]
        if len(heading) >= widths[0] - 1:
            set_height(ws, x, row_height([(heading, widths[0])]))
        t(ws, x, 0, heading, s.wrap)
        match = f"(BudgetHeading=$A{r})"
        for col, (column, value) in enumerate(zip(("BudgetAmount", "BudgetWaived", "BudgetVAT", "BudgetPrice"),
                                                  sums.columns(), strict=True), start=1):
            f(ws, x, col, f"=SUMPRODUCT({match}*{column})", value, s.money)
        for year in range(1, years + 1):
            letter = xl_col_to_name(4 + year)
            f(ws, x, 4 + year, f"=SUMPRODUCT({match}*(BudgetYear={letter}${header + 1})*BudgetPrice)",
              sums.by_year.get(year, ZERO), s.money)
        spec = c.funder.heading(heading)
        share = c.share.percent(spec.category) / 100 if (c.share is not None and spec is not None) else Decimal(0)
        if spec is not None and spec.base and spec.category != "indirect":
            base_rows.append(r)
        eligible = f"E{r}" if counted else f"(B{r}-C{r})"
        eligible_value = sums.price if counted else sums.value - sums.waived
        pays = round_money(eligible_value * share)
        pays_total += pays
        n = book.number
        n(ws, x, share_col, share, ctx.percent(share, shaded=False))
        f(ws, x, pays_col, f"=ROUND({eligible}*{xl_col_to_name(share_col)}{r},2)", pays, s.money)
    total = first + len(plan.headings)
    t(ws, total, 0, "Total", s.total)
    values = [totals.value, totals.waived, totals.vat, totals.price, *(totals.by_year.get(y, ZERO) for y in range(1, years + 1))]
    for col, value in enumerate(values, start=1):
        letter = xl_col_to_name(col)
        f(ws, total, col, f"=SUM({letter}{first + 1}:INDEX({letter}:{letter},ROW()-1))", value, s.money_total)
    pays_letter = xl_col_to_name(pays_col)
    f(ws, total, pays_col, f"=SUM({pays_letter}{first + 1}:INDEX({pays_letter}:{pays_letter},ROW()-1))", pays_total,
      s.money_total)
    t(ws, total + 1, 0, "Reconciles with the Budget total price")
    f(ws, total + 1, 4, f'=IF(ROUND(E{total + 1}-TotalPrice,2)=0,"yes","NO: a Budget heading is not listed here")', "yes")
    indirect = fraction(c.funder.indirect_percent)
    indirect_share = c.share.percent("indirect") / 100 if c.share is not None else Decimal(0)
    t(ws, total + 3, 0, "Flat indirect rate the funder adds on its base")
    f(ws, total + 3, 4, "=FunderIndirect", indirect, ctx.percent(indirect, shaded=False))
    base = "+".join(f"(B{r}-C{r})" for r in base_rows) or "0"  # charged amounts: never VAT
    t(ws, total + 4, 0, "Indirect costs the funder adds")
    f(ws, total + 4, 4, f"=ROUND(({base})*FunderIndirect,2)", totals.indirect, s.money)
    t(ws, total + 5, 0, "Share of indirect costs paid")
    book.number(ws, total + 5, 4, indirect_share, ctx.percent(indirect_share, shaded=False))
    t(ws, total + 6, 0, "Funder contribution", s.label)
    f(ws, total + 6, 4, f"=ROUND({pays_letter}{total + 1}+ROUND(E{total + 5}*E{total + 6},2),2)",
      totals.funder_contribution, s.money_total)
    book.name("FunderContribution", cell_range(FUNDER, total + 6, 4))
    t(ws, total + 7, 0, "Remainder: price the funder does not pay")
    f(ws, total + 7, 4, "=TotalPrice-FunderContribution", totals.remainder, s.money)
    book.print_setup(ws, total + 7, repeat=(header, header))


def vat_counts(costing: Costing) -> bool:
    """Whether the funder's rules count the VAT on the lines (as the engine's funder_contribution does),
    with the applicant's VAT recovery as the costing read it from the rate tables."""
    from ...pricing.policy import counts_vat

    return counts_vat(costing.funder, recovers_vat=costing.recovers_vat)
