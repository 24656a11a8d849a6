"""A tiny document model for the unit's published documents, and its two renderings.

A document is a short list of blocks (headings, paragraphs, tables, lists) rendered to
Markdown or to one self-contained printable HTML page. Figures whose source is a
placeholder are marked ``*`` and explained. A document has one ``illustrative`` flag,
computed from the rate rows its figures actually rest on; the note in the document, the
banner in the workbook and the command line's warning all follow it, and every figure
from an illustrative row carries the mark.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..ratebook.models import Row

MARK = "*"
"""Marks a figure that rests on an illustrative placeholder."""


def mark(text: str, *rows: Row) -> str:
    """``text`` followed by the mark when any of ``rows`` is an illustrative placeholder."""
    return f"{text} {MARK}" if any(row.illustrative for row in rows) else text


class Figures:
    """The rate rows a document's figures rest on, gathered as each figure is marked.

    Every figure is shown through :meth:`mark`, so a mark never appears without the
    rows behind it counting towards :attr:`illustrative`, nor the other way round.
    """

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def mark(self, text: str, *rows: Row) -> str:
        self.rows.extend(rows)
        return mark(text, *rows)

    @property
    def illustrative(self) -> bool:
        return any(row.illustrative for row in self.rows)

# A tiny document model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    text: str
    note: bool = False  # a call-out box (the illustrative warning)


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()


Block = Heading | Para | Bullets | Table


@dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    illustrative: bool = False
    """Whether any figure rests on an illustrative placeholder (then the document carries the note)."""


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Para):
            out += [("> " if block.note else "") + block.text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {item}" for item in block.items] + [""]
        elif isinstance(block, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            out.append("|" + "|".join("---:" if i in block.numeric else "---" for i in range(len(block.header))) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #1a1a1a;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 3px solid #2f5597; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 1.8rem; color: #2f5597; }
h3 { font-size: 1.05rem; margin-bottom: .2rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #c8c8c8; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #ddebf7; }
td.num, th.num { text-align: right; white-space: nowrap; }
.note { border-left: 4px solid #c55a11; background: #fbe5d6; padding: .5rem .8rem; }
footer { margin-top: 2rem; font-size: .85rem; color: #555; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  table, tr, .note { break-inside: avoid; }
  th { background: #ddebf7 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { size: A4; margin: 15mm; }
}
""".strip()


def to_html(doc: Document) -> str:
    """One self-contained page: inline CSS with print styles, every text escaped."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(doc.title)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            out.append(f'<p class="note">{e(block.text)}</p>' if block.note else f"<p>{e(block.text)}</p>")
        elif isinstance(block, Bullets):
            out.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Table):
            def cls(i: int, *, table: Table = block) -> str:
                return ' class="num"' if i in table.numeric else ""

            out.append("<table>")
            out.append("<thead><tr>" + "".join(f"<th{cls(i)}>{e(h)}</th>" for i, h in enumerate(block.header)) + "</tr></thead>")
            out.append("<tbody>")
            for row in block.rows:
                out.append("<tr>" + "".join(f"<td{cls(i)}>{e(c)}</td>" for i, c in enumerate(row)) + "</tr>")
            out.append("</tbody></table>")
    out += [
        "<footer>Generated by copro-costing from the unit's rate tables.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def illustrative_note(what: str) -> Para:
    return Para(
        f"Illustrative figures: {what} marked {MARK} rest on placeholder rates (their source says "
        "\"illustrative\"). They show how the offer is priced, not approved prices: replace them in the "
        "rate tables with finance-approved figures before quoting them.",
        note=True,
    )


