"""Text that must never become a formula (OWASP CSV-injection guidance).

A cell value starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is read
as a formula by spreadsheet programs. User text (titles, notes, activities) is stored
as plain text in xlsx and prefixed with a single quote in CSV; only the exporter's own
code writes formulas.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_safe(text: str) -> str:
    """Neutralise a CSV field that a spreadsheet would run as a formula."""
    return "'" + text if looks_like_formula(text) else text
