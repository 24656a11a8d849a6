"""The unit's offer as an Excel sheet a partner can filter (``offer -o offer.xlsx``).

The same :class:`~copro_costing.publishing.offer.Offer` the Markdown and HTML documents are built
from: the same prices, the same marks, and the same ``illustrative`` flag for the
banner. Amounts are numbers in the costing workbook's £ format; text is always written
as text, never a formula. Saved with stable bytes, dated the offer's date.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..money import format_money, round_money
from ..publishing.document import illustrative_note, mark
from ..publishing.offer import Offer, policy_label
from .workbook_file import save_workbook
from .xlsx import GBP

SHEET = "Offer"
HEADER = ("id", "Service", "Description", "Unit", "Includes", "External price", "Internal price",
          "Internal policy", "Internal terms", "Illustrative")
WIDTHS = (24, 30, 50, 12, 40, 14, 14, 24, 50, 12)


def write_offer_xlsx(offer: Offer, path: Path | str, locale: str = "en_GB") -> Path:
    """Write the offer as one sheet, atomically; return the path."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET

    def text(r: int, c: int, value: str) -> None:
        cell = ws.cell(row=r, column=c, value=value)
        cell.data_type = "s"  # never a formula
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    rate = offer.rate
    text(1, 1, f"Co-production services: our offer (prices per unit on {offer.on.isoformat()}, before VAT)")
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    text(2, 1, mark(f"Co-producers are paid {format_money(rate.hourly_rate, locale)} per hour, always. "
                    f"Source: {rate.source}", rate))
    text(3, 1, offer.vat_text())
    row = 4
    if offer.illustrative:
        text(row, 1, illustrative_note("figures").text)
        ws.cell(row=row, column=1).font = Font(bold=True, color="C55A11")
        row += 1
    row += 1
    for c, h in enumerate(HEADER, start=1):
        ws.cell(row=row, column=c, value=h).font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=row + 1, column=1)
    for i in offer.items:
        row += 1
        s = i.service
        for c, value in enumerate((s.id, mark(s.name, *i.rows), s.description, s.unit, i.includes()), start=1):
            text(row, c, value)
        for c, amount in ((6, i.entry.external_price), (7, i.entry.internal_price)):
            cell = ws.cell(row=row, column=c, value=round_money(amount))
            cell.number_format = GBP
        text(row, 8, policy_label(s.internal_policy))
        text(row, 9, i.internal_terms(locale))
        text(row, 10, "yes" if i.illustrative else "no")
    for c, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = width
    return save_workbook(wb, path, offer.on)
