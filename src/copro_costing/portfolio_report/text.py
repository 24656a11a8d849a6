"""The portfolio as Markdown: the headline, the files left out, then every table."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .reading import left_out_words
from .sections import DEFINITIONS, Section, headline, reported, sections

if TYPE_CHECKING:
    from .core import Portfolio


def _cell(text: str) -> str:
    """A costing's text in a Markdown table: its own line, never a column break or HTML."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


def _table(section: Section) -> list[str]:
    out = [f"## {section.title}", ""]
    if section.intro:
        out += [section.intro, ""]
    if not section.rows:
        return [*out, "None.", ""]
    out.append("| " + " | ".join(_cell(h) for h in section.header) + " |")
    out.append("|" + "|".join("---:" if i >= section.numeric_from else "---" for i in range(len(section.header))) + "|")
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in section.rows]
    return [*out, ""]


def to_markdown(p: Portfolio, locale: str = "en_GB") -> str:
    """The report as Markdown, every figure from the Report."""
    out = ["# The unit's portfolio", ""]
    if p.date_from or p.date_to:
        out += [f"Projects running between {_day(p.date_from, 'the start')} and {_day(p.date_to, 'the end')}.", ""]
    if p.left_out:
        out += [f"**Left out, with problems: {left_out_words(p.left_out)}** (fix them and run the report again):", ""]
        for item in p.left_out:
            out += [f"- `{_cell(problem_text)}`" for problem_text in (str(x) for x in item.problems)]
        out.append("")
    for warning in p.warnings():
        out += [f"> Warning: {_cell(warning)}", ""]
    shown = reported(p)
    if shown[0][0] != p.report.currency:
        out += [f"No costings in {p.report.currency}: each costing is reported below in its own currency.", ""]
    for currency, report in shown:
        if currency != p.report.currency:
            out += [f"# Costings in {currency}", ""]
        out += ["| | |", "|---|---:|"]
        out += [f"| {label} | {_cell(value)} |" for label, value in headline(report, locale)]
        out.append("")
        for section in sections(report, locale):
            out += _table(section)
    out += [DEFINITIONS, ""]
    return "\n".join(out)


def _day(day: date | None, otherwise: str) -> str:
    return day.isoformat() if day else otherwise
