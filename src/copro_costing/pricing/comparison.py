"""Scenarios side by side: the same work internal vs external, under different funders,
with and without a waived service.

``compare(a, b, ...)`` returns a Comparison: one row per figure (value, waived, VAT,
price, funder contribution, each project year), one column per costing, and the
difference of each scenario from the first. It shows itself in Jupyter and converts to
a DataFrame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..money import ZERO, format_money
from .costing import Costing
from .spec import Spec


@dataclass(frozen=True, repr=False)
class Comparison:
    labels: tuple[str, ...]
    costings: tuple[Costing, ...]

    @property
    def rows(self) -> list[tuple[str, tuple[Decimal, ...]]]:
        """(figure, one value per costing); years a costing does not have count as zero."""
        totals = [c.totals for c in self.costings]
        rows: list[tuple[str, tuple[Decimal, ...]]] = [
            ("Value (full rates)", tuple(t.value for t in totals)),
            ("Waived (given free)", tuple(t.waived for t in totals)),
            ("VAT", tuple(t.vat for t in totals)),
            ("Price (the bid asks for)", tuple(t.price for t in totals)),
            ("Requested only if there is budget", tuple(t.requested for t in totals)),
            ("Cost to the university (full economic cost)", tuple(t.cost for t in totals)),
            ("Surplus (deficit if negative)", tuple(t.surplus for t in totals)),
            ("Funder contribution", tuple(t.funder_contribution for t in totals)),
            ("Remainder (not paid by the funder)", tuple(t.remainder for t in totals)),
        ]
        for year in range(1, max(c.years for c in self.costings) + 1):
            rows.append((f"Year {year} price", tuple(t.by_year.get(year, ZERO) for t in totals)))
        return rows

    def table(self, locale: str = "en_GB") -> tuple[list[str], list[list[str]]]:
        """Header and formatted rows, with a difference column for each later scenario."""
        first = self.labels[0]
        header = ["", *self.labels, *(f"{label} - {first}" for label in self.labels[1:])]
        body = []
        for name, values in self.rows:
            diffs = [v - values[0] for v in values[1:]]
            currency = self.costings[0].currency
            body.append([name, *(format_money(v, locale, currency) for v in values),
                         *(_signed(d, locale, currency) for d in diffs)])
        return header, body

    def __str__(self) -> str:
        from ..ratebook.view import text_table

        header, body = self.table()
        return "\n".join(text_table([header, *body], right=range(1, len(header))))

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from ..notebook import html_table

        header, body = self.table()
        return html_table(header, body)

    def _repr_markdown_(self) -> str:
        header, body = self.table()
        out = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(out)

    def to_dataframe(self) -> Any:
        """Figures as rows, scenarios as columns, exact Decimals (needs the notebook extra)."""
        from ..notebook import require

        pd = require("pandas")
        return pd.DataFrame(
            {label: [values[i] for _, values in self.rows] for i, label in enumerate(self.labels)},
            index=[name for name, _ in self.rows],
        )


def _signed(value: Decimal, locale: str, currency: str = "GBP") -> str:
    text = format_money(abs(value), locale, currency)
    return f"+{text}" if value > 0 else (f"-{text}" if value < 0 else text)


def compare(*costings: Costing, labels: Sequence[str] | None = None) -> Comparison:
    """Compare costings side by side; labels default to client and funder of each."""
    if len(costings) < 2:
        raise ValueError("compare needs at least two costings")
    for n, c in enumerate(costings, start=1):
        if not isinstance(c, Costing):
            hint = ": estimate() it first" if isinstance(c, Spec) else ""
            raise TypeError(f"compare: argument {n} is a {type(c).__name__}, not a Costing{hint}")
    if len({c.currency for c in costings}) > 1:
        raise ValueError("compare costings in one currency: give each the same currency (and exchange rate)")
    if labels is None:
        labels = [f"{c.spec.project.client} / {c.funder.id}" for c in costings]
        if len(set(labels)) != len(labels):
            labels = [f"{i + 1}: {label}" for i, label in enumerate(labels)]
    if len(labels) != len(costings):
        raise ValueError(f"got {len(labels)} labels for {len(costings)} costings")
    return Comparison(labels=tuple(labels), costings=tuple(costings))
