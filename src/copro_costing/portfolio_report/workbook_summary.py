"""The workbook's Summary and Breakdown sheets, and the tables a currency's sheet shares with them.

Every figure is a formula over a costings sheet (SUMPRODUCT with a test of its Stage
column) written with the value the Report computed, so it shows in any viewer and
follows edits in Excel. User text is always written as text, never as a formula.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_rowcol_to_cell

from ..pricing.status import DECIDED, PIPELINE, WON
from .reading import left_out_words
from .report import Group, Report
from .sections import LABELS, window_note
from .workbook_data import DataSheets, Sheet, print_setup, stage_in

if TYPE_CHECKING:
    from .core import Portfolio

CHART_COLUMN = 5
"""The chart sits right of the headline figures and the stage table, which fill columns A–D."""


def window(r: Report) -> str:
    """Where dates were asked for, the financial years a table shows (:func:`window_note`), after a colon."""
    note = window_note(r)
    return f": {note}" if note else ""


def sp(*parts: str) -> str:
    """A SUMPRODUCT formula of the arrays ``parts``."""
    return "=SUMPRODUCT(" + ",".join(parts) + ")"


def headline(r: Report, c: Sheet) -> list[tuple[str, str, Any, str]]:
    """The headline figures as (label, formula over the costings sheet ``c``, the Report's value, format)."""
    won, dec, pipe = stage_in(c, WON), stage_in(c, DECIDED), stage_in(c, PIPELINE)
    internal = f'--({c.col("client")}="internal")'
    return [
        (LABELS["costings"], f"=COUNTA({c.col('file')})", r.total.costings, "int"),
        (LABELS["awarded"], sp(won, c.col("price")), r.total.awarded, "bold_money"),
        (LABELS["pipeline"], sp(pipe, c.col("price")), r.total.pipeline, "bold_money"),
        (LABELS["given_free_internal"], sp(internal, won, c.col("given_free")), r.given_free_internal,
         "bold_money"),
        (LABELS["requested_internal"], sp(internal, won, c.col("requested")),
         r.requested_internal, "money"),
        (LABELS["coproducer_budgeted"], f"=SUM({c.col('coproducer')})", r.coproducer_budgeted, "money"),
        (LABELS["coproducer_awarded"], sp(won, c.col("coproducer")), r.coproducer_awarded, "money"),
        (LABELS["person_sessions_budgeted"], f"=SUM({c.col('person_sessions')})", r.person_sessions[0], "num"),
        (LABELS["person_sessions_awarded"], sp(won, c.col("person_sessions")), r.person_sessions[1], "num"),
        (LABELS["success_rate"], f'=IF(SUMPRODUCT({dec})=0,"",SUMPRODUCT({won})/SUMPRODUCT({dec}))',
         "" if r.total.decided == 0 else r.total.won / r.total.decided, "pct"),
    ]


def write_headline(ws: Any, row: int, r: Report, c: Sheet, fmt: dict) -> int:
    """The headline figures from ``row``, label in A and figure in B; returns the row after them."""
    for label, formula, value, style in headline(r, c):
        ws.write_string(row, 0, label, fmt["bold"])
        ws.write_formula(row, 1, formula, fmt[style], value)
        row += 1
    return row


def write_by_stage(ws: Any, row: int, r: Report, c: Sheet, fmt: dict) -> int:
    """Costings, price and co-producer payments by stage; returns the row after the table."""
    ws.write_string(row, 0, "By stage", fmt["h"])
    ws.write_row(row + 1, 0, ["Stage", "Costings", "Price", "Co-producer payments"], fmt["head"])
    for i, g in enumerate(r.by_stage):
        rr = row + 2 + i
        ws.write_string(rr, 0, g.name)
        match = f'--({c.col("stage")}=$A${rr + 1})'
        ws.write_formula(rr, 1, sp(match), fmt["int"], g.costings)
        ws.write_formula(rr, 2, sp(match, c.col("price")), fmt["money"], g.price)
        ws.write_formula(rr, 3, sp(match, c.col("coproducer")), fmt["money"], g.coproducer)
    return row + 2 + len(r.by_stage)


def _group_table(ws: Any, row: int, title: str, label: str, key: str, groups: list[Group], data: DataSheets,
                 fmt: dict, names: dict[str, str] | None = None, success: bool = False) -> int:
    """A breakdown by one Costings column: counts and sums as SUMPRODUCT formulas.

    With ``names`` (id → name), each row starts with the name people read and ends with the
    id, "<label> id", which its formulas look for in the Costings column.
    """
    c = data.costings
    ws.write_string(row, 0, title, fmt["h"])
    header = [label, "Costings", "Price", "Awarded", "Pipeline", "Given free", "Co-producer payments"]
    header += ["Success rate"] if success else []
    id_at = len(header)  # (with names: the id after the figures)
    header += [f"{label} id"] if names is not None else []
    ws.write_row(row + 1, 0, header, fmt["head"])
    for i, g in enumerate(groups):
        r = row + 2 + i
        if names is None:
            ws.write_string(r, 0, g.name)
            match = f"--({c.col(key)}=$A${r + 1})"
        else:
            ws.write_string(r, 0, names.get(g.name, g.name))
            ws.write_string(r, id_at, g.name, fmt["id"])
            match = f"--({c.col(key)}={xl_rowcol_to_cell(r, id_at, row_abs=True, col_abs=True)})"
        ws.write_formula(r, 1, sp(match), fmt["int"], g.costings)
        ws.write_formula(r, 2, sp(match, c.col("price")), fmt["money"], g.price)
        ws.write_formula(r, 3, sp(match, data.won, c.col("price")), fmt["money"], g.awarded)
        ws.write_formula(r, 4, sp(match, data.pipeline, c.col("price")), fmt["money"], g.pipeline)
        ws.write_formula(r, 5, sp(match, data.won, c.col("given_free")), fmt["money"], g.given_free)
        ws.write_formula(r, 6, sp(match, c.col("coproducer")), fmt["money"], g.coproducer)
        if success:
            won, decided = sp(match, data.won)[1:], sp(match, data.decided)[1:]
            cached = "" if g.decided == 0 else g.won / g.decided
            ws.write_formula(r, 7, f'=IF({decided}=0,"",{won}/{decided})', fmt["pct"], cached)
    return row + 3 + len(groups)


def write_summary(wb: Any, ws: Any, p: Portfolio, r: Report, data: DataSheets, fmt: dict,
                  elsewhere: dict[str, str]) -> None:
    """Files left out and warnings first, then the headline, stages, financial years (with the chart), clients.

    ``r`` is the report the Summary shows: in pounds, unless every costing is in another
    currency; ``elsewhere`` maps each other currency to the sheet its costings are on.
    """
    c, f = data.costings, data.years
    ws.set_column(0, 0, 44)
    ws.set_column(1, 8, 16)
    print_setup(ws)
    ws.write_string(0, 0, "The unit's portfolio", fmt["title"])
    row = 1
    if p.date_from or p.date_to:
        ws.write_string(row, 0, f"Projects running between {p.date_from or 'the start'} and {p.date_to or 'the end'}")
        row += 1
    if p.left_out:
        ws.write_string(row, 0, f"Left out, with problems: {left_out_words(p.left_out)} (fix them and run the report "
                        "again)", fmt["problem"])
        row += 1
        for item in p.left_out:
            for problem in item.problems:
                ws.write_string(row, 0, str(problem), fmt["problem"])
                row += 1
    for warning in p.warnings():
        ws.write_string(row, 0, f"Warning: {warning}", fmt["warn"])
        row += 1
    for currency, sheet in elsewhere.items():
        n = len(p.reports[currency].records)
        ws.write_url(row, 0, f"internal:'{sheet}'!A1", string=(
            f"{n} costing{'' if n == 1 else 's'} in {currency}: reported apart, in {currency}, on the sheet "
            f"'{sheet}' (never added to the figures in {r.currency} here)"))
        row += 1
    row += 1
    top = row  # the chart goes beside the headline figures, below whatever came before them
    row = write_headline(ws, row, r, c, fmt) + 1
    row = write_by_stage(ws, row, r, c, fmt) + 1
    won, pipe = data.won, data.pipeline
    ws.write_string(row, 0, "By financial year (1 August – 31 July)" + window(r), fmt["h"])
    ws.write_row(row + 1, 0, ["Financial year", "Awarded", "Pipeline", "Given free", "Co-producer payments awarded"],
                 fmt["head"])
    first = row + 2
    for i, fy in enumerate(r.financial_years):
        rr = first + i
        ws.write_string(rr, 0, fy.label)
        y = fy.fy
        ws.write_formula(rr, 1, sp(won, f.col(f"price:{y}")), fmt["money"], fy.awarded)
        ws.write_formula(rr, 2, sp(pipe, f.col(f"price:{y}")), fmt["money"], fy.pipeline)
        ws.write_formula(rr, 3, sp(won, f.col(f"given_free:{y}")), fmt["money"], fy.given_free)
        ws.write_formula(rr, 4, sp(won, f.col(f"coproducer:{y}")), fmt["money"], fy.coproducer_awarded)
    last = first + max(len(r.financial_years), 1) - 1
    chart = wb.add_chart({"type": "column"})
    for col, name, colour in ((1, "Awarded income", "#1F5F8B"), (3, "Given free", "#C8702A")):
        chart.add_series({"name": name, "categories": ["Summary", first, 0, last, 0],
                          "values": ["Summary", first, col, last, col], "fill": {"color": colour}})
    chart.set_title({"name": "Income and value given free, by financial year"})
    chart.set_y_axis({"num_format": "£#,##0" if r.currency == "GBP" else f'#,##0 "{r.currency}"'})
    chart.set_legend({"position": "bottom"})
    ws.insert_chart(top, CHART_COLUMN, chart, {"x_scale": 1.3, "y_scale": 1.1})
    row = last + 3
    _group_table(ws, row, "By client", "Client", "client", r.by_client, data, fmt, success=True)


def write_breakdown(ws: Any, r: Report, data: DataSheets, fmt: dict) -> None:
    """Faculty, department, funder, service, and value given free by department and financial year."""
    names = [*(g.name for g in (*r.by_faculty, *r.by_department)), *r.given_free_by_department,
             *(r.funder_names.get(g.name, g.name) for g in r.by_funder), *(sg.name for sg in r.by_service)]
    widest = max((len(name) for name in names), default=0)
    ws.set_column(0, 0, min(max(widest, 38) + 2, 60))  # what each row is, in full
    ws.set_column(1, max(8, len(r.financial_years) + 1), 15)  # the figures (a year each, and its total)
    print_setup(ws)
    row = _group_table(ws, 0, "By faculty", "Faculty", "faculty", r.by_faculty, data, fmt)
    row = _group_table(ws, row, "By department", "Department", "department", r.by_department, data, fmt)
    row = _group_table(ws, row, "By funder", "Funder", "funder", r.by_funder, data, fmt, names=r.funder_names,
                       success=True)
    s = data.services
    ws.write_string(row, 0, "By service", fmt["h"])
    # value, waived and price at every stage (value − waived + VAT = price); given free: waived when won
    ws.write_row(row + 1, 0, ["Service", "Costings", "Value", "Waived", "Price", "Given free", "Service id"],
                 fmt["head"])
    for i, sg in enumerate(r.by_service):
        rr = row + 2 + i
        sid = sg.service
        ws.write_string(rr, 0, sg.name)
        ws.write_formula(rr, 1, sp(f'--({s.col(f"value:{sid}")}>0)'), fmt["int"], sg.costings)
        ws.write_formula(rr, 2, f'=SUM({s.col(f"value:{sid}")})', fmt["money"], sg.value)
        ws.write_formula(rr, 3, f'=SUM({s.col(f"given_free:{sid}")})', fmt["money"], sg.waived)
        ws.write_formula(rr, 4, f'=SUM({s.col(f"price:{sid}")})', fmt["money"], sg.price)
        ws.write_formula(rr, 5, sp(data.won, s.col(f"given_free:{sid}")), fmt["money"], sg.given_free)
        ws.write_string(rr, 6, sid, fmt["id"])
    row += 3 + len(r.by_service)
    c, f = data.costings, data.years
    years = r.financial_years
    ws.write_string(row, 0, "Given free to internal clients, by department and financial year" + window(r), fmt["h"])
    ws.write_row(row + 1, 0, ["Department", *(fy.label for fy in years), "Total"], fmt["head"])
    for i, (dept, values) in enumerate(r.given_free_by_department.items()):
        rr = row + 2 + i
        ws.write_string(rr, 0, dept)
        for j, fy in enumerate(years):
            formula = sp(f'--({c.col("department")}=$A${rr + 1})', f'--({c.col("client")}="internal")',
                         data.won, f.col(f"given_free:{fy.fy}"))
            ws.write_formula(rr, 1 + j, formula, fmt["money"], values[fy.fy])
        if years:  # the row's own financial years added up
            cells = f"{xl_rowcol_to_cell(rr, 1)}:{xl_rowcol_to_cell(rr, len(years))}"
            ws.write_formula(rr, 1 + len(years), f"=SUM({cells})", fmt["bold_money"],
                             r.given_free_by_department_total[dept])
