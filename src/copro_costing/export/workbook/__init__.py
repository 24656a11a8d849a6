"""The costing workbook: live Excel formulas a facilitator can edit, finance can check,
and anyone can read in a preview, written with XlsxWriter's public API.

Sheets: Summary, Budget, Co-producer payments, Funder view, Justification, Rates, one
module each. Inputs (quantities, unit prices, the VAT rate, the funder's share) are
numbers; every derived figure is a formula over the Budget rows, so editing a quantity
in Excel moves every total, and every formula cell caches the engine's own figure as its
result, so viewers that do not recalculate (mail and phone previews, ``pandas.read_excel``,
openpyxl ``data_only=True``) show the figures too; Excel recalculates on open. The
formulas repeat the engine's arithmetic: each line rounded once with ROUND (halves away
from zero, as ROUND_HALF_UP for these non-negative amounts), except what co-producers are
paid per person per session, rounded up with ROUNDUP as the engine pays; VAT rounded per line, totals
sums of rounded lines. LibreOffice checks them against the engine in the tests.

Nothing typed in is silently left out: the totals add up every row from the first line
to the row above the Total, including spare rows and rows inserted later; the defined
name ``Reconciled`` (shown on the Summary) turns FALSE when a figure sits outside them.

Safety: user text (titles, notes, activities, rate-table text) is always written as a
string, whatever it starts with; only this package writes formulas. Determinism: the
document date is the pricing date and XlsxWriter dates zip entries in 1980, so the same
costing always gives the same bytes. Writes are atomic. Rows are streamed
(``constant_memory``), so memory does not grow with the lines.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from ... import __version__
from ...pricing.costing import Costing
from .book import Book, clean, money_format, save_atomic
from .budget import write_budget
from .coproducers import write_coproducers
from .funder import write_funder_view
from .justification import WIDTH as JUSTIFICATION_WIDTH
from .justification import write_justification
from .layout import (
    BUDGET,
    BUDGET_COLUMNS,
    COPRODUCER_COLUMNS,
    COPRODUCER_HEADER_ROW,
    COPRODUCERS,
    FUNDER,
    ILLUSTRATIVE_BANNER,
    JUSTIFICATION,
    RATES,
    RECONCILED,
    SHEETS,
    SPARE_ROWS,
    SUMMARY,
    TOTAL_NAMES,
    plan,
)
from .rates import COLUMNS as RATES_COLUMNS
from .rates import write_rates
from .styles import Context, make_styles
from .summary import WIDTHS as SUMMARY_WIDTHS
from .summary import write_summary

__all__ = [
    "BUDGET", "COPRODUCERS", "FUNDER", "ILLUSTRATIVE_BANNER", "JUSTIFICATION", "RATES", "RECONCILED", "SHEETS",
    "SPARE_ROWS", "SUMMARY", "TOTAL_NAMES", "money_format", "workbook_bytes", "write_workbook",
]


def write_workbook(costing: Costing, path: Path | str, locale: str = "en_GB") -> Path:
    """Write ``costing`` as an xlsx workbook at ``path``, atomically; return the path."""
    return save_atomic(path, lambda tmp: _save(costing, locale, tmp))


def workbook_bytes(costing: Costing, locale: str = "en_GB") -> bytes:
    """The workbook's bytes: the same costing always gives the same bytes."""
    buffer = io.BytesIO()
    _save(costing, locale, buffer)
    return buffer.getvalue()


def _widths(costing: Costing) -> dict[str, Sequence[float]]:
    funder = [32, 12, 11, 11, 12] + [11] * costing.years + [10, 12]
    return {
        SUMMARY: list(SUMMARY_WIDTHS),
        BUDGET: [w for _, w in BUDGET_COLUMNS],
        COPRODUCERS: [w for _, w in COPRODUCER_COLUMNS],
        FUNDER: funder,
        JUSTIFICATION: [JUSTIFICATION_WIDTH],
        RATES: [w for _, w in RATES_COLUMNS],
    }


def _save(costing: Costing, locale: str, target: str | io.BytesIO) -> None:
    """Build the workbook and write it into ``target`` (a file name or a buffer)."""
    project = costing.spec.project
    book = Book(target, costing.stamp.priced_on)
    stamp = f"Rates in force on {costing.stamp.priced_on.isoformat()}, sha256 {costing.stamp.sha256[:12]}"
    if costing.illustrative:
        stamp += " (illustrative rates)"
    book.set_page_texts(project.title, project.reference, stamp)
    ctx = Context(book, costing, plan(costing), make_styles(book, costing.currency), locale)
    freeze = {BUDGET: (1, 0), COPRODUCERS: (COPRODUCER_HEADER_ROW, 0), FUNDER: (5, 1), RATES: (1, 0)}
    for title, widths in _widths(costing).items():
        ctx.sheets[title] = book.sheet(title, widths, freeze=freeze.get(title))
    write_summary(ctx)
    write_budget(ctx)
    write_coproducers(ctx)
    write_funder_view(ctx)
    write_justification(ctx)
    write_rates(ctx)
    book.close({
        "title": clean(f"Co-production costing: {project.title}"),
        "subject": clean(f"Co-production costs for a research funding application ({costing.funder.name})"),
        "author": f"copro-costing {__version__}",
        "keywords": "co-production; public involvement; costing; research funding",
        "comments": f"Rates in force on {costing.stamp.priced_on.isoformat()}, sha256 {costing.stamp.sha256}",
    })
