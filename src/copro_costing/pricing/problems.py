"""Every problem in a costing file at once: its own mistakes and what the rate tables say.

:func:`~.spec.parse_spec` finds a costing's own mistakes (a misspelt field, a value of the
wrong kind, a year outside the project); the rate tables' checks (an unknown service or
tier, a missing decision, a rate below the floor) need a Spec to price. So that a user
sees both in one run, :func:`every_problem` prices a *salvaged* spec: the costing with
each field that failed left out (a required one stood in for by a neutral value), and an
entry whose years all fall outside the project priced in its last year.

What the rate tables then say is kept only where it does not rest on a field left out or
stood in for: an entry of a costing whose client is not known is not told it needs a
decision, nor one whose funder is not known that its heading is not that funder's, nor,
when a date is not known, that a rate is not in force. An id found nowhere in the tables
(a misspelt service, tier or expense default) is reported whatever else is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import InputError, Problem, RateLookupError, in_line_order
from ..ratebook.models import RateBook
from ..tomlfile import LineIndex
from .engine import estimate
from .lines import STAND_IN
from .project import Project
from .spec import Entry, ExpenseEntry, InvolvementEntry, ServiceEntry, Spec, parse_spec, year_problems
from .status import Status

SECTIONS: dict[str, type[Entry]] = {"services": ServiceEntry, "involvement": InvolvementEntry, "expenses": ExpenseEntry}

STAND_INS: dict[str, dict[str, object]] = {
    # An external client is the one never asked for a decision; the stand-in funder is the
    # engine's own for an unknown funder (no headings to check); 120 months hold every year.
    # A text a field needs because of another (a reason, a source) is only words.
    "project": {"title": "(untitled)", "client": "external", "funder": STAND_IN, "months": 120,
                "vat_reason": "(reason)", "exchange_rate_source": "(source)"},
    "services": {"quantity": 1, "year": 1, "reason": "(reason)"},  # no stand-in service: it prices the entry
    "involvement": {"activity": "(activity)", "people": 1, "sessions": 1, "hours": 1, "year": 1},
    "expenses": {"item": "(item)", "cost": 0, "year": 1},
}

DATES = frozenset({"start", "priced_on"})
"""The project fields that say which rates are in force for each year."""
WORDS_ONLY = frozenset({"title", "organisation", "reference", "vat_reason", "exchange_rate_source"})
EVERY = frozenset(Project.model_fields) - WORDS_ONLY
"""The project fields a price can depend on: what a check not listed below is taken to read."""
YEARS = frozenset({"year", "years"})
MOVED = frozenset({"(years priced)"})
"""Marks an entry none of whose years is in the project: priced in its last year instead."""
PRICED = YEARS | MOVED
"""What says on which dates an entry is priced."""

PROJECT_READS: dict[str, frozenset[str]] = {
    # A problem the engine finds at project.<field>: the project fields its check reads.
    "funder": DATES | {"funder"},
    "applicant": DATES | {"funder", "applicant"},
    "unit_time": frozenset({"funder", "unit_time"}),
    "currency": DATES | {"currency", "exchange_rate"},
    "client": DATES | {"client", "vat", "vat_position"},  # the VAT rate, for an external client
    "priced_on": DATES,  # no co-producer rate in force
}
ENTRY_READS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # A problem at an entry's <field>: (the project's fields, the entry's fields) its check reads.
    "service": (DATES | {"client", "funder"}, PRICED | {"service"}),  # in force; direct day rates
    "decision": (DATES | {"client"}, PRICED | {"service", "decision"}),
    "tier": (DATES, PRICED | {"tier"}),
    "rate": (DATES, PRICED | {"rate", "tier"}),
    "default": (DATES, PRICED | {"default"}),
    "heading": (frozenset({"funder"}), frozenset({"heading"})),
    "year": (frozenset({"months"}), YEARS),
    "years": (frozenset({"months"}), YEARS),
}
FOUND_IN: dict[str, str] = {"service": "services", "tier": "coproducer_rate", "default": "expense_defaults"}
"""Entry fields naming a row of a rate table: an id not in the table at all is wrong on any date."""

_ENTRY = re.compile(r"^(services|involvement|expenses) entry (\d+)(?:: ([a-z_]+))?")


@dataclass(frozen=True)
class Salvage:
    """A costing's valid parts as a Spec to price, and what was left out or stood in for to make it."""

    spec: Spec
    project: frozenset[str] = frozenset()  # project fields changed
    entries: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)  # by (section, index in the file)
    year_problems: tuple[Problem, ...] = ()  # years outside the project, of the entries as written

    def stands(self, problem: Problem, data: dict[str, Any], book: RateBook) -> bool:
        """Whether ``problem`` (found pricing this spec) rests only on fields as the file gives them."""
        name = problem.field
        if name == "project" or name.startswith("project."):
            return not self.project & PROJECT_READS.get(name.removeprefix("project").lstrip("."), EVERY)
        found = _ENTRY.match(name)
        if found is None:
            return True  # not about the costing: the rate tables' own problems
        section, index, field_name = found[1], int(found[2]) - 1, found[3] or ""
        changed = self.entries.get((section, index), frozenset())
        if field_name in FOUND_IN and field_name not in changed:
            value = data[section][index].get(field_name)
            if isinstance(value, str) and not book.has(FOUND_IN[field_name], value):
                return True  # in no version of the table: wrong whatever the dates
        reads = ENTRY_READS.get(field_name)
        if reads is None:  # the whole entry (figures too large, no default expenses): everything it holds
            return not self.project & EVERY and not changed
        return not self.project & reads[0] and not changed & reads[1]


def every_problem(
    exc: InputError, data: object, origin: str, lines: LineIndex | None, book: RateBook, today: date | None = None,
) -> InputError:
    """``exc`` (the costing's own mistakes) with what the rate tables say about the rest of it.

    So a costing file's every problem (a misspelt field and an unknown service, say) is
    reported in one run, each once, sorted by file and line, by every face alike.
    """
    problems = list(exc.problems)
    salvage = salvage_spec(data, origin, lines, today)
    if salvage is not None and isinstance(data, dict):
        found = list(salvage.year_problems)
        try:
            estimate(salvage.spec, book, today=today)
        except (InputError, RateLookupError) as more:
            found += getattr(more, "problems", ())
        problems += [p for p in dict.fromkeys(found) if p not in problems and salvage.stands(p, data, book)]
    return InputError(in_line_order(problems))


def checked_spec(
    data: dict[str, Any], origin: str, lines: LineIndex | None, book: RateBook, today: date | None = None,
) -> Spec:
    """:func:`parse_spec`, raising every problem (:func:`every_problem`) when the data has any."""
    try:
        return parse_spec(data, origin, lines)
    except InputError as exc:
        raise every_problem(exc, data, origin, lines, book, today) from None


def salvage_spec(data: object, origin: str = "<spec>", lines: LineIndex | None = None,
                 today: date | None = None) -> Salvage | None:
    """The parts of costing data that are valid, made into a Spec to price (None if nothing can be)."""
    if not isinstance(data, dict):
        return None
    given = data.get("project")  # a [project] misspelt or not a table: every required field stood in for
    project, changed = _kept(Project, given if isinstance(given, dict) else {},
                             {**STAND_INS["project"], "start": today or date.today()})
    if project is None:
        return None
    years = Project.model_validate(project).years
    as_written: dict[str, Any] = {"project": project, **_status(data.get("status"))}
    priced = dict(as_written)
    written_at: dict[str, tuple[int, ...]] = {}
    entries: dict[tuple[str, int], frozenset[str]] = {}
    for section, model in SECTIONS.items():
        given = data.get(section)
        as_written[section], priced[section], at = [], [], []
        for i, raw in enumerate(given if isinstance(given, list) else []):
            entry, fields = _kept(model, raw, STAND_INS[section])
            if entry is None:
                continue
            inside, moved = _inside(entry, model.model_validate(entry).year_list, years)
            as_written[section].append(entry)
            priced[section].append(inside)
            at.append(i)
            entries[(section, i)] = frozenset(fields | (MOVED if moved else set()))
        written_at[section] = tuple(at)
    try:
        specs = Spec.model_validate(as_written), Spec.model_validate(priced)
    except ValidationError:
        return None
    for spec in specs:
        spec.with_origin(origin, lines)
        spec._written_at = written_at
    return Salvage(specs[1], frozenset(changed), entries, tuple(year_problems(specs[0])))


def _status(raw: object) -> dict[str, object]:
    """``{"status": raw}`` if it is a valid [status] table, else nothing: a status never changes a price."""
    try:
        Status.model_validate(raw)
    except ValidationError:
        return {}
    return {"status": raw}


def _kept(model: type[BaseModel], raw: object, stand_ins: dict[str, object]) -> tuple[dict[str, Any] | None, set[str]]:
    """``raw`` with each field that fails left out (then, if still wanted, stood in for), and the
    fields changed; None if it cannot be made valid."""
    if not isinstance(raw, dict):
        return None, set()
    kept, changed = dict(raw), set[str]()
    for _ in range(len(raw) + len(stand_ins) + 1):  # each round leaves a field out or stands one in
        try:
            model.model_validate(kept)
            return kept, changed
        except ValidationError as exc:
            failed = {str(e["loc"][0]) if e["loc"] else "" for e in exc.errors()}
        for name in failed:
            if name in kept and name not in changed:
                del kept[name]
            elif name in stand_ins and (name not in kept or kept[name] is not stand_ins[name]):
                kept[name] = stand_ins[name]
            else:
                return None, changed  # a whole-table problem, or a stand-in that does not do
            if name in model.model_fields:
                changed.add(name)
    return None, changed


def _inside(entry: dict[str, Any], written: tuple[int, ...], years: int) -> tuple[dict[str, Any], bool]:
    """``entry`` (whose years, as the spec reads them, are ``written``) with only its years inside a
    project of ``years`` years, and whether none was (it is then priced in the last year)."""
    inside = [y for y in written if y <= years]
    if len(inside) == len(written):
        return entry, False
    rest = {k: v for k, v in entry.items() if k not in YEARS}
    return ({**rest, "years": inside}, False) if inside else ({**rest, "year": years}, True)
