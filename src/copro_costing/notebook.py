"""Jupyter views of a Costing: HTML, a pandas DataFrame and a matplotlib chart.

pandas and matplotlib are optional (``pip install "copro-costing[notebook]"``); they are
imported only when asked for, with a clear message naming the extra when missing.
Every figure shown comes from the Costing; HTML escapes all user text.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any

from .money import format_money, plain_number
from .pricing.costing import sum_money
from .pricing.policy import WAIVED_CHARGES

if TYPE_CHECKING:
    from .pricing.costing import Costing

EXTRA = "notebook"

KIND_LABELS = {
    "service": "Unit services",
    "involvement": "Co-producer payments",
    "involvement_expenses": "Co-producer expenses",
    "expense": "Other expenses",
}
"""Labels for each category of line, in the order charts stack them."""

_STYLE = (
    "<style>.copro td,.copro th{padding:2px 8px}.copro .num{text-align:right;font-variant-numeric:tabular-nums}"
    ".copro .waived{color:#666}.copro .warn{background:#fff3cd;padding:4px 8px;border:1px solid #e0c36b}</style>"
)


def require(module: str) -> Any:
    """Import an optional dependency or explain which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{module} is needed for this: install the notebook extra, "
            f'pip install "copro-costing[{EXTRA}]"'
        ) from None


def _m(value: Decimal, locale: str, currency: str = "GBP") -> str:
    return escape(format_money(value, locale, currency))


def costing_html(costing: Costing, locale: str = "en_GB") -> str:
    """An HTML table of the lines by year, then the totals."""
    from .export.text import finance_rows, who_and_rates

    p = costing.spec.project
    t = costing.totals
    cur = costing.currency
    out = [_STYLE, '<div class="copro">']
    out.append(f"<h3>{escape(p.title)}</h3>")
    who = escape(p.client) + (f" client, {escape(p.organisation)}" if p.organisation else " client")
    out.append(
        f"<p>{who}; {escape(costing.funder.name)}; {p.months} months from {p.start.isoformat()}. "
        f"Rates in force on {costing.stamp.priced_on.isoformat()} "
        f"(sha256 <code>{costing.stamp.sha256[:16]}</code>…).</p>"
    )
    out += [f"<p>{escape(line)}</p>" for line in who_and_rates(costing)]
    if costing.illustrative:
        out.append('<p class="warn">Contains illustrative rates: confirm with finance before submitting.</p>')
    out.append("<table><thead><tr><th>Year</th><th>Description</th><th>Quantity</th><th>Unit price</th>"
               "<th>Amount</th><th>Charge</th><th>Heading</th></tr></thead><tbody>")
    for year in range(1, costing.years + 1):
        for line in (ln for ln in costing.lines if ln.year == year):
            cls = ' class="waived"' if line.charge in WAIVED_CHARGES else ""
            out.append(
                f"<tr{cls}><td>{line.year}</td><td>{escape(line.description)}</td>"
                f'<td class="num">{escape(plain_number(line.quantity))} {escape(line.unit)}</td>'
                f'<td class="num">{_m(line.unit_price, locale, cur)}</td><td class="num">{_m(line.amount, locale, cur)}</td>'
                f"<td>{escape(line.charge)}</td><td>{escape(line.heading)}</td></tr>"
            )
        out.append(
            f'<tr><th></th><th>Year {year} price</th><th></th><th></th>'
            f'<th class="num">{_m(t.by_year[year], locale, cur)}</th><th></th><th></th></tr>'
        )
    out.append("</tbody></table><table><tbody>")
    for label, amount in finance_rows(costing):
        out.append(f'<tr><th>{escape(label.strip())}</th><td class="num">{_m(amount, locale, cur)}</td></tr>')
    out.append("</tbody></table></div>")
    return "".join(out)


def costing_dataframe(costing: Costing) -> Any:
    """One row per line; money columns hold exact Decimals."""
    pd = require("pandas")
    rows = [
        {
            "year": line.year, "kind": line.kind, "cost_type": line.cost_type, "category": line.category,
            "description": line.description, "quantity": line.quantity, "unit": line.unit,
            "unit_price": line.unit_price, "amount": line.amount, "charge": line.charge,
            "waived": line.waived, "vat": line.vat, "price": line.price, "cost": line.cost,
            "surplus": line.surplus, "heading": line.heading, "note": line.note,
        }
        for line in costing.lines
    ]
    return pd.DataFrame(rows, columns=[
        "year", "kind", "cost_type", "description", "quantity", "unit", "unit_price", "amount",
        "charge", "waived", "vat", "price", "cost", "surplus", "heading", "category", "note",
    ])


def price_by_year_and_kind(costing: Costing) -> dict[str, list[Decimal]]:
    """Price (charged + VAT) per project year for each category of line."""
    out = {}
    for category in KIND_LABELS:
        out[category] = [
            sum_money(ln.price for ln in costing.lines if ln.year == year and ln.cost_type == category)
            for year in range(1, costing.years + 1)
        ]
    return out


def plot_costing(costing: Costing, ax: Any = None) -> Any:
    """Stacked bars of price by project year and kind of line; returns the Axes.

    Amounts become floats only here, for drawing; every figure printed comes from Decimals.
    """
    require("matplotlib")
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    years = list(range(1, costing.years + 1))
    bottom = [0.0] * len(years)
    for category, values in price_by_year_and_kind(costing).items():
        heights = [float(v) for v in values]
        if any(heights):
            ax.bar(years, heights, bottom=bottom, label=KIND_LABELS[category])
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    for year, total in costing.totals.by_year.items():
        ax.annotate(format_money(total), (year, float(total)), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(years, [f"Year {y}" for y in years])
    ax.set_ylabel("Price (GBP)")
    ax.set_title(costing.spec.project.title)
    ax.legend(loc="upper right", fontsize=8)
    return ax


def html_table(header: Iterable[str], rows: Iterable[Iterable[str]], numeric_from: int = 1) -> str:
    """A small escaped HTML table; columns from ``numeric_from`` on are right-aligned."""
    out = [_STYLE, '<table class="copro"><thead><tr>']
    out += [f"<th>{escape(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = [
            f'<td class="num">{escape(c)}</td>' if i >= numeric_from else f"<th>{escape(c)}</th>"
            for i, c in enumerate(row)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)
