"""Render a Costing in a named format to standard output or a file (atomically)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..atomic import write_text_atomic
from ..pricing.costing import Costing


def render(costing: Costing, fmt: str, output: Path | None = None, *, locale: str = "en_GB") -> None:
    """Write ``costing`` as ``fmt`` (text, json, csv, md, xlsx) to ``output`` or stdout."""
    if fmt == "xlsx":
        assert output is not None
        costing.to_excel(output, locale=locale)
        return
    if fmt == "json":
        text = costing.to_json()
    elif fmt == "csv":
        text = costing.to_csv()
    elif fmt == "md":
        text = costing.to_markdown(locale=locale)
    else:
        text = costing.to_text(locale=locale)
    if output is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(output, text)


def wrote_line(path: Path, costing: Costing, locale: str = "en_GB") -> str:
    """The one line printed after a file is written: what, the price, and whether illustrative rates were used."""
    from ..money import format_money

    price = format_money(costing.totals.price, locale, costing.currency)
    rates = "illustrative rates used: confirm with finance" if costing.illustrative else "no illustrative rates"
    return f"Wrote {path}: {len(costing.lines)} lines, price {price}; {rates}"
