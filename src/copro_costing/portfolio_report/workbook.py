"""The portfolio workbook (XlsxWriter): live formulas over the costings, with cached values.

Sheets: **Summary** (files left out first, then the headline figures beside a native
chart of income and value given free, by stage, by financial year, by client),
**Breakdown** (faculty, department, funder, service, and given free by department and
year), a sheet for each other currency's costings (**Costings in EUR**: their headline
figures over their rows, in that currency, never added to pounds), and the data the
pounds formulas add up: **Costings** (one row per costing, its own figures), **Financial
years** (each costing's figures spread over financial years) and **Services**; then
**Notes**. Every total is a formula (SUMPRODUCT over the data rows) stored with the value
the Report computed, so it shows in any viewer and follows edits in Excel. User text is
always written as text, never as a formula. Same input, same bytes.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_atomic
from .sections import DEFINITIONS, reported
from .workbook_currency import write_currency_sheet
from .workbook_data import print_setup, write_data_sheets
from .workbook_summary import write_breakdown, write_summary

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
        (_, main), *others = reported(p)  # pounds, unless every costing is in another currency
        fmt = _formats(wb, main.currency)
        summary = wb.add_worksheet("Summary")
        breakdown = wb.add_worksheet("Breakdown")
        elsewhere = {
            currency: write_currency_sheet(wb, report, {**fmt, **money_formats(wb, currency)})
            for currency, report in others
        }
        data = write_data_sheets(wb, main, fmt)
        write_summary(wb, summary, p, main, data, fmt, elsewhere)
        write_breakdown(breakdown, main, data, fmt)
        notes = wb.add_worksheet("Notes")
        notes.set_column(0, 0, 110)
        print_setup(notes)
        notes.write_string(0, 0, "How the figures are made", fmt["title"])
        for i, sentence in enumerate(DEFINITIONS.split(". ")):
            notes.write_string(2 + i, 0, sentence.rstrip(".") + ".", fmt["wrap"])
        wb.close()

    return write_atomic(path, write)


def money_formats(wb: Any, currency: str) -> dict[str, Any]:
    """Amounts in ``currency``: £1,234.50 for pounds, 1,234.50 EUR for another currency."""
    money = "£#,##0.00" if currency == "GBP" else f'#,##0.00 "{currency}"'
    return {
        "money": wb.add_format({"num_format": money}),
        "bold_money": wb.add_format({"num_format": money, "bold": True}),
    }


def _formats(wb: Any, currency: str) -> dict[str, Any]:
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "h": wb.add_format({"bold": True, "font_size": 12}),
        "head": wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DCE6F1", "text_wrap": True}),
        **money_formats(wb, currency),
        "int": wb.add_format({"num_format": "0"}),
        "num": wb.add_format({"num_format": "#,##0.##"}),
        "pct": wb.add_format({"num_format": "0%"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "bold": wb.add_format({"bold": True}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "problem": wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        "warn": wb.add_format({"bg_color": "#FFF3CD"}),
        "id": wb.add_format({"indent": 1}),  # an id after right-aligned figures
    }


__all__ = ["write_workbook"]
