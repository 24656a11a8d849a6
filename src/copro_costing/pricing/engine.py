"""``estimate(spec, rates) -> Costing``: the pure pricing function.

Same spec + same rate tables → same Costing. No files, no clock (unless the spec has
no ``priced_on``, when today's date is the pricing date and is recorded in the stamp),
no formatting. Problems that need the rate tables to see (unknown ids, a missing
decision, a co-producer rate below the floor) are all collected and raised together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Literal, TypeVar, overload

from ..errors import InputError, Problem, RetiredError, close_match, did_you_mean, in_line_order
from ..money import LIMIT, MoneyError, format_money
from ..ratebook.folder import as_book
from ..ratebook.models import (
    SINGULAR,
    Applicant,
    CoproducerRate,
    ExchangeRateRow,
    ExpenseDefault,
    Funder,
    FunderShare,
    RateBook,
    RateLookupError,
    Role,
    Row,
    Service,
    UnitTime,
    Uplift,
    Vat,
    VatRecovery,
)
from .costing import Costing, Stamp
from .lines import STAND_IN, Context, Fetch, Where, price_expense, price_involvement, stand_in_funder
from .policy import BEFORE_VAT_RECOVERY, vat_applies
from .services import price_service
from .spec import Spec, year_problems
from .years import Conversion, YearPricing, pricing_years

E = TypeVar("E")  # an entry of a costing's section, priced by that section's pricer


class _Pricer:
    """Looks up rates for a year, remembering every row it used (and each answer, as a
    costing asks for the same row for every line of a year); a row that is not there is
    a problem of ``spec``, recorded in ``problems``."""

    def __init__(self, book: RateBook, priced_on: date, spec: Spec, problems: list[Problem]) -> None:
        self.book = book
        self.priced_on = priced_on
        self.spec = spec
        self.problems = problems
        self.used: dict[tuple[str, str, date], Row] = {}  # by (table, key, effective): the rows' own keys
        self.found: dict[tuple[str, str, date], Row] = {}  # by (table, key, date) asked for

    def get(self, table: str, key: str, on: date) -> Row:
        found = self.found.get((table, key, on))
        if found is not None:
            return found
        try:
            row = self.book.in_force(table, key, on)
        except RetiredError as exc:
            retired = exc.row
            if retired is None or retired.until is None or retired.until < self.priced_on:
                raise
            row = retired  # retired after the pricing date: still used by a costing priced before
        except RateLookupError:
            row = self.book.in_force(table, key, self.priced_on)  # no version yet on the year's start: today's
        if row.until is not None and row.until < self.priced_on:  # priced after its retirement
            instead = f"; use {row.replaced_by!r} instead" if row.replaced_by else ""
            raise RetiredError(f"{SINGULAR.get(table, table)} {row.key!r} was retired after "
                               f"{row.until.isoformat()}{instead}", row)
        self.used[(table, key, row.effective)] = row  # the key asked for is the row's: versions are indexed by it
        self.found[(table, key, on)] = row
        return row

    # The row class of each table, as :class:`Fetch` says (for the type checker only).
    @overload
    def fetch(self, loc: Where, table: Literal["roles"], key: str, on: date) -> Role | None: ...
    @overload
    def fetch(self, loc: Where, table: Literal["coproducer_rate"], key: str, on: date) -> CoproducerRate | None: ...
    @overload
    def fetch(self, loc: Where, table: Literal["expense_defaults"], key: str, on: date) -> ExpenseDefault | None: ...
    @overload
    def fetch(self, loc: Where, table: Literal["vat"], key: str, on: date) -> Vat | None: ...
    @overload
    def fetch(self, loc: Where, table: Literal["uplift"], key: str, on: date) -> Uplift | None: ...
    @overload
    def fetch(self, loc: Where, table: Literal["funders"], key: str, on: date) -> Funder | None: ...
    @overload
    def fetch(self, loc: Where, table: Literal["funder_shares"], key: str, on: date) -> FunderShare | None: ...
    @overload
    def fetch(self, loc: Where, table: Literal["exchange_rates"], key: str, on: date) -> ExchangeRateRow | None: ...
    @overload
    def fetch(self, loc: Where, table: Literal["services"], key: str, on: date) -> Service | None: ...
    @overload
    def fetch(self, loc: Where, table: Literal["vat_recovery"], key: str, on: date) -> VatRecovery | None: ...

    def fetch(self, loc: Where, table: str, key: str, on: date) -> Row | None:
        """The row of ``table`` for ``key`` pricing ``on``; None (and a problem at ``loc``) if there is none."""
        try:
            return self.get(table, key, on)
        except RateLookupError as exc:
            hint = ""
            if key and not self.book.has(table, key):  # in no version of the tables: the ids it may mean
                known = self.book.keys_in_force(table, self.priced_on)
                day = self.priced_on.isoformat()
                hint = did_you_mean(key, known) or f" (no {SINGULAR.get(table, table)} is in force on {day})"
                starts = {k: self.book.versions(table, k)[0].effective for k in self.book.keys(table)}
                later = [k for k, first in starts.items() if first > self.priced_on]  # not retired ones: to come
                meant = None if close_match(key, known) else close_match(key, later)
                if meant is not None:  # the id it likely means has rates from a later date only
                    hint = (f"; did you mean {meant!r}? (in force from {starts[meant].isoformat()}; in force on "
                            f"{day}: {', '.join(sorted(known)) or 'none'})")
            if table == "exchange_rates":
                hint += "; or give exchange_rate and exchange_rate_source in [project]"
            self.problems.append(self.spec.problem(loc, f"{exc}{hint}"))
            return None


_CHECKED: dict[int, tuple[Funder, tuple[str, ...]]] = {}
"""Each funder row's heading mistakes, by its id (with the row, so an id is never mistaken for a newer row's)."""


def _heading_mistakes(funder: Funder) -> tuple[str, ...]:
    """``funder.unknown_headings()``, worked out once per funder row: rows never change."""
    found = _CHECKED.get(id(funder))
    if found is None or found[0] is not funder:
        if len(_CHECKED) >= 256:
            _CHECKED.clear()
        found = _CHECKED[id(funder)] = (funder, tuple(funder.unknown_headings()))
    return found[1]


def estimate(spec: Spec, rates: RateBook | Path | str | None = None, *, today: date | None = None) -> Costing:
    """Price ``spec`` with ``rates`` (a RateBook or a rates folder; default: the bundled or configured tables).

    The pricing date is ``spec.project.priced_on``, else ``today`` (default: the current
    date). Raises InputError listing every problem found.
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"estimate: expected a Spec (read a costing file with load_spec(path)), got {type(spec).__name__}")
    book = as_book(rates)
    project = spec.project
    priced_on = project.priced_on or today or date.today()
    problems: list[Problem] = year_problems(spec)  # also for specs built in code
    if problems:
        raise InputError(in_line_order(problems))
    pricer = _Pricer(book, priced_on, spec, problems)
    fetch = pricer.fetch

    funder = fetch(("project", "funder"), "funders", project.funder, priced_on)
    fetch(("project", "priced_on"), "coproducer_rate", "standard", priced_on)  # no rate in force: the date to fix
    charge_vat = vat_applies(project.vat_position_in_force)
    inflation = funder is not None and funder.inflation == "applicant"
    # Recorded as used only when they change a figure: VAT for external clients, the
    # uplift where the applicant adds inflation.
    vat = fetch(("project", "client"), "vat", "", priced_on) if charge_vat else None
    uplift = fetch(("project", "funder"), "uplift", "", priced_on) if inflation else None
    warnings: list[str] = []
    if funder is None:  # keep going, at current prices, to report every other problem too
        funder = stand_in_funder(priced_on)
    elif mistakes := _heading_mistakes(funder):
        # The rates loader reports this with its line; a book built in code is checked
        # here, or the totals by heading would silently miss lines.
        raise InputError(Problem(book.origin or "<rates>", None, f"funders {funder.id}", m) for m in mistakes)
    share, applicant = _share(spec, funder, book, fetch, problems, warnings, priced_on)
    # Recorded as used only when it can change a figure: VAT on the lines, and a funder paying only irrecoverable VAT.
    assumed: list[str] = []  # rules the tables do not give, so assumed (and the costing illustrative)
    recovers_vat = (share is not None and charge_vat and funder.vat == "irrecoverable"
                    and _recovers_vat(book, fetch, applicant, assumed, priced_on))
    warnings += assumed
    unit_time = _unit_time(spec, funder, problems)
    convert = _conversion(spec, funder, book, fetch, warnings, priced_on)
    if any(p.field == "project.priced_on" for p in problems):
        raise InputError(in_line_order(problems))  # nothing can be priced without these

    vat_percent = vat.percent if vat is not None else Decimal(0)
    uplift_percent = uplift.percent if uplift is not None else Decimal(0)
    years = pricing_years(project.start, project.years, funder, uplift_percent, priced_on)
    vat_rates: dict[int, Decimal] = {}

    def vat_rate(year: int) -> Decimal:
        """The VAT rate in force for a project year's lines, by the tables' date rule."""
        if year not in vat_rates:
            row = fetch(("project", "client"), "vat", "", years[year].on)
            vat_rates[year] = row.percent if row is not None else vat_percent
        return vat_rates[year]

    cx = Context(
        spec=spec, book=book, funder=funder, years=years, convert=convert, unit_time=unit_time,
        fetch=fetch, problems=problems, warnings=warnings, vat_rate=vat_rate,
    )
    _price_all(cx, "services", spec.services, price_service)
    _price_all(cx, "involvement", spec.involvement, price_involvement)
    _price_all(cx, "expenses", spec.expenses, price_expense)
    if problems:
        raise InputError(in_line_order(problems))
    if cx.unrecovered:
        warnings.append(
            f"{funder.name} pays direct costs only: the unit's time is priced at its direct day rates (salary and "
            f"on-costs), so its overheads, {format_money(cx.unrecovered, currency=convert.currency)} at full economic "
            "cost, are not recoverable from this funder"
        )

    used = tuple((where[0], row) for where, row in sorted(pricer.used.items()))  # by (table, key, effective)
    return Costing(
        spec=spec,
        funder=funder,
        lines=tuple(line for _, line in sorted(cx.lines, key=itemgetter(0))),
        stamp=Stamp(priced_on=priced_on, sha256=book.fingerprint_keyed(priced_on, pricer.used), origin=book.origin),
        vat_percent=vat_percent,
        vat_applies=charge_vat,
        uplift_percent=uplift_percent,
        rates_used=used,
        warnings=tuple(dict.fromkeys(warnings)),
        currency=convert.currency,
        applicant=applicant,
        unit_time=unit_time,
        share=share,
        recovers_vat=recovers_vat,
        exchange_rate=convert.rate if convert.converts else None,
        exchange_rate_source=convert.source,
        coproducer_floors=coproducer_floors(used, years, priced_on, convert),
        assumed=tuple(assumed),
    )


def _share(
    spec: Spec, funder: Funder, book: RateBook, fetch: Fetch, problems: list[Problem], warnings: list[str],
    priced_on: date,
) -> tuple[FunderShare | None, Applicant]:
    """The share the funder pays each cost category for this applicant (None: a direct commission)."""
    project = spec.project
    applicant = project.applicant or "university"
    if funder.direct_commission or funder.id == STAND_IN:
        return None, applicant
    if project.applicant is None and project.client == "external":
        warnings.append(
            f"applicant is not given: priced as a university's application to {funder.name} (the share it pays "
            'universities); set applicant = "nhs", "charity", "business" or "public-body" in [project] if not'
        )
    key = f"{funder.id}/{applicant}"
    if not book.has("funder_shares", key):
        shares = (r for r in book.rows("funder_shares") if isinstance(r, FunderShare))
        funded = sorted(r.applicant for r in shares if r.funder == funder.id)
        problems.append(spec.problem(("project", "applicant"), (
            f"the rate tables give no share {funder.name} pays a {applicant} applicant "
            f"(they give: {', '.join(funded) or 'none'}); ask finance for the funder's rule"
        )))
        return None, applicant
    return fetch(("project", "applicant"), "funder_shares", key, priced_on), applicant


def _recovers_vat(book: RateBook, fetch: Fetch, applicant: Applicant, assumed: list[str], priced_on: date) -> bool:
    """Whether the applicant recovers the VAT it pays, by the ``[[vat_recovery]]`` row in force.

    A rates folder made before that table existed prices as it did then, and says so in
    ``assumed``: the rule then has no source, so the costing is illustrative.
    """
    if book.has("vat_recovery", applicant):
        row = fetch(("project", "applicant"), "vat_recovery", applicant, priced_on)
        return row is not None and row.recovers_vat
    recovers = applicant in BEFORE_VAT_RECOVERY
    assumed.append(
        f"illustrative: the rate tables do not say whether a {applicant} applicant recovers the VAT it pays "
        f"(no [[vat_recovery]] row in tax.toml), so it is taken to {'recover' if recovers else 'not recover'} it, "
        "as before the rule was in the tables; add a row for each kind of applicant, with its source"
    )
    return recovers


def _unit_time(spec: Spec, funder: Funder, problems: list[Problem]) -> UnitTime:
    """How the unit's time is booked: the costing's choice where the funder offers one, else the funder's."""
    chosen = spec.project.unit_time
    if chosen is None:
        return funder.unit_time
    if funder.id != STAND_IN and (funder.heading_for is None or funder.heading_for.staff is None):
        problems.append(spec.problem(("project", "unit_time"), (
            f"{funder.name} offers no choice of how the unit's time is booked (it is {funder.unit_time}): "
            f"remove unit_time (got {chosen!r})"
        )))
    return chosen


def _conversion(
    spec: Spec, funder: Funder, book: RateBook, fetch: Fetch, warnings: list[str], priced_on: date
) -> Conversion:
    """The costing's currency and the GBP rate it is converted at (from the costing file, else the tables)."""
    project = spec.project
    if funder.currency != project.currency and not funder.direct_commission and funder.id != STAND_IN:
        warnings.append(f"{funder.name} budgets are in {funder.currency}: set currency = \"{funder.currency}\" in [project]")
    if project.currency == "GBP":
        return Conversion()
    if project.exchange_rate is not None:
        return Conversion(project.currency, project.exchange_rate, project.exchange_rate_source or "")
    row = fetch(("project", "currency"), "exchange_rates", project.currency, priced_on)
    if row is None:
        return Conversion()
    return Conversion(project.currency, row.rate, row.source)


def coproducer_floors(
    used: Iterable[tuple[str, Row]], years: Mapping[int, YearPricing], priced_on: date,
    convert: Conversion | None = None,
) -> dict[int, Decimal]:
    """By project year, the standard co-producer rate in force, in the costing's currency: no hourly rate
    may go below it (lines of a higher tier were priced at or above their own tier by the engine).

    The rate the engine looked up for the year (in force when a started year began,
    else on the pricing date; the pricing date's when none was in force yet). Uplifted
    later years are floored at the rate itself: their uplifted hourly rates are above it.
    """
    convert = convert or Conversion()
    rows = sorted((row for table, row in used
                   if table == "coproducer_rate" and isinstance(row, CoproducerRate) and row.key == "standard"),
                  key=lambda row: row.effective)

    def in_force(on: date) -> Decimal | None:
        rates = [row.hourly_rate for row in rows if row.effective <= on]
        return rates[-1] if rates else None

    floors = {}
    for year, pricing in years.items():
        floor = in_force(pricing.on)
        if floor is None:
            floor = in_force(priced_on)
        if floor is not None:
            floors[year] = convert(floor, payment=True)
    return floors


TOO_LARGE = (
    f"the figures are too large: every line must come to less than {LIMIT:,} "
    "(check people, sessions, hours, quantities and rates)"
)


def _price_all(cx: Context, section: str, entries: Sequence[E], price: Callable[[int, E, Context], None]) -> None:
    """Price every entry of a section, in order (each as :func:`_priced`)."""
    for i, entry in enumerate(entries):
        _priced(cx, (section, i), partial(price, i, entry, cx))


def _priced(cx: Context, loc: tuple[str, int], price: Callable[[], None]) -> None:
    """Price one entry; figures too large to be a real costing (or to hold to the penny
    in a spreadsheet) are that entry's problem, and its lines are dropped."""
    before = len(cx.lines)
    cx.too_large = False
    try:
        price()
        if not cx.too_large:
            return
    except MoneyError:
        pass
    del cx.lines[before:]
    cx.problems.append(cx.spec.problem(loc, TOO_LARGE))
