"""The portfolio as one self-contained HTML page, with inline SVG charts.

No script, no external file: styles and charts are inline, so the page can be emailed
or archived. Every text from a costing file is escaped. Amounts become floats only to
size the bars; every figure printed comes from the Report's Decimals.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from html import escape
from typing import TYPE_CHECKING

from ..money import format_money, format_whole_money
from .reading import left_out_words
from .report import Report
from .sections import DEFINITIONS, Section, headline, no_main_currency, reported, sections

if TYPE_CHECKING:
    from .core import Portfolio

STYLE = """
.portfolio{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;max-width:72rem}
.portfolio table{border-collapse:collapse;margin:0.5rem 0 1.5rem}
.portfolio th,.portfolio td{border-bottom:1px solid #ccc;padding:3px 10px;text-align:left;vertical-align:top}
.portfolio td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.portfolio .left-out{background:#fde8e8;border:1px solid #c0392b;padding:0.5rem 1rem}
.portfolio .warn{background:#fff3cd;border:1px solid #e0c36b;padding:0.3rem 1rem}
.portfolio figure{margin:0.5rem 0 1.5rem}
.portfolio .note{color:#444;font-size:0.9em}
"""
COLOURS = ("#1f5f8b", "#8fb8d8", "#c8702a", "#5b8c3a")


def axis_steps(peak: Decimal, most: int = 6) -> tuple[Decimal, int]:
    """A round step between gridlines (1, 2, 2.5 or 5 times a power of ten, whole pennies at
    least) and how many steps reach ``peak``: at most ``most``, at least one."""
    if peak <= 0:
        return Decimal(1), 1
    power = Decimal(10) ** (peak / most).adjusted()
    for m in ("1", "2", "2.5", "5", "10"):
        step = max(Decimal(m) * power, Decimal("0.01"))
        ticks = int((peak / step).to_integral_value(rounding=ROUND_CEILING))
        if ticks <= most:
            return step, max(ticks, 1)
    raise AssertionError("unreachable: ten times the power is above peak / most")


def axis_label(amount: Decimal, locale: str, currency: str, whole: bool) -> str:
    """A gridline's amount: without pennies when every gridline is a whole amount (``£20,000``)."""
    return format_whole_money(amount, locale, currency) if whole else format_money(amount, locale, currency)


def bar_chart(title: str, categories: list[str], series: list[tuple[str, list[Decimal]]], currency: str = "GBP",
              locale: str = "en_GB") -> str:
    """Grouped vertical bars as SVG, with a legend and an accessible title."""
    width, height, left, bottom, top = 720, 300, 90, 40, 30
    plot_w, plot_h = width - left - 20, height - bottom - top
    step, ticks = axis_steps(max((v for _, values in series for v in values), default=Decimal(0)))
    peak = float(step * ticks)  # the top gridline: bars are drawn to its scale
    n = max(len(categories), 1)
    slot = plot_w / n
    bar = slot * 0.8 / max(len(series), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" font-size="11"><title>{escape(title)}</title>']
    for i in range(ticks + 1):  # gridlines at round amounts
        y = top + plot_h - plot_h * i / ticks
        amount = axis_label(step * i, locale, currency, whole=step == step.to_integral_value())
        out.append(f'<line x1="{left}" x2="{width - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(amount)}</text>')
    for c, label in enumerate(categories):
        x0 = left + slot * c + slot * 0.1
        for s, (name, values) in enumerate(series):
            h = plot_h * float(values[c]) / peak
            out.append(
                f'<rect x="{x0 + bar * s:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(name)}, {escape(label)}: '
                f'{escape(format_money(values[c], locale, currency))}</title></rect>'
            )
        out.append(f'<text x="{left + slot * c + slot / 2:.1f}" y="{height - bottom + 16}" '
                   f'text-anchor="middle">{escape(label)}</text>')
    for s, (name, _) in enumerate(series):
        x = left + 150 * s
        out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>'
                   f'<text x="{x + 16}" y="16">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def _table(section: Section) -> str:
    out = [f"<h2>{escape(section.title)}</h2>"]
    if section.intro:
        out.append(f'<p class="note">{escape(section.intro)}</p>')
    if not section.rows:
        return "".join([*out, "<p>None.</p>"])
    out.append("<table><thead><tr>" + "".join(f'<th scope="col">{escape(h)}</th>' for h in section.header)
               + "</tr></thead><tbody>")
    for row in section.rows:
        cells = [f'<td class="num">{escape(c)}</td>' if i >= section.numeric_from else f"<td>{escape(c)}</td>"
                 for i, c in enumerate(row)]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def charts(report: Report, locale: str) -> str:
    fys = report.financial_years
    labels = [fy.label for fy in fys]
    by_year = bar_chart(
        "Awarded income, pipeline and value given free, by financial year", labels,
        [("Awarded", [fy.awarded for fy in fys]), ("Pipeline", [fy.pipeline for fy in fys]),
         ("Given free", [fy.given_free for fy in fys])], report.currency, locale,
    )
    by_stage = bar_chart(
        "Price by stage", [g.name for g in report.by_stage],
        [("Price", [g.price for g in report.by_stage])], report.currency, locale,
    )
    return (f"<figure>{by_year}<figcaption>Awarded income, pipeline and value given free, by financial year "
            f"(1 August – 31 July)</figcaption></figure><figure>{by_stage}<figcaption>Price by stage"
            "</figcaption></figure>")


def fragment(p: Portfolio, locale: str = "en_GB") -> str:
    """The report's body: for Jupyter, and inside the full page."""
    out = [f"<style>{STYLE}</style>", '<div class="portfolio">', "<h1>The unit's portfolio</h1>"]
    if p.date_from or p.date_to:
        out.append(f"<p>Projects running between {escape(str(p.date_from or 'the start'))} and "
                   f"{escape(str(p.date_to or 'the end'))}.</p>")
    if p.left_out:
        out.append(f'<div class="left-out"><p><strong>Left out, with problems: {escape(left_out_words(p.left_out))}</strong> '
                   "(fix them and run the report again):</p><ul>")
        out += [f"<li><code>{escape(str(problem))}</code></li>" for item in p.left_out for problem in item.problems]
        out.append("</ul></div>")
    out += [f'<p class="warn">Warning: {escape(w)}</p>' for w in p.warnings()]
    if note := no_main_currency(p):
        out.append(f"<p>{escape(note)}</p>")
    for currency, report in reported(p):
        if currency != p.report.currency:
            out.append(f"<h1>Costings in {escape(currency)}</h1>")
        out.append("<table><tbody>")
        out += [f'<tr><th scope="row">{escape(k)}</th><td class="num">{escape(v)}</td></tr>'
                for k, v in headline(report, locale)]
        out.append("</tbody></table>")
        if report.records:  # (no chart of nothing)
            out.append(charts(report, locale))
        out += [_table(section) for section in sections(report, locale)]
    out.append(f'<p class="note">{escape(DEFINITIONS)}</p></div>')
    return "".join(out)


def to_html(p: Portfolio, locale: str = "en_GB") -> str:
    """A complete HTML page."""
    lang = escape(locale.split("_")[0])
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>The unit's portfolio</title></head><body>{fragment(p, locale)}</body></html>\n")
