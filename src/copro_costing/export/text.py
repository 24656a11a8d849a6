"""Text renderings for people: a terminal table, a Markdown summary, a justification.

Amounts are formatted by Babel (``en_GB`` by default). Nothing here computes a price:
every figure comes from the Costing's lines and totals.
"""

from __future__ import annotations

from decimal import Decimal

from ..money import format_money, plain_number
from ..pricing.costing import Costing
from .justify import justification

CHARGE_WORDS = {
    "charged": "charged",
    "free": "free (waived)",
    "requested": "requested contribution",
    "waived": "waived",
}


def _m(value: Decimal, locale: str) -> str:
    return format_money(value, locale)


def to_text(costing: Costing, locale: str = "en_GB") -> str:
    """A fixed-width table of lines and totals."""
    t = costing.totals
    project = costing.spec.project
    rows = [("Yr", "Description", "Qty", "Unit", "Unit price", "Amount", "Charge")]
    for line in costing.lines:
        rows.append((
            str(line.year), line.description, plain_number(line.quantity), line.unit,
            _m(line.unit_price, locale), _m(line.amount, locale), line.charge,
        ))
    widths = [min(max(len(r[i]) for r in rows), 60) for i in range(len(rows[0]))]
    right = {0, 2, 4, 5}
    out = [
        f"{project.title}",
        f"{project.client} client{', ' + project.organisation if project.organisation else ''}; "
        f"{costing.funder.name}; {project.months} months from {project.start.isoformat()}",
        f"Rates in force on {costing.stamp.priced_on.isoformat()} (sha256 {costing.stamp.sha256[:16]}...)",
        "",
    ]
    for n, row in enumerate(rows):
        cells = [
            (c[: widths[i]].rjust(widths[i]) if i in right else c[: widths[i]].ljust(widths[i]))
            for i, c in enumerate(row)
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("")
    summary = [
        ("Value (full rates)", t.value),
        ("Waived (given free)", t.waived),
        (f"VAT ({plain_number(costing.vat_percent)}%)" if costing.vat_applies else "VAT", t.vat),
        ("Price (the bid asks for)", t.price),
        ("Funder contribution", t.funder_contribution),
    ]
    label_width = max(len(label) for label, _ in summary)
    for label, amount in summary:
        out.append(f"{label.ljust(label_width)}  {_m(amount, locale):>14}")
    out.append("")
    out.append("By year: " + ", ".join(f"year {y} {_m(v, locale)}" for y, v in t.by_year.items()))
    if costing.illustrative:
        out.append("")
        out.append("WARNING: contains illustrative rates: confirm with finance before submitting.")
    return "\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(costing: Costing, locale: str = "en_GB") -> str:
    """A summary a researcher can paste into an email or a document."""
    t = costing.totals
    p = costing.spec.project
    out = [f"# Co-production costing: {_md_cell(p.title)}", ""]
    if costing.illustrative:
        out += ["> **Contains illustrative rates: confirm with finance before submitting.**", ""]
    out += [
        f"- **Client:** {p.client}" + (f" ({_md_cell(p.organisation)})" if p.organisation else ""),
        f"- **Funder:** {_md_cell(costing.funder.name)}",
        f"- **Project:** {p.months} months from {p.start.isoformat()} ({costing.years} year"
        f"{'s' if costing.years != 1 else ''})",
        f"- **Rates:** in force on {costing.stamp.priced_on.isoformat()} (sha256 `{costing.stamp.sha256}`)",
        "",
        "## Totals",
        "",
        "| | Amount |",
        "|---|---:|",
        f"| Value at full rates | {_m(t.value, locale)} |",
        f"| Waived (given free) | {_m(t.waived, locale)} |",
        f"| VAT | {_m(t.vat, locale)} |",
        f"| **Price: what the bid asks for** | **{_m(t.price, locale)}** |",
        f"| Funder contribution | {_m(t.funder_contribution, locale)} |",
        "",
        "## By project year",
        "",
        "| Year | Price |",
        "|---|---:|",
    ]
    out += [f"| {y} | {_m(v, locale)} |" for y, v in t.by_year.items()]
    out += ["", f"## Under {_md_cell(costing.funder.name)} headings", "", "| Heading | Price |", "|---|---:|"]
    out += [f"| {_md_cell(h)} | {_m(v, locale)} |" for h, v in t.by_heading.items() if v]
    out += [
        "",
        "## Lines",
        "",
        "| Year | Description | Quantity | Unit price | Amount | Charge |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for line in costing.lines:
        out.append(
            f"| {line.year} | {_md_cell(line.description)} | {plain_number(line.quantity)} {_md_cell(line.unit)} | "
            f"{_m(line.unit_price, locale)} | {_m(line.amount, locale)} | {CHARGE_WORDS[line.charge]} |"
        )
    out += ["", "## Justification", ""]
    out.append(justification(costing, locale))
    return "\n".join(out).rstrip() + "\n"
