"""The portfolio workbook (XlsxWriter): live formulas over the costings, with cached values.

Sheets: **Summary** (files left out first, then the headline figures, by stage, by
financial year with a native chart of income and value given free, by client),
**Breakdown** (faculty, department, funder, service, and given free by department and
year), and the data the formulas add up: **Costings** (one row per costing, its own
figures), **Financial years** (each costing's figures spread over financial years) and
**Services**. Every total is a formula (SUMPRODUCT over the data sheets) stored with the
value the Report computed, so it shows in any viewer and follows edits in Excel.
User text is always written as text, never as a formula. Same input, same bytes.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_atomic
from .report import Report
from .sections import DEFINITIONS
from .workbook_data import COSTING_COLUMNS, DataSheets, write_data_sheets

if TYPE_CHECKING:
    from .core import Portfolio


def write_workbook(p: Portfolio, path: Path, locale: str = "en_GB") -> Path:
    """Write the workbook atomically; returns ``path``."""

    def write(tmp: Path) -> None:
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
        created = datetime.combine(p.as_of, time())
        wb.set_properties({"title": "The unit's portfolio", "author": "copro-costing", "created": created})
        fmt = _formats(wb, p.report.currency)
        summary = wb.add_worksheet("Summary")
        breakdown = wb.add_worksheet("Breakdown")
        data = write_data_sheets(wb, p.report, fmt)
        _summary(wb, summary, p, data, fmt)
        _breakdown(breakdown, p.report, data, fmt)
        notes = wb.add_worksheet("Notes")
        notes.set_column(0, 0, 110)
        notes.write_string(0, 0, "How the figures are made", fmt["title"])
        for i, sentence in enumerate(DEFINITIONS.split(". ")):
            notes.write_string(2 + i, 0, sentence.rstrip(".") + ".", fmt["wrap"])
        wb.close()

    return write_atomic(path, write)


def _formats(wb: Any, currency: str) -> dict[str, Any]:
    money = "£#,##0.00" if currency == "GBP" else f'#,##0.00 "{currency}"'
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "h": wb.add_format({"bold": True, "font_size": 12}),
        "head": wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DCE6F1", "text_wrap": True}),
        "money": wb.add_format({"num_format": money}),
        "bold_money": wb.add_format({"num_format": money, "bold": True}),
        "int": wb.add_format({"num_format": "0"}),
        "num": wb.add_format({"num_format": "#,##0.##"}),
        "pct": wb.add_format({"num_format": "0%"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "bold": wb.add_format({"bold": True}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "problem": wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        "warn": wb.add_format({"bg_color": "#FFF3CD"}),
    }


def _print_setup(ws: Any, header_row: int | None = None) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_footer("&L&A&RPage &P of &N")
    if header_row is not None:
        ws.repeat_rows(header_row)


def _sp(*parts: str) -> str:
    return "=SUMPRODUCT(" + ",".join(parts) + ")"


def _group_table(ws: Any, row: int, title: str, label: str, key: str, groups: list, data: DataSheets, fmt: dict,
                 names: dict[str, str] | None = None, success: bool = False) -> int:
    """A breakdown by one Costings column: counts and sums as SUMPRODUCT formulas."""
    c = data.costings
    ws.write_string(row, 0, title, fmt["h"])
    header = ["Name", "Costings", "Price", "Awarded", "Pipeline", "Given free", "Co-producer payments"]
    header += ["Success rate"] if success else []
    ws.write_row(row + 1, 0, header, fmt["head"])
    for i, g in enumerate(groups):
        r = row + 2 + i
        ws.write_string(r, 0, g.name)
        if names is not None:
            ws.write_string(r, 8 if success else 7, names.get(g.name, g.name))
        match = f"--({c.col(key)}=$A${r + 1})"
        ws.write_formula(r, 1, _sp(match), fmt["int"], g.costings)
        ws.write_formula(r, 2, _sp(match, c.col("price")), fmt["money"], g.price)
        ws.write_formula(r, 3, _sp(match, data.won, c.col("price")), fmt["money"], g.awarded)
        ws.write_formula(r, 4, _sp(match, data.pipeline, c.col("price")), fmt["money"], g.pipeline)
        ws.write_formula(r, 5, _sp(match, data.won, c.col("given_free")), fmt["money"], g.given_free)
        ws.write_formula(r, 6, _sp(match, c.col("coproducer")), fmt["money"], g.coproducer)
        if success:
            won, decided = _sp(match, data.won)[1:], _sp(match, data.decided)[1:]
            cached = "" if g.decided == 0 else g.won / g.decided
            ws.write_formula(r, 7, f'=IF({decided}=0,"",{won}/{decided})', fmt["pct"], cached)
    return row + 3 + len(groups)


def _summary(wb: Any, ws: Any, p: Portfolio, data: DataSheets, fmt: dict) -> None:
    r = p.report
    c, f = data.costings, data.years
    ws.set_column(0, 0, 44)
    ws.set_column(1, 8, 16)
    _print_setup(ws)
    ws.write_string(0, 0, "The unit's portfolio", fmt["title"])
    row = 1
    if p.date_from or p.date_to:
        ws.write_string(row, 0, f"Projects running between {p.date_from or 'the start'} and {p.date_to or 'the end'}")
        row += 1
    if p.left_out:
        ws.write_string(row, 0, f"Left out: {len(p.left_out)} file(s) with problems (fix them and run the report again)",
                        fmt["problem"])
        row += 1
        for item in p.left_out:
            for problem in item.problems:
                ws.write_string(row, 0, str(problem), fmt["problem"])
                row += 1
    for warning in p.warnings():
        ws.write_string(row, 0, f"Warning: {warning}", fmt["warn"])
        row += 1
    row += 1
    won, dec, pipe = data.won, data.decided, data.pipeline
    internal = f'--({c.col("client")}="internal")'
    lines = [
        ("Costings", f"=COUNTA({c.col('file')})", r.total.costings, "int"),
        ("Awarded income (awarded and delivered)", _sp(won, c.col("price")), r.total.awarded, "bold_money"),
        ("Pipeline (submitted, not decided)", _sp(pipe, c.col("price")), r.total.pipeline, "bold_money"),
        ("Given free to the university's own staff", _sp(internal, won, c.col("given_free")), r.given_free_internal,
         "bold_money"),
        ("Contributions requested from them (in the price)", _sp(internal, won, c.col("requested")),
         r.requested_internal, "money"),
        ("Co-producer payments budgeted", f"=SUM({c.col('coproducer')})", r.coproducer_budgeted, "money"),
        ("Co-producer payments awarded", _sp(won, c.col("coproducer")), r.coproducer_awarded, "money"),
        ("Co-producer person-sessions budgeted", f"=SUM({c.col('person_sessions')})", r.person_sessions[0], "num"),
        ("Co-producer person-sessions awarded", _sp(won, c.col("person_sessions")), r.person_sessions[1], "num"),
        ("Success rate (awarded ÷ decided)", f'=IF(SUMPRODUCT({dec})=0,"",SUMPRODUCT({won})/SUMPRODUCT({dec}))',
         "" if r.total.decided == 0 else r.total.won / r.total.decided, "pct"),
    ]
    for label, formula, value, style in lines:
        ws.write_string(row, 0, label, fmt["bold"])
        ws.write_formula(row, 1, formula, fmt[style], value)
        row += 1
    row += 1
    ws.write_string(row, 0, "By stage", fmt["h"])
    ws.write_row(row + 1, 0, ["Stage", "Costings", "Price", "Co-producer payments"], fmt["head"])
    for i, g in enumerate(r.by_stage):
        rr = row + 2 + i
        ws.write_string(rr, 0, g.name)
        match = f'--({c.col("stage")}=$A${rr + 1})'
        ws.write_formula(rr, 1, _sp(match), fmt["int"], g.costings)
        ws.write_formula(rr, 2, _sp(match, c.col("price")), fmt["money"], g.price)
        ws.write_formula(rr, 3, _sp(match, c.col("coproducer")), fmt["money"], g.coproducer)
    row += 3 + len(r.by_stage)
    ws.write_string(row, 0, "By financial year (1 August – 31 July)", fmt["h"])
    ws.write_row(row + 1, 0, ["Financial year", "Awarded", "Pipeline", "Given free", "Co-producer payments awarded"],
                 fmt["head"])
    first = row + 2
    for i, fy in enumerate(r.financial_years):
        rr = first + i
        ws.write_string(rr, 0, fy.label)
        y = fy.fy
        ws.write_formula(rr, 1, _sp(won, f.col(f"price:{y}")), fmt["money"], fy.awarded)
        ws.write_formula(rr, 2, _sp(pipe, f.col(f"price:{y}")), fmt["money"], fy.pipeline)
        ws.write_formula(rr, 3, _sp(won, f.col(f"given_free:{y}")), fmt["money"], fy.given_free)
        ws.write_formula(rr, 4, _sp(won, f.col(f"coproducer:{y}")), fmt["money"], fy.coproducer_awarded)
    last = first + max(len(r.financial_years), 1) - 1
    chart = wb.add_chart({"type": "column"})
    for col, name, colour in ((1, "Awarded income", "#1F5F8B"), (3, "Given free", "#C8702A")):
        chart.add_series({"name": name, "categories": ["Summary", first, 0, last, 0],
                          "values": ["Summary", first, col, last, col], "fill": {"color": colour}})
    chart.set_title({"name": "Income and value given free, by financial year"})
    chart.set_y_axis({"num_format": "£#,##0" if r.currency == "GBP" else "#,##0"})
    chart.set_legend({"position": "bottom"})
    ws.insert_chart(1, 5, chart, {"x_scale": 1.3, "y_scale": 1.1})
    row = last + 3
    _group_table(ws, row, "By client", "Client", "client", r.by_client, data, fmt, success=True)


def _breakdown(ws: Any, r: Report, data: DataSheets, fmt: dict) -> None:
    ws.set_column(0, 0, 40)
    ws.set_column(1, 9, 15)
    _print_setup(ws)
    row = _group_table(ws, 0, "By faculty", "Faculty", "faculty", r.by_faculty, data, fmt)
    row = _group_table(ws, row, "By department", "Department", "department", r.by_department, data, fmt)
    row = _group_table(ws, row, "By funder", "Funder", "funder", r.by_funder, data, fmt, names=r.funder_names,
                       success=True)
    s = data.services
    ws.write_string(row, 0, "By service", fmt["h"])
    ws.write_row(row + 1, 0, ["Service", "Costings", "Value", "Given free", "Price", "Name"], fmt["head"])
    for i, sg in enumerate(r.by_service):
        rr = row + 2 + i
        ws.write_string(rr, 0, sg.service)
        sid = sg.service
        ws.write_formula(rr, 1, _sp(f'--({s.col(f"value:{sid}")}>0)'), fmt["int"], sg.costings)
        ws.write_formula(rr, 2, f'=SUM({s.col(f"value:{sid}")})', fmt["money"], sg.value)
        ws.write_formula(rr, 3, _sp(data.won, s.col(f"given_free:{sid}")), fmt["money"], sg.given_free)
        ws.write_formula(rr, 4, f'=SUM({s.col(f"price:{sid}")})', fmt["money"], sg.price)
        ws.write_string(rr, 5, sg.name)
    row += 3 + len(r.by_service)
    f = data.years
    years = r.financial_years
    ws.write_string(row, 0, "Given free to internal clients, by department and financial year", fmt["h"])
    ws.write_row(row + 1, 0, ["Department", *(fy.label for fy in years)], fmt["head"])
    for i, (dept, values) in enumerate(r.given_free_by_department.items()):
        rr = row + 2 + i
        ws.write_string(rr, 0, dept)
        for j, fy in enumerate(years):
            c = data.costings
            formula = _sp(f'--({c.col("department")}=$A${rr + 1})', f'--({c.col("client")}="internal")',
                          data.won, f.col(f"given_free:{fy.fy}"))
            ws.write_formula(rr, 1 + j, formula, fmt["money"], values[fy.fy])


__all__ = ["COSTING_COLUMNS", "write_workbook"]
