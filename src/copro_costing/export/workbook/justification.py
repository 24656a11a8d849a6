"""The Justification sheet: the justification of resources, ready to paste into the funder's form."""

from __future__ import annotations

from ..justify import iter_sections
from .book import row_height, set_height
from .layout import JUSTIFICATION
from .styles import Context

WIDTH = 96


def write_justification(ctx: Context) -> None:
    book, s = ctx.book, ctx.styles
    ws = ctx.sheets[JUSTIFICATION]
    t = book.text
    t(ws, 0, 0, "Justification of resources", s.title)
    intro = ("Written from the costing as priced, ready to paste into an application; "
             "it does not follow edits made in this workbook.")
    set_height(ws, 1, row_height([(intro, WIDTH)]))
    t(ws, 1, 0, intro, s.wrap)
    x = 2
    for heading, paragraphs in iter_sections(ctx.costing, ctx.locale):
        x += 1
        if heading:
            t(ws, x, 0, heading, s.section)
            x += 1
        for paragraph in paragraphs:
            set_height(ws, x, row_height([(paragraph, WIDTH)]))
            t(ws, x, 0, paragraph, s.wrap)
            x += 1
    book.print_setup(ws, x, landscape=False)
