"""The portfolio as pandas DataFrames (the ``notebook`` extra); money stays exact Decimals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..notebook import require
from .years import fy_label

if TYPE_CHECKING:
    from .core import Portfolio

TABLES = ("costings", "financial_years", "services")


def dataframe(p: Portfolio, table: str = "costings") -> Any:
    """One row per costing, per costing and financial year, or per costing and service; ``waived`` is
    each costing's own free and waived work, whatever its stage (the report's *given free* is the
    part of it in awarded and delivered costings)."""
    if table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)} (got {table!r})")
    pd = require("pandas")
    rows: list[dict[str, Any]] = []
    for r in p.records:
        grouped = p.reports[r.currency]  # department and faculty as its breakdowns group them
        base = {"file": r.file, "title": r.title, "client": r.client, "stage": r.stage, "funder": r.funder,
                "department": grouped.department(r), "faculty": grouped.faculty(r), "currency": r.currency}
        if table == "costings":
            rows.append({**base, "organisation": r.organisation, "submitted": r.submitted, "decided": r.decided,
                         "start": r.start, "months": r.months, "priced_on": r.priced_on, "value": r.value,
                         "waived": r.given_free, "vat": r.vat, "price": r.price,
                         "funder_contribution": r.funder_contribution, "requested": r.requested,
                         "coproducer_fees": r.coproducer_fees, "coproducer_expenses": r.coproducer_expenses,
                         "coproducer_payments": r.coproducer, "person_sessions": r.person_sessions})
        elif table == "financial_years":
            rows += [{**base, "financial_year": fy_label(y.fy), "price": y.price, "waived": y.given_free,
                      "coproducer_payments": y.coproducer} for y in r.years]
        else:
            rows += [{**base, "service": s.service, "name": s.name, "value": s.value, "waived": s.given_free,
                      "price": s.price} for s in r.services]
    return pd.DataFrame(rows)
