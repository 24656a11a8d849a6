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
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal, overload

from pydantic import BaseModel, Field

from ..errors import RateLookupError, RetiredError  # re-exported: where lookups fail
from ..fields import (
    MODEL_CONFIG,
    BudgetCurrency,
    Count,
    ExchangeRate,
    FreeText,
    Ident,
    Money,
    NonNegativeQuantity,
    Percent,
    PositiveMoney,
    Quantity,
    Text,
)
from .funders import APPLICANTS as APPLICANTS  # re-exported: the rate book's names in one place
from .funders import CATEGORIES as CATEGORIES
from .funders import Applicant as Applicant
from .funders import CostCategory as CostCategory
from .funders import CostType as CostType
from .funders import Funder, FunderShare, VatRecovery
from .funders import Heading as Heading
from .funders import HeadingMap as HeadingMap
from .funders import HeadingOverrides as HeadingOverrides
from .funders import UnitTime as UnitTime
from .rows import CurrencyRow, Row
from .wording import SINGULAR as SINGULAR  # re-exported: each table's item in words
from .wording import not_in_force

Policy = Literal["charge", "free", "request", "case-by-case"]


class Role(CurrencyRow):
    """A staff role of the unit and its day rates."""

    id: Ident
    name: Text
    internal_day_rate: Money = Field(
        description="Day rate at full economic cost: charged to internal clients, and the unit's cost."
    )
    external_day_rate: Money = Field(description="Day rate charged to external clients.")
    direct_day_rate: Money | None = Field(
        None, description="Salary and on-costs per day, no overheads: for funders that pay direct costs only."
    )


class CoproducerRate(CurrencyRow):
    """An hourly rate co-producers are paid, by tier: the floor for every involvement line of that tier."""

    tier: Ident = Field("standard", description='The payment tier, e.g. "standard" or "enhanced".')
    name: Text = Field("Standard", description="The tier in words, and what it is for.")
    hourly_rate: PositiveMoney
    policy: FreeText = Field(
        "", description="The payment policy the rate comes from, cited by name in a justification of resources."
    )

    @property
    def key(self) -> str:
        return self.tier


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


class ExchangeRateRow(Row):
    """A budgeting exchange rate: how many units of ``currency`` one pound buys."""

    currency: BudgetCurrency = Field(description="The currency converted to (EUR).")
    rate: ExchangeRate = Field(description="Units of the currency per GBP 1.")

    @property
    def key(self) -> str:
        return self.currency


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
    vat: Literal["standard", "exempt"] = Field(
        description='The VAT category for a UK external client: "standard" or "exempt" (education and training).'
    )
    vat_source: Text = Field(description="Where the VAT category comes from (finance confirms).")


ROW_TYPES: dict[str, type[Row]] = {
    "roles": Role,
    "coproducer_rate": CoproducerRate,
    "expense_defaults": ExpenseDefault,
    "vat": Vat,
    "uplift": Uplift,
    "vat_recovery": VatRecovery,
    "funders": Funder,
    "funder_shares": FunderShare,
    "exchange_rates": ExchangeRateRow,
    "services": Service,
}
"""Every table, by the TOML array name that holds its rows."""


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

    def has(self, table: str, key: str) -> bool:
        """Whether ``table`` has any version of ``key`` (``key in keys(table)``, without copying the keys)."""
        return (table, key) in self._index

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

    # The row class each table holds (:data:`ROW_TYPES`), for the type checker only.
    @overload
    def in_force(self, table: Literal["roles"], key: str, on: date) -> Role: ...
    @overload
    def in_force(self, table: Literal["coproducer_rate"], key: str, on: date) -> CoproducerRate: ...
    @overload
    def in_force(self, table: Literal["expense_defaults"], key: str, on: date) -> ExpenseDefault: ...
    @overload
    def in_force(self, table: Literal["vat"], key: str, on: date) -> Vat: ...
    @overload
    def in_force(self, table: Literal["uplift"], key: str, on: date) -> Uplift: ...
    @overload
    def in_force(self, table: Literal["funders"], key: str, on: date) -> Funder: ...
    @overload
    def in_force(self, table: Literal["funder_shares"], key: str, on: date) -> FunderShare: ...
    @overload
    def in_force(self, table: Literal["exchange_rates"], key: str, on: date) -> ExchangeRateRow: ...
    @overload
    def in_force(self, table: Literal["services"], key: str, on: date) -> Service: ...
    @overload
    def in_force(self, table: Literal["vat_recovery"], key: str, on: date) -> VatRecovery: ...
    @overload
    def in_force(self, table: str, key: str, on: date) -> Row: ...

    def in_force(self, table: str, key: str, on: date) -> Row:
        """The latest version of ``table``/``key`` effective on or before ``on``, unless retired by then."""
        versions = self._index.get((table, key), ())
        found = None
        for row in versions:
            if row.effective > on:
                break
            found = row
        if found is not None and (found.until is None or found.until >= on):
            return found
        what = f"{SINGULAR.get(table, table)} {key!r}" if key else SINGULAR.get(table, table)
        if found is None:
            raise RateLookupError(not_in_force(table, key, on, versions))
        if found.until is not None and found.until < on:
            instead = f"; use {found.replaced_by!r} instead" if found.replaced_by else ""
            raise RetiredError(f"{what} was retired after {found.until.isoformat()}{instead}", found)
        return found

    def keys_in_force(self, table: str, on: date) -> list[str]:
        """The keys of ``table`` with a version in force on ``on``: the ids a costing priced then can name."""
        found = []
        for key in self._keys.get(table, ()):
            try:
                self.in_force(table, key, on)
            except RateLookupError:
                continue
            found.append(key)
        return found

    def role(self, key: str, on: date) -> Role:
        return self.in_force("roles", key, on)

    def service(self, key: str, on: date) -> Service:
        return self.in_force("services", key, on)

    def funder(self, key: str, on: date) -> Funder:
        return self.in_force("funders", key, on)

    def expense_default(self, key: str, on: date) -> ExpenseDefault:
        return self.in_force("expense_defaults", key, on)

    def coproducer_rate(self, on: date, tier: str = "standard") -> CoproducerRate:
        return self.in_force("coproducer_rate", tier, on)

    def funder_share(self, funder: str, applicant: str, on: date) -> FunderShare:
        return self.in_force("funder_shares", f"{funder}/{applicant}", on)

    def exchange_rate(self, currency: str, on: date) -> ExchangeRateRow:
        return self.in_force("exchange_rates", currency, on)

    def vat(self, on: date) -> Vat:
        return self.in_force("vat", "", on)

    def uplift(self, on: date) -> Uplift:
        return self.in_force("uplift", "", on)

    def rows_in_force(self, on: date) -> Iterator[tuple[str, Row]]:
        """Every item's version in force on ``on``, table by table, in a stable order."""
        for table in ROW_TYPES:
            for key in self.keys(table):
                try:
                    yield table, self.in_force(table, key, on)
                except RateLookupError:
                    continue

    def fingerprint(self, on: date, also: Iterable[tuple[str, Row]] = ()) -> str:
        """SHA-256 of the rows in force on ``on`` (and of the rows ``also`` names, such as the
        versions a costing priced its later years with): later versions do not change it."""
        return self.fingerprint_keyed(on, {(t, r.key, r.effective): r for t, r in also})

    def fingerprint_keyed(self, on: date, also: Mapping[tuple[str, str, date], Row]) -> str:
        """:meth:`fingerprint`, given the rows ``also`` names by (table, key, effective), as a costing keeps them."""
        in_force, digest = self._in_force_on(on)
        extra = {k: r for k, r in also.items() if in_force.get(k) is not r}
        if not extra:
            return digest
        key = (digest, tuple(sorted(extra)))  # a book's rows are one per (table, key, effective)
        found = self._with_later.get(key)
        if found is None:
            rows = {**in_force, **extra}
            found = fingerprint((t, r) for (t, _, _), r in rows.items())
            _keep(self._with_later, key, found)  # costings priced alike (the same later versions) share it
        return found

    def _in_force_on(self, on: date) -> tuple[dict[tuple[str, str, date], Row], str]:
        """The rows in force on ``on`` by (table, key, effective), and their fingerprint;
        remembered for the dates priced most recently (a book never changes)."""
        cache = self._by_period
        period = bisect_right(self._changes, on)  # the same rows are in force from one change to the next
        found = cache.get(period)
        if found is None:
            rows = {(t, r.key, r.effective): r for t, r in self.rows_in_force(on)}
            found = (rows, fingerprint((t, r) for (t, _, _), r in rows.items()))
            _keep(cache, period, found)
        return found

    @cached_property
    def _changes(self) -> list[date]:
        """Every day the rows in force change: a version takes effect, or one ends the day before."""
        days = set()
        for rows in self.tables.values():
            for row in rows:
                days.add(row.effective)
                if row.until is not None and row.until < date.max:
                    days.add(row.until + timedelta(days=1))
        return sorted(days)

    @cached_property
    def _with_later(self) -> dict[tuple[str, tuple[tuple[str, str, date], ...]], str]:
        return {}

    @cached_property
    def _by_period(self) -> dict[int, tuple[dict[tuple[str, str, date], Row], str]]:
        return {}


def row_record(table: str, row: Row) -> dict[str, object]:
    """A row as plain JSON-ready data, tagged with its table."""
    return {"table": table, **row.model_dump(mode="json")}


_RECORDS: OrderedDict[tuple[str, int], tuple[Row, str]] = OrderedDict()
_RECORDS_KEPT = 4096
_PERIODS_KEPT = 512


def _keep(cache: dict[Any, Any], key: object, value: object) -> None:
    """Remember ``value`` in one of a book's caches, letting the oldest go past :data:`_PERIODS_KEPT`."""
    with _RECORDS_LOCK:  # a web server may price in several threads
        cache[key] = value
        while len(cache) > _PERIODS_KEPT:
            cache.pop(next(iter(cache)))
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

