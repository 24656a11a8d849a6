"""``portfolio(paths)``: the unit's portfolio, with its views and its Jupyter display.

The package is named ``portfolio_report`` so that importing it never shadows the function
``copro_costing.portfolio`` (the same reason ``compare`` lives in ``comparison``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..money import CURRENCY, money_str, plain_number
from ..ratebook.models import RateBook
from .reading import LeftOut, Reading, read_records
from .record import Record
from .report import Report, rate_str, spellings_of
from .years import fy_label


def _day(name: str, value: date | str | None) -> date | None:
    """A date argument, given as a date or as its ISO text (``"2026-08-01"``)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name}: expected a date as YYYY-MM-DD (got {value!r})") from None
    raise TypeError(f"{name}: expected a date, such as date(2026, 8, 1) or \"2026-08-01\" (got {type(value).__name__})")


def dates_in_order(date_from: date | None, date_to: date | None, names: tuple[str, str] = ("date_from", "date_to")) -> None:
    """Raise ValueError when ``date_from`` is after ``date_to``: no project could run between them.
    ``names`` are the dates' names as the caller knows them (the command line's: ``--from``, ``--to``)."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValueError(f"{names[0]} {date_from.isoformat()} is after {names[1]} {date_to.isoformat()}")


def portfolio(
    paths: Iterable[Path | str] | Path | str,
    *,
    rates: RateBook | Path | str | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    keep_going: bool = False,
    today: date | None = None,
    jobs: int | None = 1,
) -> Portfolio:
    """Read every costing file under ``paths`` (folders or files) and add them up.

    Each costing is priced with its own ``priced_on`` and the rate tables (the bundled or
    configured ones unless ``rates`` is given), so its figures are those of its own
    ``quote``. Raises InputError with every problem in every file, unless ``keep_going``:
    then the report is built from the valid files and lists the others in ``left_out``
    (with no valid file at all it is an empty report, whose ``left_out`` says why; the
    command line refuses to write one). ``date_from``/``date_to`` keep the costings whose
    project runs on any day between them (ValueError if ``date_from`` is after ``date_to``).
    ``jobs`` is how many processes read the files (default 1: this process only; None:
    one per processor for a folder of hundreds of files, as the command line does); the
    report is the same either way. Workers are forked on Linux from a process with no
    other thread; elsewhere they start afresh and import the calling script, so a script
    that asks for them keeps its own work under ``if __name__ == "__main__":`` (a notebook
    needs nothing).
    """
    from ..ratebook.folder import as_book

    if isinstance(paths, (str, Path)):
        paths = [paths]
    date_from, date_to = _day("date_from", date_from), _day("date_to", date_to)
    dates_in_order(date_from, date_to)
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs: expected a whole number of processes, 1 or more, or None for one per processor "
                         f"(got {jobs!r})")
    book = as_book(rates)
    reading = read_records(paths, book, date_from=date_from, date_to=date_to, today=today, jobs=jobs)
    if reading.left_out and not keep_going:
        raise InputError(reading.problems)
    return Portfolio(reading, date_from, date_to)


@dataclass(frozen=True, repr=False)
class Portfolio:
    """Many costings added up: by stage, financial year, client, faculty, funder and service."""

    reading: Reading
    date_from: date | None = None
    date_to: date | None = None
    reports: dict[str, Report] = field(init=False)

    def __post_init__(self) -> None:
        by_currency: dict[str, list[Record]] = {}
        for r in self.reading.records:
            by_currency.setdefault(r.currency, []).append(r)
        by_currency.setdefault(CURRENCY, [])
        spellings = spellings_of(self.reading.records)  # one spelling of a name in every currency
        reports = {c: Report(rs, c, date_from=self.date_from, date_to=self.date_to, spellings=spellings)
                   for c, rs in sorted(by_currency.items(), key=lambda cr: cr[0] != CURRENCY)}
        object.__setattr__(self, "reports", reports)

    @property
    def report(self) -> Report:
        """The figures in pounds (costings in another currency are reported apart, never added)."""
        return self.reports[CURRENCY]

    @property
    def records(self) -> tuple[Record, ...]:
        return self.reading.records

    @property
    def left_out(self) -> tuple[LeftOut, ...]:
        return self.reading.left_out

    @property
    def as_of(self) -> date:
        """The latest date in the report (pricing, submission, decision): its document date."""
        days = [d for r in self.records for d in (r.priced_on, r.submitted, r.decided) if d is not None]
        return max(days, default=self.date_to or date(2000, 1, 1))

    def warnings(self, limit: int | None = 10) -> list[str]:
        """Things a reader must know: illustrative rates, costings priced on today's rates. A warning
        names at most ``limit`` files, then how many more; ``None``: every one (as the JSON report does)."""

        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValueError(f"limit: expected a whole number of files, 1 or more, or None for every one (got {limit!r})")

        def some(files: tuple[str, ...] | list[str]) -> str:
            if limit is None or len(files) <= limit:
                return ", ".join(files)
            return ", ".join(files[:limit]) + f" and {len(files) - limit} more (the JSON report names every one)"

        out = []
        if any(r.illustrative for r in self.records):
            out.append("contains illustrative rates: confirm with finance before relying on the figures")
        if self.reading.unpriced:
            out.append(
                f"{len(self.reading.unpriced)} costing(s) have no priced_on and were priced with today's rates, "
                "so their figures change over time: " + some(self.reading.unpriced)
            )
        if self.reading.outside_dates:
            out.append(f"{self.reading.outside_dates} costing(s) left out: their projects do not run in the dates asked")
        for currency, report in self.reports.items():
            if currency != CURRENCY and report.records and self.report.records:  # (alone, it is the report)
                out.append(f"costings in {currency} are reported apart: they are never added to pounds")
        if self.date_from is not None or self.date_to is not None:
            out.append("the costings whose projects run in the dates asked are counted whole; the financial-year "
                       "tables show only the financial years those dates touch")
        named = [r.file for r in self.records if not r.internal and (r.department or r.faculty)]
        if named:
            out.append(f"{len(named)} external costing(s) name a department or faculty in [status]: external clients "
                       "are grouped as \"(external client)\" (the organisation is in [project]): " + some(named))
        return out

    # Views ----------------------------------------------------------------------------------

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (the ``--format json`` contract; money as strings)."""
        data = report_json(self.report)
        data["left_out"] = [item.as_json() for item in self.left_out]
        data["from"] = self.date_from.isoformat() if self.date_from else None
        data["to"] = self.date_to.isoformat() if self.date_to else None
        data["warnings"] = self.warnings(limit=None)  # (for programs: every file named)
        data["other_currencies"] = {c: _without_left_out(report_json(r)) for c, r in self.reports.items()
                                    if c != CURRENCY}
        return data

    def to_json(self, path: Path | str | None = None) -> str:
        """The JSON text (as printed by ``copro-costing portfolio --format json``); written if given a path."""
        return _maybe_write(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n", path)

    def to_markdown(self, path: Path | str | None = None, locale: str = "en_GB") -> str:
        """The report as Markdown tables; written atomically if given a path."""
        from .text import to_markdown

        return _maybe_write(to_markdown(self, locale), path)

    def to_html(self, path: Path | str | None = None, locale: str = "en_GB") -> str:
        """A self-contained HTML page with inline SVG charts; written atomically if given a path."""
        from .html import to_html

        return _maybe_write(to_html(self, locale), path)

    def to_excel(self, path: Path | str, locale: str = "en_GB") -> Path:
        """The portfolio workbook: live formulas with cached values, a chart, print setup."""
        from .workbook import write_workbook

        return write_workbook(self, Path(path), locale)

    def to_dataframe(self, table: str = "costings") -> Any:
        """``costings`` (one row each), ``financial_years`` or ``services``, as a pandas DataFrame."""
        from .frames import dataframe

        return dataframe(self, table)

    def _repr_html_(self) -> str:
        from .html import fragment

        return fragment(self, "en_GB")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        t = self.report.total
        return (
            f"<Portfolio: {t.costings} costings, price {money_str(t.price)} {CURRENCY}, "
            f"awarded {money_str(t.awarded)}, pipeline {money_str(t.pipeline)}, {len(self.left_out)} left out>"
        )


def report_json(report: Report) -> dict[str, Any]:
    """One currency's figures, contract keys first."""
    data: dict[str, Any] = {
        "costings": report.total.costings,
        "by_stage": {g.name: {"count": g.costings, "price": str(g.price)} for g in report.by_stage},
        "by_financial_year": {
            fy.label: {"awarded": str(fy.awarded), "pipeline": str(fy.pipeline), "given_free": str(fy.given_free)}
            for fy in report.financial_years
        },
        "by_client": {g.name: str(g.price) for g in report.by_client},
        "given_free_internal": str(report.given_free_internal),
        "coproducer_payments": {"budgeted": str(report.coproducer_budgeted), "awarded": str(report.coproducer_awarded)},
        "success_rate": rate_str(report.success_rate),
    }
    data["left_out"] = []
    data["currency"] = report.currency
    data["coproducer_person_sessions"] = {
        "budgeted": plain_number(report.person_sessions[0]), "awarded": plain_number(report.person_sessions[1]),
    }
    data["clients"] = {g.name: g.as_json() for g in report.by_client}
    data["by_faculty"] = {g.name: g.as_json() for g in report.by_faculty}
    data["by_department"] = {g.name: g.as_json() for g in report.by_department}
    data["by_funder"] = {g.name: {"name": report.funder_names.get(g.name, g.name), **g.as_json()} for g in report.by_funder}
    data["by_service"] = {
        s.service: {"name": s.name, "costings": s.costings, "value": str(s.value), "waived": str(s.waived),
                    "given_free": str(s.given_free), "price": str(s.price)}
        for s in report.by_service
    }
    data["given_free_by_department"] = {
        dept: {fy_label(fy): str(v) for fy, v in row.items()} for dept, row in report.given_free_by_department.items()
    }
    data["files"] = [
        {"file": r.file, "title": r.title, "client": r.client, "stage": r.stage, "funder": r.funder,
         "department": report.department(r), "faculty": report.faculty(r), "price": str(r.price),
         "waived": str(r.given_free), "coproducer_payments": str(r.coproducer)}
        for r in report.records
    ]
    return data


def _without_left_out(data: dict[str, Any]) -> dict[str, Any]:
    """One other currency's figures: the files left out are listed once, at the top level."""
    del data["left_out"]
    return data


def _maybe_write(text: str, path: Path | str | None) -> str:
    if path is not None:
        from ..atomic import write_text_atomic

        write_text_atomic(Path(path), text)
    return text
