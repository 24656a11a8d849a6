"""A sheet for the costings in one other currency: "Costings in EUR".

Amounts in different currencies are never added together, so the pounds sheets leave these
costings out. Their sheet holds their headline figures and figures by stage at the top,
each a live formula over the costings' rows below it (the same columns as Costings) with
the value the currency's Report computed, and money shown in that currency.
"""

from __future__ import annotations

from typing import Any

from .report import Report
from .workbook_data import (
    COSTING_COLUMNS,
    COSTING_KEYS,
    MONEY_KEYS,
    Sheet,
    column_widths,
    print_setup,
    write_costing_rows,
)
from .workbook_summary import headline, write_by_stage, write_headline

TOP = 3
"""The first headline row, after the sheet's title and what it holds."""


def currency_sheet_name(currency: str) -> str:
    return f"Costings in {currency}"


def write_currency_sheet(wb: Any, report: Report, fmt: dict) -> str:
    """Write the sheet of ``report`` (costings in one currency other than pounds); returns its name.

    ``fmt`` has the money formats of that currency.
    """
    name = currency_sheet_name(report.currency)
    ws = wb.add_worksheet(name)
    rows = len(report.records)
    # headline, a blank row, by stage (title, header, a row for each stage), a blank row, the rows' title
    header = TOP + len(headline(report, Sheet(name, COSTING_KEYS, rows))) + 1 + 2 + len(report.by_stage) + 2
    costings = Sheet(name, COSTING_KEYS, rows, header)
    money_wider = len(f" {report.currency}")  # each amount is followed by the currency
    column_widths(ws, tuple((k, t, w + money_wider if k in MONEY_KEYS else w) for k, t, w in COSTING_COLUMNS))
    ws.set_column(0, 0, 44)  # the headline's labels, above the files
    ws.set_column(2, 3, 16)  # the stage table's amounts, above the reference and the client
    print_setup(ws, header)
    ws.write_string(0, 0, name, fmt["title"])
    ws.write_string(1, 0, f"Amounts in {report.currency}: these costings are reported apart, never added to the "
                          "pounds on the other sheets. Every figure adds up the rows below.")
    row = write_headline(ws, TOP, report, costings, fmt) + 1
    row = write_by_stage(ws, row, report, costings, fmt) + 1
    ws.write_string(row, 0, f"The costings in {report.currency}", fmt["h"])
    ws.write_row(header, 0, [title for _, title, _ in COSTING_COLUMNS], fmt["head"])  # row + 1
    write_costing_rows(ws, report, header + 1, fmt)
    return name
