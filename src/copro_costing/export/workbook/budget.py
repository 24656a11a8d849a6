"""The Budget sheet: one row per priced line, with live formulas, and room for more.

Every derived figure is a formula repeating the engine's arithmetic (amount =
``ROUND(quantity × unit price, 2)``, VAT rounded per line, price = amount − waived +
VAT), each cell caching the engine's own figure. Below the lines, :data:`SPARE_ROWS`
empty rows carry the same formulas, so a line typed there is priced and counted; the
totals add up from row 2 to the row just above the Total (``INDEX(…, ROW()-1)``), so a
row inserted anywhere above the Total is counted too. What cannot be counted (a figure
typed below the Total, a quantity with no amount formula) turns the defined name
``Reconciled`` FALSE, and the Summary says so.
"""

from __future__ import annotations

from decimal import Decimal

from xlsxwriter.format import Format

from ...pricing.costing import Line
from .book import (
    HEADER_FILL,
    INPUT_FILL,
    Runs,
    cached_row_height,
    cell_range,
    clean,
    row_height,
    set_height,
    sheet_ref,
)
from .layout import (
    B_AMOUNT,
    B_CHARGE,
    B_KIND,
    B_PRICE,
    B_QTY,
    B_TOTAL,
    B_VAT,
    B_WAIVED,
    BUDGET,
    BUDGET_COLUMNS,
    BUDGET_FIRST_ROW,
    BUDGET_INPUTS,
    CHARGES,
    COPRODUCER_CHARGES,
    COPRODUCERS,
    KIND_WORDS,
    RECONCILED,
    TOTAL_NAMES,
    WAIVED,
)
from .styles import Context

_HEADER = {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1}
NUMBER_COLUMNS = {"Year", "Quantity", "Unit price", "Amount", "Waived", "VAT", "Price"}
WRAPPED = (1, 3, 11, 12)  # Description, Unit, Funder heading, Note
BUDGET_NAMES = (
    ("BudgetKind", B_KIND), ("BudgetYear", "C"), ("BudgetQuantity", B_QTY), ("BudgetAmount", B_AMOUNT),
    ("BudgetCharge", B_CHARGE), ("BudgetWaived", B_WAIVED), ("BudgetVAT", B_VAT), ("BudgetPrice", B_TOTAL),
    ("BudgetHeading", "L"),
)
NOTES = (
    "Charge: charged and requested lines are in the price; free and waived lines are shown at full value and "
    "given free. Columns with a shaded heading are inputs: edit them and every total follows.",
    "Add a line in an empty row above the Total, or insert a row above the Total: it is counted in every total. "
    "A figure typed below the Total is not, and the Summary then shows that the Budget does not reconcile.",
    "VAT is the VAT rate on the Summary sheet (VATRate) times the charged amount, rounded per line, on "
    "standard-rated lines; exempt and outside-the-scope lines carry none (the note says why). "
    "Co-producer lines take their quantity and unit price from the Co-producer payments sheet: edit them there.",
)


def kind_word(kind: str) -> str:
    return KIND_WORDS.get(kind, kind)


def column_name(col: str, total_row: int) -> str:
    """A Budget column from the first line to the row just above the Total, however many rows are inserted."""
    return f"={BUDGET}!${col}${BUDGET_FIRST_ROW}:INDEX({BUDGET}!${col}:${col},ROW({BUDGET}!${col}${total_row})-1)"


def vat_formula(line: Line, costing_percent: Decimal, r: int) -> str:
    """VAT on one Budget row: VATRate on standard-rated lines (or the rate of the line's year), else none."""
    if line.vat_treatment == "exempt":
        return "=0"  # the note says why; outside-the-scope and internal costings have a VATRate of 0
    rate = "VATRate" if line.vat_percent == costing_percent else format(line.vat_percent / 100, "f")
    return f"=ROUND(({B_AMOUNT}{r}-{B_WAIVED}{r})*{rate},2)"


def write_budget(ctx: Context) -> None:
    book, c, plan, s = ctx.book, ctx.costing, ctx.plan, ctx.styles
    ws = ctx.sheets[BUDGET]
    widths = [w for _, w in BUDGET_COLUMNS]
    t, f = book.text, book.formula
    waived_if = ",".join(f'{B_CHARGE}{{r}}="{charge}"' for charge in WAIVED)  # a template: {r} is the row
    coproducers = sheet_ref(COPRODUCERS)
    set_height(ws, 0, row_height((h, w - 1) for h, w in BUDGET_COLUMNS))
    for col, (heading, _) in enumerate(BUDGET_COLUMNS):
        numeric = heading in NUMBER_COLUMNS
        if heading in ("Unit", "Charge", "Funder heading"):
            fill = INPUT_FILL if heading in BUDGET_INPUTS else HEADER_FILL
            t(ws, 0, col, heading, book.fmt(**_HEADER, bg_color=fill, indent=1))
            continue
        if heading in BUDGET_INPUTS:
            fmt = s.input_header_number if numeric else s.input_header
        else:
            fmt = s.header_number if numeric else s.header
        t(ws, 0, col, heading, fmt)

    coproducer_runs, other_runs = Runs(), Runs()
    # The per-line loop runs once a line for thousands of lines: XlsxWriter's own writers,
    # bound once, and each formula's text made from a template.
    string, num, formula, blank = ws.write_string, ws.write_number, ws.write_formula, ws.write_blank

    def text(x: int, col: int, value: str, fmt: Format) -> None:  # Book.text: never a formula
        value = clean(value)
        if value:
            string(x, col, value, fmt)
        else:
            blank(x, col, None, fmt)

    amount_f = f"=ROUND({B_QTY}{{r}}*{B_PRICE}{{r}},2)"
    waived_f = f"=IF(OR({waived_if}),{B_AMOUNT}{{r}},0)"
    price_f = f"={B_AMOUNT}{{r}}-{B_WAIVED}{{r}}+{B_VAT}{{r}}"
    height = cached_row_height()
    w_desc, w_unit, w_heading, w_note = widths[1], widths[3], widths[11], widths[12]
    linked = plan.linked
    line: Line
    for i, line in enumerate(plan.lines):
        x = i + 1  # 0-based row
        r = x + 1  # as formulas write it
        (coproducer_runs if line.kind == "involvement" else other_runs).add(x)
        desc, unit, heading, note = line.description, line.unit, line.heading, line.note
        if len(desc) >= w_desc - 1 or len(unit) >= w_unit - 1 or len(heading) >= w_heading - 1 or len(note) >= w_note - 1:
            set_height(ws, x, height(((desc, w_desc), (unit, w_unit), (heading, w_heading), (note, w_note))))
        text(x, 0, kind_word(line.kind), s.quantity)
        text(x, 1, desc, s.wrap)
        num(x, 2, line.year, s.quantity)
        text(x, 3, unit, s.indented_wrap)
        k = linked[i]
        quantity, unit_price = float(line.quantity), float(line.unit_price)  # Decimals, as cells store them
        if k:  # people x sessions, and the payment per person, from the other sheet
            formula(x, 4, f"={coproducers}!C{abs(k)}*{coproducers}!D{abs(k)}", s.quantity, quantity)
        else:
            num(x, 4, quantity, s.quantity)
        if k > 0:
            formula(x, 5, f"={coproducers}!H{k}", s.money, unit_price)
        else:
            num(x, 5, unit_price, s.money)
        amount, waived, vat = line.amount, line.waived, line.vat
        formula(x, 6, amount_f.format(r=r), s.money, float(amount))
        text(x, 7, line.charge, s.indented)
        formula(x, 8, waived_f.format(r=r), s.money, float(waived))
        formula(x, 9, vat_formula(line, c.vat_percent, r), s.money, float(vat))
        formula(x, 10, price_f.format(r=r), s.money, float(amount - waived + vat))
        text(x, 11, heading, s.indented_wrap)
        text(x, 12, note, s.wrap)

    spare = [row - 1 for row in plan.budget_spare_rows]
    for x in spare:
        r = x + 1
        for col in (0, 1, 2, 3):
            ws.write_blank(x, col, None, book.plain)
        ws.write_blank(x, 4, None, s.input)
        ws.write_blank(x, 5, None, s.input_money)
        f(ws, x, 6, f"=ROUND({B_QTY}{r}*{B_PRICE}{r},2)", 0, s.money_spare)
        ws.write_blank(x, 7, None, s.input)
        f(ws, x, 8, waived_f.format(r=r), 0, s.money_spare)
        f(ws, x, 9, f"=ROUND(({B_AMOUNT}{r}-{B_WAIVED}{r})*VATRate,2)", 0, s.money_spare)
        f(ws, x, 10, f"={B_AMOUNT}{r}-{B_WAIVED}{r}+{B_VAT}{r}", 0, s.money_spare)

    totals = c.totals
    total = plan.budget_total_row - 1
    t(ws, total, 0, "Total", s.total)
    for col in range(1, len(BUDGET_COLUMNS)):
        ws.write_blank(total, col, None, s.total)
    for col, name, value in zip((6, 8, 9, 10), TOTAL_NAMES[:4], (totals.value, totals.waived, totals.vat, totals.price),
                                strict=True):
        letter = "GIJK"[(6, 8, 9, 10).index(col)]
        f(ws, total, col, f"=SUM({letter}{BUDGET_FIRST_ROW}:INDEX({letter}:{letter},ROW()-1))", value, s.money_total)
        book.name(name, cell_range(BUDGET, total, col))
    for name, column in BUDGET_NAMES:
        book.name(name, column_name(column, plan.budget_total_row))

    check = total + 1
    t(ws, check, 0, "Every priced line is in the totals", s.label)
    f(ws, check, 1, (
        f"=AND(COUNT({BUDGET}!${B_QTY}:${B_QTY})=COUNT(BudgetQuantity),"
        f"COUNT({BUDGET}!${B_AMOUNT}:${B_AMOUNT})=COUNT(BudgetAmount)+1,"
        f"COUNT({BUDGET}!${B_TOTAL}:${B_TOTAL})=COUNT(BudgetPrice)+1,"
        "SUMPRODUCT(ISNUMBER(BudgetQuantity)*NOT(ISNUMBER(BudgetAmount)))=0,"
        "SUMPRODUCT(ISNUMBER(BudgetAmount)*NOT(ISNUMBER(BudgetPrice)))=0)"
    ), True, s.boolean)
    book.name(RECONCILED, cell_range(BUDGET, check, 1))
    ws.conditional_format(check, 1, check, 1, {"type": "cell", "criteria": "==", "value": "FALSE", "format": s.bad})
    note_width = sum(widths)
    for k, note in enumerate(NOTES):
        x = check + 2 + k
        set_height(ws, x, row_height([(note, note_width * 0.9)]))
        ws.merge_range(x, 0, x, len(BUDGET_COLUMNS) - 1, "", s.wrap)
        t(ws, x, 0, note, s.wrap)
    last = check + 1 + len(NOTES)

    rule = {"validate": "list"}
    book.validate(ws, 7, coproducer_runs, source=list(COPRODUCER_CHARGES), **rule,
                  error="Co-producers are always paid: a co-producer line is always charged.")
    others = other_runs
    for x in spare:
        others.add(x)
    book.validate(ws, 7, others, source=list(CHARGES), **rule, error="Charge is one of: " + ", ".join(CHARGES))
    # Quantities and unit prices typed on other lines follow the costing file's rules.
    book.validate(ws, 4, others, validate="decimal", criteria=">", value=0,
                  error="A quantity is greater than zero: remove the line instead of typing 0.")
    book.validate(ws, 5, others, validate="decimal", criteria=">=", value=0, error="A unit price cannot be negative.")
    ws.autofilter(0, 0, max(plan.budget_last_line - 1, 1), len(BUDGET_COLUMNS) - 1)
    book.print_setup(ws, last, repeat=(0, 0), landscape=True)
