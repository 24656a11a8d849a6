"""CSV: one row per priced line, with exact money strings and injection-safe text."""

from __future__ import annotations

import csv
import io

from ..money import money_str, plain_number
from ..pricing.costing import Costing
from .safe import csv_safe

COLUMNS = (
    "year", "kind", "description", "quantity", "unit", "unit_price", "amount",
    "charge", "waived", "vat", "price", "heading", "note", "category", "cost", "surplus", "currency",
    "exchange_rate", "vat_treatment",
)
"""The columns, in order; columns added later go last, so programs reading by position keep working."""


def to_csv(costing: Costing) -> str:
    """The costing's lines as CSV text (UTF-8, ``\\r\\n`` line ends as RFC 4180 says)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in costing.lines:
        writer.writerow((
            line.year, line.kind, csv_safe(line.description), plain_number(line.quantity),
            csv_safe(line.unit), money_str(line.unit_price), money_str(line.amount), line.charge,
            money_str(line.waived), money_str(line.vat), money_str(line.price),
            csv_safe(line.heading), csv_safe(line.note), line.category, money_str(line.cost),
            money_str(line.surplus), costing.currency,
            plain_number(costing.exchange_rate) if costing.exchange_rate is not None else "", line.vat_treatment,
        ))
    return out.getvalue()
