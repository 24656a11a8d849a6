"""The Co-producer payments sheet: what co-producers are paid, for what, per activity and year.

Linked rows hold the inputs (people, sessions, hours, hourly rate) the Budget's
co-producer lines follow. Edits cannot break "co-producers are always paid": hourly
rates may not go below the co-producer rate in force for their year, and people,
sessions and hours follow the costing file's rules (data validations, error alerts on).
"""

from __future__ import annotations

from decimal import Decimal

from ...money import ZERO, format_money, round_payment
from ...ratebook.models import CoproducerRate
from .book import Runs, cached_row_height, row_height, set_height, sheet_ref
from .layout import (
    B_AMOUNT,
    B_PRICE,
    B_QTY,
    BUDGET,
    COPRODUCER_COLUMNS,
    COPRODUCER_HEADER_ROW,
    COPRODUCER_INPUTS,
    COPRODUCERS,
    coproducer_row,
)
from .styles import Context

TEXT_COLUMNS = {"Activity", "Note"}


def write_coproducers(ctx: Context) -> None:
    book, c, plan, s = ctx.book, ctx.costing, ctx.plan, ctx.styles
    ws = ctx.sheets[COPRODUCERS]
    widths = [w for _, w in COPRODUCER_COLUMNS]
    t, n, f = book.text, book.number, book.formula
    budget = sheet_ref(BUDGET)
    lines = c.lines
    t(ws, 0, 0, "Co-producer payments", s.title)
    rates = [row for table, row in c.rates_used if table == "coproducer_rate" and isinstance(row, CoproducerRate)]
    policy = "What co-producers will be paid, and for what. Co-producers are always paid"
    if rates:
        rate = rates[-1]
        policy += f", at least {format_money(rate.hourly_rate, ctx.locale)} per hour ({rate.source})"
    policy += "; preparation time is paid and expenses are reimbursed on top."
    set_height(ws, 1, row_height([(policy, sum(widths) * 0.9)]))
    ws.merge_range(1, 0, 1, len(widths) - 1, "", s.wrap)
    t(ws, 1, 0, policy, s.wrap)
    header = COPRODUCER_HEADER_ROW - 1
    set_height(ws, header, row_height((h, w - 1) for h, w in COPRODUCER_COLUMNS))
    for col, (heading, _) in enumerate(COPRODUCER_COLUMNS):
        inputs = heading in COPRODUCER_INPUTS
        numeric = heading not in TEXT_COLUMNS
        fmt = (s.input_header_number if numeric else s.input_header) if inputs else (
            s.header_number if numeric else s.header)
        t(ws, header, col, heading, fmt)
    first = COPRODUCER_HEADER_ROW + 1  # 1-based
    floors = c.coproducer_floors
    floor_rows: dict[Decimal, Runs] = {}
    linked_rows, session_rows = Runs(), Runs()
    payments_total = expenses_total = ZERO
    height = cached_row_height()

    for k, i in enumerate(plan.coproducer_lines):
        r = first + k
        x = r - 1
        row = coproducer_row(c, i, plan.included)
        assert row is not None
        pay = lines[row.pay_row - 2] if row.pay_row is not None else None
        expenses = lines[row.expense_row - 2] if row.expense_row is not None else None
        floor = floors.get(row.year)
        if row.hourly_rate is not None and floor is not None:
            if floor not in floor_rows:
                floor_rows[floor] = Runs()
            floor_rows[floor].add(x)
        texts = [(row.activity, widths[0]), (row.note, widths[12])]
        if any(len(text) >= width - 1 for text, width in texts):
            set_height(ws, x, height(texts))
        t(ws, x, 0, row.activity, s.wrap)
        n(ws, x, 1, row.year, s.quantity)
        if row.linked:
            linked_rows.add(x)
            if row.service_row:
                service = lines[row.service_row - 2]
                f(ws, x, 3, f"={budget}!{B_QTY}{row.service_row}", service.quantity, s.quantity)
            else:
                session_rows.add(x)
                n(ws, x, 3, row.sessions, s.quantity)
            n(ws, x, 2, row.people, s.quantity)
            n(ws, x, 4, row.hours, s.quantity)
            n(ws, x, 5, row.prep_hours, s.quantity)
            n(ws, x, 6, row.hourly_rate, s.money)
            assert row.hours is not None and row.prep_hours is not None and row.hourly_rate is not None
            per_session = pay.unit_price if pay is not None else round_payment((row.hours + row.prep_hours) * row.hourly_rate)
            # Paid: rounded UP to the penny, as the engine pays (the inner ROUND drops binary noise).
            f(ws, x, 7, f"=ROUNDUP(ROUND(G{r}*(E{r}+F{r}),4),2)", per_session, s.money)
        else:  # shown as the line carries it
            n(ws, x, 4, row.hours, s.quantity)
            n(ws, x, 6, row.hourly_rate, s.money)
            if row.hours is not None and pay is not None:
                f(ws, x, 7, f"={budget}!{B_PRICE}{row.pay_row}", pay.unit_price, s.money)
        payments = expenses_amount = ZERO
        if pay is not None:
            payments = pay.amount
            f(ws, x, 8, f"={budget}!{B_AMOUNT}{row.pay_row}", payments, s.money)
        if expenses is not None:
            expenses_amount = expenses.amount
            f(ws, x, 9, f"={budget}!{B_PRICE}{row.expense_row}", expenses.unit_price, s.money)
            f(ws, x, 10, f"={budget}!{B_AMOUNT}{row.expense_row}", expenses_amount, s.money)
        payments_total += payments
        expenses_total += expenses_amount
        f(ws, x, 11, f"=SUM(I{r},K{r})", payments + expenses_amount, s.money)
        t(ws, x, 12, row.note, s.wrap)
    last = max(first + len(plan.coproducer_lines) - 1, first)
    total = last + 1  # 1-based
    x = total - 1
    t(ws, x, 0, "Total", s.total)
    for col in range(1, len(widths)):
        ws.write_blank(x, col, None, s.total)
    for col, letter, value in ((8, "I", payments_total), (10, "K", expenses_total), (11, "L", payments_total + expenses_total)):
        f(ws, x, col, f"=SUM({letter}{first}:INDEX({letter}:{letter},ROW()-1))", value, s.money_total)
    involvement = payments_total + expenses_total
    t(ws, x + 2, 0, "Budget: co-producer payments and expenses")
    f(ws, x + 2, 11, '=SUMIF(BudgetKind,"Co-producers",BudgetAmount)', involvement, s.money)
    t(ws, x + 3, 0, "Reconciles with the Budget sheet")
    f(ws, x + 3, 11, f'=IF(ROUND(L{total}-L{total + 2},2)=0,"yes","NO: check the Budget sheet")', "yes")
    closing = (
        "Amounts are what co-producers receive; where VAT applies to the costing it is added on the Budget sheet. "
        "Payments can affect state benefits: offer co-producers independent benefits advice."
    )
    set_height(ws, x + 5, row_height([(closing, sum(widths) * 0.9)]))
    ws.merge_range(x + 5, 0, x + 5, len(widths) - 1, "", s.wrap)
    t(ws, x + 5, 0, closing, s.wrap)

    # The rules a costing file must follow, so an edit cannot leave co-producers unpaid.
    for col, runs, rule, what in (
        (2, linked_rows, ("integer", ">=", 1), "People is a whole number, at least 1."),
        (3, session_rows, ("integer", ">=", 1), "Sessions is a whole number, at least 1."),
        (4, linked_rows, ("decimal", ">", 0), "Co-producers are always paid: hours per session must be more than 0."),
        (5, linked_rows, ("decimal", ">=", 0), "Preparation hours cannot be negative."),
    ):
        book.validate(ws, col, runs, validate=rule[0], criteria=rule[1], value=rule[2], error=what)
    for floor, runs in sorted(floor_rows.items()):
        at_least = format_money(floor, ctx.locale)
        book.validate(ws, 6, runs, validate="decimal", criteria=">=", value=float(floor), error=(
            f"Co-producers are always paid at least {at_least} per hour: the co-producer rate in force for this year."
        ))
    book.print_setup(ws, x + 5, repeat=(header, header), landscape=True)
