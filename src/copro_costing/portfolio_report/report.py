"""The portfolio's figures: every total is a sum of the costings' own figures.

Nothing here prices: a Report adds up Records, each of which holds exactly what its
costing's ``quote --format json`` prints (price, waived, co-producer lines) and its
years spread over financial years. So each figure reconciles to the costings to the
penny, and the views (JSON, Markdown, HTML, workbook) all show the same numbers.

Definitions (also in the README):

- **price**: what a bid asks for (value − waived + VAT), at any stage.
- **awarded**: the price of awarded and delivered costings; **pipeline**: the price of
  submitted costings not yet decided.
- **given free**: free and waived work (and requested work not charged) in awarded and
  delivered costings: work the unit does, or has done, without charge.
- **co-producer payments**: fees and expenses paid to co-producers (never VAT);
  *budgeted* in every costing of the report, *awarded* in awarded and delivered ones.
- **success rate**: awarded and delivered ÷ decided (awarded, delivered or declined), by count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..money import ZERO
from ..pricing.costing import sum_money
from ..pricing.status import STAGES
from .record import Record
from .years import fy_label

NOT_RECORDED = "(not recorded)"
EXTERNAL = "(external client)"


def _external(record: Record) -> str:
    return EXTERNAL if not record.internal else ""


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
    service: str
    name: str
    costings: int
    value: Decimal
    given_free: Decimal
    price: Decimal


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


def _by(records: Iterable[Record], key: Callable[[Record], str], order: Iterable[str] = ()) -> list[Group]:
    buckets: dict[str, list[Record]] = {name: [] for name in order}
    for r in records:
        buckets.setdefault(key(r) or NOT_RECORDED, []).append(r)
    names = list(order) + sorted(n for n in buckets if n not in order)
    return [group(n, buckets[n]) for n in names]


class Report:
    """Every breakdown the portfolio shows, for costings in one currency."""

    def __init__(self, records: Iterable[Record], currency: str = "GBP") -> None:
        self.records: tuple[Record, ...] = tuple(records)
        self.currency = currency
        rs = self.records
        self.total = group("All costings", rs)
        self.by_stage = _by(rs, lambda r: r.stage, STAGES)
        self.by_client = _by(rs, lambda r: r.client, ("internal", "external"))
        self.by_faculty = _by(rs, lambda r: r.faculty or _external(r))
        self.by_department = _by(rs, lambda r: r.department or _external(r))
        funder_names = {r.funder: r.funder_name for r in rs}
        self.by_funder = _by(rs, lambda r: r.funder)
        self.funder_names = funder_names
        self.financial_years = self._financial_years()
        self.by_service = self._services()
        self.given_free_internal = sum_money(r.given_free for r in rs if r.won and r.internal)
        self.requested_internal = sum_money(r.requested for r in rs if r.won and r.internal)
        self.given_free_by_department = self._free_by_department()
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
        span = range(min(sums), max(sums) + 1)  # every year in between, even an empty one
        return [FinancialYear(fy, *sums.get(fy, [ZERO, ZERO, ZERO, ZERO])) for fy in span]

    def _services(self) -> list[ServiceGroup]:
        acc: dict[str, list] = {}
        for r in self.records:
            for s in r.services:
                a = acc.setdefault(s.service, [s.name, 0, ZERO, ZERO, ZERO])
                a[1] += 1
                a[2] += s.value
                a[3] += s.given_free if r.won else ZERO
                a[4] += s.price
        return [ServiceGroup(sid, *acc[sid]) for sid in sorted(acc)]

    def _free_by_department(self) -> dict[str, dict[int, Decimal]]:
        """Value given free to internal clients, by department and financial year (won costings)."""
        out: dict[str, dict[int, Decimal]] = {}
        years = [fy.fy for fy in self.financial_years]
        for r in self.records:
            if not (r.won and r.internal):
                continue
            row = out.setdefault(r.department or NOT_RECORDED, dict.fromkeys(years, ZERO))
            for y in r.years:
                row[y.fy] += y.given_free
        return {name: out[name] for name in sorted(out)}

    @property
    def illustrative(self) -> bool:
        return any(r.illustrative for r in self.records)
