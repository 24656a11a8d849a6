"""The portfolio's figures: every total is a sum of the costings' own figures.

Nothing here prices: a Report adds up Records, each of which holds exactly what its
costing's ``quote --format json`` prints (price, waived, co-producer lines) and its
years spread over financial years. So each figure reconciles to the costings to the
penny, and the views (JSON, Markdown, HTML, workbook) all show the same numbers.

Definitions (also in the README):

- **price**: what a bid asks for (value − waived + VAT), at any stage.
- **awarded**: the price of awarded and delivered costings; **pipeline**: the price of
  submitted costings not yet decided.
- **given free**: free and waived work in awarded and delivered costings: work the unit
  does, or has done, without charge. A contribution requested "if there is budget" is in
  the price, so it is not given free; the report shows what was requested apart.
- **waived** (of one costing, or of a service at every stage): that costing's free and
  waived work, whatever its stage.
- **co-producer payments**: fees and expenses paid to co-producers (never VAT);
  *budgeted* in every costing of the report, *awarded* in awarded and delivered ones.
- **success rate**: awarded and delivered ÷ decided (awarded, delivered or declined), by count.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ..money import ZERO
from ..pricing.costing import sum_money
from ..pricing.status import STAGES
from .record import Record
from .years import financial_year, fy_label

NOT_RECORDED = "(not recorded)"
EXTERNAL = "(external client)"


def department_of(record: Record) -> str:
    """The department a costing is grouped under: an external client's is always
    :data:`EXTERNAL` (the university's departments are what the breakdown shows), an
    internal client's its own, or :data:`NOT_RECORDED`."""
    return _grouped(record, record.department)


def faculty_of(record: Record) -> str:
    """The faculty a costing is grouped under, by the same rule as :func:`department_of`."""
    return _grouped(record, record.faculty)


def _grouped(record: Record, name: str) -> str:
    return (name or NOT_RECORDED) if record.internal else EXTERNAL


@dataclass(frozen=True)
class Group:
    """One row of a breakdown: how many costings, and what they are worth."""

    name: str
    costings: int
    price: Decimal
    awarded: Decimal
    pipeline: Decimal
    given_free: Decimal
    coproducer: Decimal
    won: int
    decided: int

    @property
    def success_rate(self) -> Decimal | None:
        return rate(self.won, self.decided)

    def as_json(self) -> dict[str, object]:
        return {
            "count": self.costings, "price": str(self.price), "awarded": str(self.awarded),
            "pipeline": str(self.pipeline), "given_free": str(self.given_free),
            "coproducer_payments": str(self.coproducer), "success_rate": rate_str(self.success_rate),
        }


@dataclass(frozen=True)
class FinancialYear:
    """One financial year's awarded income, pipeline, value given free and co-producer money."""

    fy: int
    awarded: Decimal
    pipeline: Decimal
    given_free: Decimal
    coproducer_awarded: Decimal

    @property
    def label(self) -> str:
        return fy_label(self.fy)


@dataclass(frozen=True)
class ServiceGroup:
    """One catalogue service across the costings: value, waived and price at every stage
    (value − waived + VAT = price), and given free (waived in awarded and delivered ones)."""

    service: str
    name: str
    costings: int
    value: Decimal
    given_free: Decimal
    price: Decimal
    waived: Decimal


def rate(won: int, decided: int) -> Decimal | None:
    """won ÷ decided to two places (halves up); None when nothing is decided yet."""
    if decided == 0:
        return None
    return (Decimal(won) / Decimal(decided)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rate_str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def group(name: str, records: Iterable[Record]) -> Group:
    rs = list(records)
    won = [r for r in rs if r.won]
    return Group(
        name=name,
        costings=len(rs),
        price=sum_money(r.price for r in rs),
        awarded=sum_money(r.price for r in won),
        pipeline=sum_money(r.price for r in rs if r.pipeline),
        given_free=sum_money(r.given_free for r in won),
        coproducer=sum_money(r.coproducer for r in rs),
        won=len(won),
        decided=sum(1 for r in rs if r.decided_stage),
    )


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """What names are grouped by: names alike but for case, runs of spaces, invisible characters
    (a zero-width space) or how an accent is encoded are one name. Remembered: a report of
    thousands of costings names a few dozen departments."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())  # (Unicode's caseless match)
    return " ".join("".join(c for c in folded if unicodedata.category(c) != "Cf").split())


def _by(records: Iterable[Record], key: Callable[[Record], str], order: Iterable[str] = (),
        shown: dict[str, str] | None = None) -> list[Group]:
    """One Group per name ``key`` gives, those in ``order`` first (even when empty), the rest
    sorted. Names alike but for case, spacing and the like are one group (:func:`name_key`),
    shown as ``shown`` gives each key (default: :func:`shown_names` of these records). The
    workbook writes that name in its data sheets, so its formulas' ``=`` finds the same costings."""
    order = tuple(order)
    names = shown if shown is not None else shown_names(records, key, order)
    buckets: dict[str, list[Record]] = {name_key(name): [] for name in order}
    for r in records:
        buckets.setdefault(name_key(key(r) or NOT_RECORDED), []).append(r)
    first = [name_key(name) for name in order]
    keys = first + sorted((k for k in buckets if k not in first), key=lambda k: (k, names[k]))
    return [group(names[k], buckets[k]) for k in keys]


def shown_names(records: Iterable[Record], key: Callable[[Record], str], order: Iterable[str] = ()) -> dict[str, str]:
    """By :func:`name_key`, how each name ``key`` gives (and each of ``order``) is shown: its
    :func:`spelling` across ``records``."""
    found: dict[str, list[str]] = {name_key(name): [_tidy(name)] for name in order}
    for r in records:
        name = key(r) or NOT_RECORDED
        found.setdefault(name_key(name), []).append(_tidy(name))
    return {k: spelling(names) for k, names in found.items()}


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))
"""Soft hyphens, zero-width spaces, word joiners and byte-order marks: left out of a name as shown
(the joiners and direction marks some scripts need are kept)."""


@lru_cache(maxsize=4096)
def _tidy(name: str) -> str:
    """A name as shown: one space between words, no stray invisible characters, accents composed."""
    return " ".join(unicodedata.normalize("NFC", name).translate(_INVISIBLE).split())


def spelling(names: list[str]) -> str:
    """The spelling a group of names alike (:func:`name_key`) is shown by: the most used, the
    first met (in file order) on a tie."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return max(counts, key=lambda name: counts[name])  # (max keeps the first of equal counts)


@dataclass(frozen=True)
class Spellings:
    """How each department and faculty is shown, by its :func:`name_key`."""

    departments: dict[str, str]
    faculties: dict[str, str]


def spellings_of(records: Iterable[Record]) -> Spellings:
    """Each department's and faculty's shown spelling across ``records`` (all currencies at once)."""
    rs = tuple(records)
    return Spellings(shown_names(rs, department_of), shown_names(rs, faculty_of))


class Report:
    """Every breakdown the portfolio shows, for costings in one currency."""

    def __init__(self, records: Iterable[Record], currency: str = "GBP", *,
                 date_from: date | None = None, date_to: date | None = None,
                 spellings: Spellings | None = None) -> None:
        """``date_from``/``date_to`` (the dates the records were chosen by) limit the
        financial-year tables to the financial years they touch; every other figure is of
        the costings whole. ``spellings`` (:func:`spellings_of` every currency's costings)
        shows a department or faculty the same way in each currency's report."""
        self.records: tuple[Record, ...] = tuple(records)
        self.currency = currency
        self.date_from, self.date_to = date_from, date_to
        rs = self.records
        self.total = group("All costings", rs)
        self.by_stage = _by(rs, lambda r: r.stage, STAGES)
        self.by_client = _by(rs, lambda r: r.client, ("internal", "external"))
        spellings = spellings or spellings_of(rs)
        self._faculties, self._departments = spellings.faculties, spellings.departments
        self.by_faculty = _by(rs, faculty_of, shown=self._faculties)
        self.by_department = _by(rs, department_of, shown=self._departments)
        funder_names = {r.funder: r.funder_name for r in rs}
        self.by_funder = _by(rs, lambda r: r.funder)
        self.funder_names = funder_names
        self.financial_years = self._financial_years()
        self.by_service = self._services()
        self.given_free_internal = sum_money(r.given_free for r in rs if r.won and r.internal)
        self.requested_internal = sum_money(r.requested for r in rs if r.won and r.internal)
        self.given_free_by_department = self._free_by_department()
        self.given_free_by_department_total = {
            name: sum_money(row.values()) for name, row in self.given_free_by_department.items()
        }
        won = [r for r in rs if r.won]
        self.coproducer_budgeted = sum_money(r.coproducer for r in rs)
        self.coproducer_awarded = sum_money(r.coproducer for r in won)
        self.coproducer_fees = (sum_money(r.coproducer_fees for r in rs), sum_money(r.coproducer_fees for r in won))
        self.coproducer_expenses = (
            sum_money(r.coproducer_expenses for r in rs), sum_money(r.coproducer_expenses for r in won)
        )
        self.person_sessions = (sum((r.person_sessions for r in rs), Decimal(0)),
                                sum((r.person_sessions for r in won), Decimal(0)))
        self.success_rate = self.total.success_rate

    def _financial_years(self) -> list[FinancialYear]:
        sums: dict[int, list[Decimal]] = {}
        for r in self.records:
            for y in r.years:
                s = sums.setdefault(y.fy, [ZERO, ZERO, ZERO, ZERO])
                if r.won:
                    s[0] += y.price
                    s[2] += y.given_free
                    s[3] += y.coproducer
                elif r.pipeline:
                    s[1] += y.price
        if not sums:
            return []
        first, last = min(sums), max(sums)
        if self.date_from is not None:
            first = max(first, financial_year(self.date_from))
        if self.date_to is not None:
            last = min(last, financial_year(self.date_to))
        span = range(first, last + 1)  # every year in between, even an empty one
        return [FinancialYear(fy, *sums.get(fy, [ZERO, ZERO, ZERO, ZERO])) for fy in span]

    def _services(self) -> list[ServiceGroup]:
        acc: dict[str, list] = {}
        for r in self.records:
            for s in r.services:
                a = acc.setdefault(s.service, [s.name, 0, ZERO, ZERO, ZERO, ZERO])
                a[1] += 1
                a[2] += s.value
                a[3] += s.given_free if r.won else ZERO
                a[4] += s.price
                a[5] += s.given_free  # (a costing's own "given free" is what it waives, whatever its stage)
        return [ServiceGroup(sid, *acc[sid]) for sid in sorted(acc)]

    def _free_by_department(self) -> dict[str, dict[int, Decimal]]:
        """Value given free to internal clients, by department and financial year (won costings)."""
        out: dict[str, dict[int, Decimal]] = {}
        years = [fy.fy for fy in self.financial_years]
        for r in self.records:
            if not (r.won and r.internal):
                continue
            row = out.setdefault(self.department(r), dict.fromkeys(years, ZERO))
            for y in r.years:
                if y.fy in row:
                    row[y.fy] += y.given_free
        return {name: out[name] for name in sorted(out, key=lambda n: (name_key(n), n))}

    def department(self, record: Record) -> str:
        """The name of the department group a costing is in, as the breakdowns show it."""
        return self._departments[name_key(department_of(record))]

    def faculty(self, record: Record) -> str:
        """The name of the faculty group a costing is in, as the breakdowns show it."""
        return self._faculties[name_key(faculty_of(record))]

