"""The report as titled tables of text, shared by the Markdown and HTML views.

Each figure is formatted here from the Report's Decimals (Babel, in the locale asked);
no view adds anything up itself: every total is the Report's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..money import format_money, plain_number
from .report import Group, Report
from .years import fy_label

if TYPE_CHECKING:
    from .core import Portfolio

Money = Callable[[Decimal], str]
"""An amount as text for people, in the report's locale and currency."""

DEFINITIONS = (
    "Price: what a bid asks for (value − waived + VAT). Awarded: the price of awarded and delivered "
    "costings. Pipeline: submitted, not yet decided. Given free: free and waived work in awarded and "
    "delivered costings. Co-producer payments: fees and expenses paid to co-producers, budgeted in every "
    "costing, awarded in awarded and delivered ones. Success rate: awarded and delivered ÷ decided, by count. "
    "Financial years run 1 August – 31 July; each project year is spread over them pro rata by days. "
    "A person-session is one co-producer at one session; for a service that includes co-producers, one "
    "co-producer for one unit of the service (a workshop, a day), as its costing counts them."
)


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    intro: str = ""
    numeric_from: int = 1


def _rate(value: Decimal | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _groups(title: str, label: str, groups: list[Group], m: Money, intro: str = "", success: bool = False) -> Section:
    header: tuple[str, ...] = (label, "Costings", "Price", "Awarded", "Pipeline", "Given free", "Co-producer payments")
    if success:
        header += ("Success rate",)
    rows: list[tuple[str, ...]] = []
    for g in groups:
        row = (g.name, str(g.costings), m(g.price), m(g.awarded), m(g.pipeline), m(g.given_free), m(g.coproducer))
        rows.append(row + ((_rate(g.success_rate),) if success else ()))
    return Section(title, header, tuple(rows), intro)


LABELS = {
    "costings": "Costings",
    "awarded": "Awarded income (awarded and delivered)",
    "pipeline": "Pipeline (submitted, not decided)",
    "given_free_internal": "Given free to the university's own staff",
    "requested_internal": "Contributions requested from them, if there is budget (in the price)",
    "coproducer_budgeted": "Co-producer payments budgeted",
    "coproducer_awarded": "Co-producer payments awarded",
    "person_sessions_budgeted": "Co-producer person-sessions budgeted",
    "person_sessions_awarded": "Co-producer person-sessions awarded",
    "success_rate": "Success rate (awarded ÷ decided)",
}
"""The headline figures' labels, the same in every view."""


def headline(r: Report, locale: str) -> list[tuple[str, str]]:
    """The first figures a reader sees, of one currency's report."""
    m = _money(locale, r.currency)
    return [
        (LABELS["costings"], str(r.total.costings)),
        (LABELS["awarded"], m(r.total.awarded)),
        (LABELS["pipeline"], m(r.total.pipeline)),
        (LABELS["given_free_internal"], m(r.given_free_internal)),
        (LABELS["requested_internal"], m(r.requested_internal)),
        (LABELS["coproducer_budgeted"], m(r.coproducer_budgeted)),
        (LABELS["coproducer_awarded"], m(r.coproducer_awarded)),
        (LABELS["success_rate"], _rate(r.success_rate)),
    ]


def window_note(report: Report) -> str:
    """Where dates were asked for, which financial years the tables show (the costings are whole); else ""."""
    years = report.financial_years
    if (report.date_from is None and report.date_to is None) or not years:
        return ""
    first, last = years[0].label, years[-1].label
    shown = f"financial year {first} only" if first == last else f"financial years {first} to {last} only"
    return f"{shown}, the dates asked for; the headline counts the costings whole"


def no_main_currency(p: Portfolio) -> str:
    """Where every costing is in another currency than pounds, the sentence saying so; else ""."""
    if reported(p)[0][0] == p.report.currency:
        return ""
    return f"No costings in {p.report.currency}: each costing is reported below in its own currency."


def reported(p: Portfolio) -> list[tuple[str, Report]]:
    """Each currency's report to show, pounds first: pounds even when empty, unless every costing is in
    another currency; another currency only when it has costings."""
    main = p.report
    others = [(c, r) for c, r in p.reports.items() if c != main.currency and r.records]
    return ([] if others and not main.records else [(main.currency, main)]) + others


def _money(locale: str, currency: str) -> Money:
    return lambda v: format_money(v, locale, currency)


def sections(report: Report, locale: str) -> Iterator[Section]:
    """Every table of the report, in reading order."""
    m = _money(locale, report.currency)
    window = window_note(report)
    yield Section(
        "By stage", ("Stage", "Costings", "Price", "Co-producer payments"),
        tuple((g.name, str(g.costings), m(g.price), m(g.coproducer)) for g in report.by_stage),
    )
    yield Section(
        "By financial year", ("Financial year", "Awarded", "Pipeline", "Given free", "Co-producer payments awarded"),
        tuple((fy.label, m(fy.awarded), m(fy.pipeline), m(fy.given_free), m(fy.coproducer_awarded))
              for fy in report.financial_years),
        "Each project year spread over the financial years (1 August – 31 July) it falls in, pro rata by days."
        + (f" Shown: {window}." if window else ""),
    )
    yield _groups("By client", "Client", report.by_client, m,
                  "Internal: the university's own staff; external: everyone else.", success=True)
    yield _groups("By faculty", "Faculty", report.by_faculty, m)
    yield _groups("By department", "Department", report.by_department, m)
    funders = [Group(**{**g.__dict__, "name": report.funder_names.get(g.name, g.name)}) for g in report.by_funder]
    yield _groups("By funder", "Funder", funders, m, success=True)
    yield Section(
        "By service", ("Service", "Costings", "Value", "Waived", "Price", "Given free"),
        tuple((s.name, str(s.costings), m(s.value), m(s.waived), m(s.price), m(s.given_free))
              for s in report.by_service),
        "Unit services only; co-producer payments included in a service are under co-producer payments. "
        "Value, waived and price at every stage (value − waived + VAT = price); given free: waived in "
        "awarded and delivered costings.",
    )
    years = [fy.fy for fy in report.financial_years]
    yield Section(
        "Given free to internal clients, by department and financial year",
        ("Department", *(fy_label(y) for y in years), "Total"),
        tuple((dept, *(m(row[y]) for y in years), m(report.given_free_by_department_total[dept]))
              for dept, row in report.given_free_by_department.items()),
        (f"Shown: {window}. " if window else "")
        + f"Total given free to internal clients (the costings whole): {m(report.given_free_internal)}.",
    )
    fees, expenses = report.coproducer_fees, report.coproducer_expenses
    yield Section(
        "Co-producer payments: money to community members",
        ("", "Budgeted (every costing)", "Awarded (awarded and delivered)"),
        (("Fees", m(fees[0]), m(fees[1])), ("Expenses", m(expenses[0]), m(expenses[1])),
         ("Total", m(report.coproducer_budgeted), m(report.coproducer_awarded)),
         ("Person-sessions", plain_number(report.person_sessions[0]), plain_number(report.person_sessions[1]))),
    )
    yield Section(
        "Costings", ("File", "Title", "Client", "Stage", "Funder", "Department", "Price", "Waived",
                     "Co-producer payments"),
        tuple((r.file, r.title, r.client, r.stage, r.funder, report.department(r), m(r.price), m(r.given_free),
               m(r.coproducer)) for r in report.records),
        numeric_from=6,
    )
