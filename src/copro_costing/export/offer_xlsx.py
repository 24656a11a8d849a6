"""The unit's offer as an Excel sheet a partner can filter and print (``offer -o offer.xlsx``).

The same :class:`~copro_costing.publishing.offer.Offer` the Markdown and HTML documents are built
from: the same prices, the same marks, and the same ``illustrative`` flag for the
banner. Amounts are numbers in the costing workbook's money format; text is always
written as text, never a formula. Printed on A4 landscape at a readable size, with the
header row on every page. Stable bytes, dated the offer's date; written atomically.
"""

from __future__ import annotations

from pathlib import Path

from ..money import format_money, round_money
from ..publishing.document import illustrative_note, mark
from ..publishing.offer import Offer, policy_label
from .workbook.book import HEADER_FILL, Book, money_format, row_height, save_atomic, set_height

SHEET = "Offer"
HEADER = ("id", "Service", "Description", "Unit", "Includes", "External price", "Internal price",
          "Internal policy", "Internal terms", "Illustrative")
WIDTHS = (14, 18, 30, 10, 24, 11, 11, 15, 28, 10)
PRICES = (5, 6)


def write_offer_xlsx(offer: Offer, path: Path | str, locale: str = "en_GB") -> Path:
    """Write the offer as one sheet, atomically; return the path."""
    return save_atomic(path, lambda tmp: _write(offer, tmp, locale))


def _write(offer: Offer, target: str, locale: str) -> None:
    book = Book(target, offer.on, stream=False)
    title = f"Co-production services: our offer (prices per unit on {offer.on.isoformat()}, before VAT)"
    book.set_page_texts("Co-production services: our offer", offer.on.isoformat(),
                        "Prices per unit before VAT" + ("; contains illustrative figures" if offer.illustrative else ""))
    ws = book.sheet(SHEET, WIDTHS)
    wrap = book.fmt(text_wrap=True)
    money = book.fmt(num_format=money_format(), valign="top")
    header_text = book.fmt(bold=True, bg_color=HEADER_FILL, text_wrap=True, bottom=1)
    header_number = book.fmt(bold=True, bg_color=HEADER_FILL, text_wrap=True, bottom=1, align="right")
    width = sum(WIDTHS) * 0.9
    rate = offer.rate
    intro = [
        (title, book.fmt(bold=True, font_size=13)),
        (mark(f"Co-producers are paid {format_money(rate.hourly_rate, locale)} per hour, always. "
              f"Source: {rate.source}", rate), wrap),
        (offer.vat_text(), wrap),
    ]
    if offer.illustrative:
        intro.append((illustrative_note("figures").text, book.fmt(bold=True, font_color="#C55A11", text_wrap=True)))
    for row, (text, fmt) in enumerate(intro):
        set_height(ws, row, row_height([(text, width)]))
        ws.merge_range(row, 0, row, len(WIDTHS) - 1, "", fmt)
        book.text(ws, row, 0, text, fmt)
    header = len(intro) + 1
    set_height(ws, header, row_height(zip(HEADER, [w - 1 for w in WIDTHS], strict=True)))
    for col, heading in enumerate(HEADER):
        book.text(ws, header, col, heading, header_number if col in PRICES else header_text)
    ws.freeze_panes(header + 1, 0)
    row = header
    for item in offer.items:
        row += 1
        s = item.service
        texts = (s.id, mark(s.name, *item.rows), s.description, s.unit, item.includes())
        cells = [*texts, None, None, policy_label(s.internal_policy), item.internal_terms(locale),
                 "yes" if item.illustrative else "no"]
        set_height(ws, row, row_height((text, w) for text, w in zip(cells, WIDTHS, strict=True) if isinstance(text, str)))
        for col, value in enumerate(cells):
            if isinstance(value, str):
                book.text(ws, row, col, value, wrap)
        book.number(ws, row, 5, round_money(item.entry.external_price), money)
        book.number(ws, row, 6, round_money(item.entry.internal_price), money)
    ws.autofilter(header, 0, max(row, header + 1), len(HEADER) - 1)
    book.print_setup(ws, row, repeat=(header, header), landscape=True)
    book.close({"title": "Co-production services: our offer", "author": "copro-costing"})
