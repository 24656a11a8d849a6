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


def _m(value: Decimal, locale: str, currency: str = "GBP") -> str:
    return format_money(value, locale, currency)


def finance_rows(costing: Costing) -> list[tuple[str, Decimal]]:
    """The headline figures as finance reads them, in order: what every text view shows."""
    t = costing.totals
    rows = [
        ("Value (full rates)", t.value),
        ("Waived (given free)", t.waived),
        (f"VAT ({plain_number(costing.vat_percent)}%)" if costing.vat_applies else "VAT", t.vat),
        *((f"  VAT on {treatment} lines", amount) for treatment, amount in t.vat_by_treatment.items()
          if len(t.vat_by_treatment) > 1),
        ("Price (the bid asks for)", t.price),
    ]
    if t.requested:
        rows += [("  of which requested only if there is budget", t.requested), ("  of which must be paid", t.must_pay)]
    rows.append(("Cost to the university (full economic cost)", t.cost))
    rows.append(("Surplus (deficit if negative)", t.surplus))
    if costing.funder.direct_commission:
        rows.append(("The client pays", t.price))
    else:
        if t.indirect:
            rows.append((f"Indirect costs the funder adds ({plain_number(costing.funder.indirect_percent)}% of its base)",
                         t.indirect))
        rows.append(("Funder contribution", t.funder_contribution))
        rows.append(("Not paid by the funder", t.remainder))
    return rows


def who_and_rates(costing: Costing) -> list[str]:
    """The lines that say who applies, in which currency, at which rate."""
    out = []
    if not costing.funder.direct_commission:
        out.append(f"Applicant: {costing.applicant}; the unit's time booked as {costing.unit_time}")
    if costing.exchange_rate is not None:
        out.append(f"Currency: {costing.currency} at {plain_number(costing.exchange_rate)} per GBP 1 "
                   f"(source: {costing.exchange_rate_source})")
    return out


def to_text(costing: Costing, locale: str = "en_GB") -> str:
    """A fixed-width table of lines and totals."""
    cur = costing.currency
    t = costing.totals
    project = costing.spec.project
    rows = [("Yr", "Description", "Qty", "Unit", "Unit price", "Amount", "Charge")]
    for line in costing.lines:
        rows.append((
            str(line.year), line.description, plain_number(line.quantity), line.unit,
            _m(line.unit_price, locale, cur), _m(line.amount, locale, cur), line.charge,
        ))
    widths = [min(max(len(r[i]) for r in rows), 60) for i in range(len(rows[0]))]
    right = {0, 2, 4, 5}
    out = [
        f"{project.title}",
        f"{project.client} client{', ' + project.organisation if project.organisation else ''}; "
        f"{costing.funder.name}; {project.months} months from {project.start.isoformat()}",
        *who_and_rates(costing),
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
    summary = finance_rows(costing)
    label_width = max(len(label) for label, _ in summary)
    for label, amount in summary:
        out.append(f"{label.ljust(label_width)}  {_m(amount, locale, cur):>14}")
    out.append("")
    out.append("By year: " + ", ".join(f"year {y} {_m(v, locale, cur)}" for y, v in t.by_year.items()))
    if costing.illustrative:
        out.append("")
        out.append("WARNING: contains illustrative rates: confirm with finance before submitting.")
        out += [f"Assumed: {rule}" for rule in costing.assumed]  # rules the rate tables do not give
    return "\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(costing: Costing, locale: str = "en_GB") -> str:
    """A summary a researcher can paste into an email or a document."""
    cur = costing.currency
    t = costing.totals
    p = costing.spec.project
    out = [f"# Co-production costing: {_md_cell(p.title)}", ""]
    if costing.illustrative:
        out += ["> **Contains illustrative rates: confirm with finance before submitting.**", ""]
        out += [f"> Assumed: {_md_cell(rule)}" for rule in costing.assumed] + ([""] if costing.assumed else [])
    out += [
        f"- **Client:** {p.client}" + (f" ({_md_cell(p.organisation)})" if p.organisation else ""),
        f"- **Funder:** {_md_cell(costing.funder.name)}",
        f"- **Project:** {p.months} months from {p.start.isoformat()} ({costing.years} year"
        f"{'s' if costing.years != 1 else ''})",
        *(f"- **{_md_cell(line.split(': ', 1)[0])}:** {_md_cell(line.split(': ', 1)[1])}" for line in who_and_rates(costing)),
        f"- **Rates:** in force on {costing.stamp.priced_on.isoformat()} (sha256 `{costing.stamp.sha256}`)",
        "",
        "## Totals",
        "",
        "| | Amount |",
        "|---|---:|",
        *(f"| {_md_cell(label.strip())} | {_m(amount, locale, cur)} |" if not label.startswith("Price") else
          f"| **{label}** | **{_m(amount, locale, cur)}** |" for label, amount in finance_rows(costing)),
        "",
        "## By project year",
        "",
        "| Year | Price |",
        "|---|---:|",
    ]
    out += [f"| {y} | {_m(v, locale, cur)} |" for y, v in t.by_year.items()]
    if not costing.funder.direct_commission:
        out += ["", f"## Under {_md_cell(costing.funder.name)} headings", "", "| Heading | Category | Price |", "|---|---|---:|"]
        category = {h.name: h.category for h in costing.funder.headings}
        out += [f"| {_md_cell(h)} | {category.get(h, '')} | {_m(v, locale, cur)} |" for h, v in t.by_heading.items() if v]
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
            f"{_m(line.unit_price, locale, cur)} | {_m(line.amount, locale, cur)} | {CHARGE_WORDS[line.charge]} |"
        )
    out += ["", "## Justification", ""]
    out.append(justification(costing, locale))
    return "\n".join(out).rstrip() + "\n"
