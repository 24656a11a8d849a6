"""The portfolio as Markdown: the headline, the files left out, then every table."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from .reading import left_out_words
from .sections import DEFINITIONS, Section, headline, no_main_currency, reported, sections

if TYPE_CHECKING:
    from .core import Portfolio


_SPECIAL = "\\`*_[]<>|!&#~$"
"""The ASCII punctuation Markdown (CommonMark and GitHub's tables, strikethrough and maths) gives
meaning to in running text: escaped with a backslash, each shows as typed."""
_ESCAPED = str.maketrans({c: "\\" + c for c in _SPECIAL} | {"\n": " ", "\r": " "})


def _cell(text: str) -> str:
    """A costing's text in a Markdown table or line, shown as typed: on its own line, never a
    column break, a link written in Markdown, an image (which a previewer would fetch), emphasis,
    HTML or an entity. (Some renderers, GitHub's among them, still make a bare web or e-mail
    address a link: no escape stops that.)"""
    return text.translate(_ESCAPED)


def code_span(text: str) -> str:
    """``text`` as a Markdown code span, shown exactly as is (no escape works inside one): fenced
    by one backtick more than its longest run of them, with a space inside the fence where the
    text starts or ends with a backtick, or with a space at both ends, which CommonMark strips."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")  # a line break would end the item
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = text[:1] == "`" or text[-1:] == "`" or (text[:1] == " " and text[-1:] == " " and text.strip() != "")
    space = " " if pad else ""
    return f"{fence}{space}{text}{space}{fence}"


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
            out += [f"- {code_span(str(problem))}" for problem in item.problems]
        out.append("")
    for warning in p.warnings():
        out += [f"> Warning: {_cell(warning)}", ""]
    if note := no_main_currency(p):
        out += [note, ""]
    for currency, report in reported(p):
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
