"""The costing workbook's formats and the context every sheet writer shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from xlsxwriter.format import Format

from ...money import places
from ...pricing.costing import Costing
from .book import DATE, HEADER_FILL, INPUT_FILL, Book, money_format
from .figures import Sums, group_sums
from .layout import Plan

YEAR_HEADING = '"Year "0'


@dataclass
class Styles:
    """Every format the sheets use, each made once (one font family throughout)."""

    title: Format
    section: Format
    label: Format
    wrap: Format
    header: Format  # over text columns
    header_number: Format  # over number columns: right-aligned, as the numbers below it
    input_header: Format
    input_header_number: Format
    year_header: Format
    banner: Format
    money: Format
    money_total: Format
    money_spare: Format  # a spare Budget row: zero shows as blank until a line is typed
    input: Format
    input_money: Format
    total: Format
    date: Format
    quantity: Format
    indented: Format  # text after a column of numbers
    indented_wrap: Format
    boolean: Format
    good: Format
    bad: Format


def make_styles(book: Book, currency: str) -> Styles:
    money = money_format(currency)
    f = book.fmt
    head = {"bold": True, "bg_color": HEADER_FILL, "text_wrap": True, "valign": "top", "bottom": 1}
    return Styles(
        title=f(bold=True, font_size=14),
        section=f(bold=True, font_size=12),
        label=f(bold=True),
        wrap=f(text_wrap=True, valign="top"),
        header=f(**head),
        header_number=f(**head, align="right"),
        input_header=f(**{**head, "bg_color": INPUT_FILL}),
        input_header_number=f(**{**head, "bg_color": INPUT_FILL}, align="right"),
        year_header=f(**head, align="right", num_format=YEAR_HEADING),
        banner=f(bold=True, font_color="#FFFFFF", bg_color="#C00000", text_wrap=True, valign="top"),
        money=f(num_format=money, valign="top"),
        money_total=f(num_format=money, bold=True, top=1),
        money_spare=f(num_format=money + ";-" + money + ";;@", valign="top"),
        input=f(bg_color=INPUT_FILL, valign="top"),
        input_money=f(num_format=money, bg_color=INPUT_FILL, valign="top"),
        total=f(bold=True, top=1),
        date=f(num_format=DATE, align="left"),
        quantity=f(valign="top"),
        indented=f(indent=1),
        indented_wrap=f(indent=1, text_wrap=True),
        boolean=f(bold=True, num_format='"TRUE";"TRUE";"FALSE"'),
        good=f(bold=True, font_color="#006100", bg_color="#C6EFCE"),
        bad=f(bold=True, font_color="#9C0006", bg_color="#FFC7CE"),
    )


def percent_format(fraction: Decimal) -> str:
    """A percentage showing exactly the places the rate has (20%, 17.5%)."""
    digits = max(places((fraction * 100).normalize()), 0)
    return "0%" if digits == 0 else "0." + "0" * digits + "%"


def fraction(percent: Decimal) -> Decimal:
    return percent / Decimal(100)


@dataclass
class Context:
    """What every sheet writer needs: the workbook, the costing, where rows land, formats."""

    book: Book
    costing: Costing
    plan: Plan
    styles: Styles
    locale: str
    sheets: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def sums(self) -> tuple[dict[int, Sums], dict[str, Sums]]:
        """The lines summed by project year and by funder heading: worked out once, for every sheet that shows them."""
        return group_sums(self.costing, self.plan.headings)

    def percent(self, fraction_value: Decimal, *, shaded: bool) -> Format:
        properties: dict[str, Any] = {"num_format": percent_format(fraction_value)}
        if shaded:
            properties["bg_color"] = INPUT_FILL
        return self.book.fmt(**properties)
