"""The rate tables as validated, immutable, effective-dated rows, and the RateBook.

Every table is a list of rows; each row is one *version* of an item, in force from its
``effective`` date until the next version of the same item. History is never edited:
next year's figures are a new row, so a costing priced on an old date reproduces exactly.
Every row carries a ``source``; a source starting with "illustrative" marks a placeholder
that finance must replace.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ..errors import RateLookupError  # re-exported: where lookups fail
from ..fields import MODEL_CONFIG, Count, Currency, FreeText, Ident, Money, NonNegativeQuantity, Percent, Quantity, Text

Policy = Literal["charge", "free", "request", "case-by-case"]
LineCategory = Literal["service", "involvement", "involvement_expenses", "expense"]


class Row(BaseModel):
    """One effective-dated version of a rate-table item."""

    model_config = MODEL_CONFIG

    effective: date = Field(description="The first day this version is in force (YYYY-MM-DD).")
    source: Text = Field(
        description='Where the figure comes from; start with "illustrative" for a placeholder.'
    )

    @property
    def key(self) -> str:
        """The item this row is a version of (rows with the same key are versions)."""
        return getattr(self, "id", "")

    @property
    def illustrative(self) -> bool:
        return self.source.lower().startswith("illustrative")


class CurrencyRow(Row):
    currency: Currency = Field(
        "GBP", description="ISO 4217 currency code. Only GBP is supported."
    )


class Role(CurrencyRow):
    """A staff role of the unit and its day rates."""

    id: Ident
    name: Text
    internal_day_rate: Money = Field(description="Day rate charged to internal clients.")
    external_day_rate: Money = Field(description="Day rate charged to external clients.")


class CoproducerRate(CurrencyRow):
    """The hourly rate co-producers are paid: the floor for every involvement line."""

    hourly_rate: Money
    policy: FreeText = Field(
        "", description="The payment policy the rate comes from, cited by name in a justification of resources."
    )


class ExpenseDefault(CurrencyRow):
    """A standard expense a costing can refer to by id."""

    id: Ident
    name: Text
    amount: Money
    unit: Text = Field(description='What one amount pays for, e.g. "person-session".')


class Vat(Row):
    percent: Percent


class Uplift(Row):
    """Annual uplift applied per project year for funders that include inflation."""

    percent: Percent


class HeadingMap(BaseModel):
    """Which funder budget heading each kind of line goes to."""

    model_config = MODEL_CONFIG

    service: Text
    involvement: Text
    involvement_expenses: Text
    expense: Text

    def for_category(self, category: LineCategory) -> str:
        return str(getattr(self, category))


class Funder(Row):
    """A funder's costing rules."""

    id: Ident
    name: Text
    prices: Literal["current", "inflation"] = Field(
        description='"current": cost every year at today\'s prices; "inflation": uplift later years.'
    )
    pays_percent: Percent = Field(description="Share of the costed price the funder pays.")
    indirect_percent: Percent = Field(
        Decimal(0), description="Flat indirect costs the funder adds on direct costs."
    )
    headings: tuple[Text, ...] = Field(min_length=1)
    heading_for: HeadingMap
    notes: FreeText = ""
    guidance: FreeText = Field(
        "", description="The funder's own guidance on costing involvement, cited by name in a justification of resources."
    )

    def unknown_headings(self) -> list[str]:
        """``heading_for`` entries that name a heading this funder does not have."""
        return [
            f"heading_for.{category}: heading {heading!r} is not one of this funder's headings"
            for category, heading in self.heading_for.model_dump().items()
            if heading not in self.headings
        ]

    @field_validator("headings")
    @classmethod
    def _unique_headings(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("headings must not repeat")
        return value


class CoproducersIncluded(BaseModel):
    """Co-producer time included in one unit of a service (always paid)."""

    model_config = MODEL_CONFIG

    people: Count
    hours: Quantity
    prep_hours: NonNegativeQuantity = Decimal(0)

    @property
    def hours_per_person(self) -> Decimal:
        return self.hours + self.prep_hours


class Service(Row):
    """An item of the unit's offer."""

    id: Ident
    name: Text
    description: Text
    unit: Text = Field(description='One unit of the service, e.g. "workshop" or "day".')
    effort: dict[Ident, Quantity] = Field(
        min_length=1, description="Staff days per unit, by role id."
    )
    coproducers: CoproducersIncluded | None = None
    internal_policy: Policy


ROW_TYPES: dict[str, type[Row]] = {
    "roles": Role,
    "coproducer_rate": CoproducerRate,
    "expense_defaults": ExpenseDefault,
    "vat": Vat,
    "uplift": Uplift,
    "funders": Funder,
    "services": Service,
}
"""Every table, by the TOML array name that holds its rows."""


SINGULAR = {
    "roles": "role",
    "coproducer_rate": "co-producer rate",
    "expense_defaults": "expense default",
    "vat": "VAT rate",
    "uplift": "uplift",
    "funders": "funder",
    "services": "service",
}




@dataclass(frozen=True)
class RateBook:
    """All rate tables, with the version of each item in force on any date."""

    tables: dict[str, tuple[Row, ...]]
    origin: str = ""
    files: dict[str, str] = field(default_factory=dict)  # table name -> file name

    def rows(self, table: str) -> tuple[Row, ...]:
        return self.tables.get(table, ())

    def keys(self, table: str) -> list[str]:
        return list(self._keys.get(table, ()))

    def versions(self, table: str, key: str = "") -> list[Row]:
        return list(self._index.get((table, key), ()))

    @cached_property
    def _index(self) -> dict[tuple[str, str], tuple[Row, ...]]:
        """Every item's versions, oldest first: built once, so a lookup does not sort the table."""
        grouped: dict[tuple[str, str], list[Row]] = {}
        for table, rows in self.tables.items():
            for row in rows:
                grouped.setdefault((table, row.key), []).append(row)
        return {k: tuple(sorted(v, key=lambda r: r.effective)) for k, v in grouped.items()}

    @cached_property
    def _keys(self) -> dict[str, list[str]]:
        return {table: sorted({row.key for row in rows}) for table, rows in self.tables.items()}

    def in_force(self, table: str, key: str, on: date) -> Row:
        """The latest version of ``table``/``key`` effective on or before ``on``."""
        versions = self._index.get((table, key), ())
        found = None
        for row in versions:
            if row.effective > on:
                break
            found = row
        if found is None:
            what = f"{SINGULAR.get(table, table)} {key!r}" if key else SINGULAR.get(table, table)
            if not versions:
                raise RateLookupError(f"unknown {what}: not in the rate tables")
            raise RateLookupError(f"no {what} is in force on {on.isoformat()}")
        return found

    def role(self, key: str, on: date) -> Role:
        return self.in_force("roles", key, on)  # type: ignore[return-value]

    def service(self, key: str, on: date) -> Service:
        return self.in_force("services", key, on)  # type: ignore[return-value]

    def funder(self, key: str, on: date) -> Funder:
        return self.in_force("funders", key, on)  # type: ignore[return-value]

    def expense_default(self, key: str, on: date) -> ExpenseDefault:
        return self.in_force("expense_defaults", key, on)  # type: ignore[return-value]

    def coproducer_rate(self, on: date) -> CoproducerRate:
        return self.in_force("coproducer_rate", "", on)  # type: ignore[return-value]

    def vat(self, on: date) -> Vat:
        return self.in_force("vat", "", on)  # type: ignore[return-value]

    def uplift(self, on: date) -> Uplift:
        return self.in_force("uplift", "", on)  # type: ignore[return-value]

    def rows_in_force(self, on: date) -> Iterator[tuple[str, Row]]:
        """Every item's version in force on ``on``, table by table, in a stable order."""
        for table in ROW_TYPES:
            for key in self.keys(table):
                try:
                    yield table, self.in_force(table, key, on)
                except RateLookupError:
                    continue

    def fingerprint(self, on: date) -> str:
        """SHA-256 of the rows in force on ``on``: later versions do not change it."""
        return fingerprint(self.rows_in_force(on))


def row_record(table: str, row: Row) -> dict[str, object]:
    """A row as plain JSON-ready data, tagged with its table."""
    return {"table": table, **row.model_dump(mode="json")}


_RECORDS: OrderedDict[tuple[str, int], tuple[Row, str]] = OrderedDict()
_RECORDS_KEPT = 4096
_RECORDS_LOCK = threading.Lock()


def _record_text(table: str, row: Row) -> str:
    """A row's canonical JSON text, remembered for the rows used most recently.

    Rows are immutable, so the text never changes; the cache keeps the row itself beside
    its text, so an id is never mistaken for a newer row's.
    """
    key = (table, id(row))
    with _RECORDS_LOCK:  # a web server may price in several threads
        cached = _RECORDS.get(key)
        if cached is not None and cached[0] is row:
            _RECORDS.move_to_end(key)
            return cached[1]
    text = json.dumps(row_record(table, row), sort_keys=True, separators=(",", ":"))
    with _RECORDS_LOCK:
        _RECORDS[key] = (row, text)
        if len(_RECORDS) > _RECORDS_KEPT:
            _RECORDS.popitem(last=False)
    return text


def fingerprint(rows: Iterable[tuple[str, Row]]) -> str:
    """SHA-256 of rows, independent of their order."""
    records = sorted(_record_text(t, r) for t, r in rows)
    digest = hashlib.sha256()
    for record in records:
        digest.update(record.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()

