"""The costing spec: what a user writes (project, services, involvement, expenses).

A spec is read from TOML by :func:`load_spec` or built in code; either way it is the
same frozen pydantic model with the same checks. Checks that need only the spec (a year
outside the project, a decision without a reason) live here; checks that need the rate
tables (an unknown service or funder, a rate below the co-producer rate) are the
engine's. Both report problems located at ``file:line: field``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, ValidationError, ValidationInfo, field_validator

from ..errors import InputError, Problem
from ..fields import (
    MODEL_CONFIG,
    Count,
    FreeText,
    Ident,
    Money,
    NonNegativeQuantity,
    Quantity,
    Text,
    Year,
)
from ..tomlfile import LineIndex, Loc, field_path, problems_from, read_toml
from ..tomltext import dump_toml
from .project import FIRST_DATE, LAST_DATE, Project  # noqa: F401  re-exported: where users found them
from .status import Status

if TYPE_CHECKING:
    from ..ratebook.models import RateBook


class Entry(BaseModel):
    """Common to every line of a spec: which project years it applies to.

    Checks across fields are made on the field a person would fix, so a problem points at
    its line: each runs when its field is validated, seeing the valid fields before it
    (``info.data``: a field that failed is not there, and nothing that follows from it is
    checked). A field needed because of another is checked when it is left out too.
    """

    model_config = MODEL_CONFIG

    years: tuple[Year, ...] | None = None
    year: Year | None = Field(None, validate_default=True)
    note: FreeText = ""

    @field_validator("years")
    @classmethod
    def _years_listed_once(cls, years: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if years is not None:
            if not years:
                raise ValueError("years must list at least one project year (got [])")
            if len(set(years)) != len(years):
                raise ValueError(f"years must not repeat a year (got {list(years)})")
        return years

    @field_validator("year")
    @classmethod
    def _one_way_of_saying_years(cls, year: int | None, info: ValidationInfo) -> int | None:
        if "years" not in info.data:
            return year  # years is wrong itself
        if year is not None and info.data["years"] is not None:
            raise ValueError("give either year or years, not both")
        if year is None and info.data["years"] is None:
            raise ValueError("give the project year(s): year = 1 or years = [1, 2]")
        return year

    @property
    def year_list(self) -> tuple[int, ...]:
        return (self.year,) if self.year is not None else tuple(self.years or ())


class ServiceEntry(Entry):
    """A service from the catalogue, ``quantity`` units in each listed year."""

    service: Ident
    quantity: Quantity
    decision: Literal["charge", "waive"] | None = None
    reason: FreeText | None = Field(None, validate_default=True)

    @field_validator("reason")
    @classmethod
    def _decision_has_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if "decision" not in info.data:
            return reason  # the decision is wrong itself
        decision = info.data["decision"]
        if decision is not None and not (reason or "").strip():
            raise ValueError("a decision needs a reason: say who decided and why")
        if reason and decision is None:
            raise ValueError('reason is only used with decision = "charge" or "waive"')
        return reason


class InvolvementEntry(Entry):
    """Co-producers' paid time: people × sessions × (hours + prep_hours) at the hourly rate."""

    activity: Text
    people: Count
    sessions: Count = Field(description="Sessions in each listed year.")
    hours: Quantity = Field(description="Hours per person per session.")
    prep_hours: NonNegativeQuantity = Decimal(0)
    expenses: Money | None = Field(
        None, description="Expenses per person per session; default from the rate tables."
    )
    rate: Money | None = Field(
        None, description="Hourly rate, if above the co-producer rate in force for the tier."
    )
    tier: Ident = Field("standard", description="The co-producer payment tier (see coproducer.toml).")
    decision: Any = Field(None, exclude=True)

    @field_validator("decision")
    @classmethod
    def _always_paid(cls, decision: object) -> None:
        if decision is not None:
            raise ValueError(
                "co-producers are always paid: involvement cannot be waived or decided case by case"
            )
        return None


class ExpenseEntry(Entry):
    """Any other cost: an interpreter, room hire, a benefits-advice session."""

    item: Text
    default: Ident | None = Field(None, description="An expense default id from the rate tables.")
    cost: Money | None = Field(None, validate_default=True, description="Cost of one item; or name a `default`.")
    quantity: Quantity = Decimal(1)
    heading: FreeText | None = Field(None, description="A funder heading, if not the usual one.")
    uplift: bool = Field(False, description="Uplift a typed cost in later years, as the tables' rates are.")

    @field_validator("cost")
    @classmethod
    def _cost_or_default(cls, cost: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if "default" not in info.data:
            return cost  # the default is wrong itself
        if cost is None and info.data["default"] is None:
            raise ValueError("give a cost, or a default from the rate tables' expense defaults")
        if cost is not None and info.data["default"] is not None:
            raise ValueError("give either cost or default, not both")
        return cost


class Spec(BaseModel):
    """A whole costing spec."""

    model_config = MODEL_CONFIG

    project: Project
    status: Status | None = Field(None, description="Where the bid stands; a file without [status] is a draft.")
    services: tuple[ServiceEntry, ...] = ()
    involvement: tuple[InvolvementEntry, ...] = ()
    expenses: tuple[ExpenseEntry, ...] = ()

    _origin: str = PrivateAttr("<spec>")
    _lines: LineIndex | None = PrivateAttr(None)
    _written_at: dict[str, tuple[int, ...]] = PrivateAttr(default_factory=dict)
    """For a spec salvaged from a file with mistakes: each kept entry's index in the file."""

    @property
    def origin(self) -> str:
        """The file this spec was read from, or ``<spec>`` when built in code."""
        return self._origin

    def problem(self, loc: Loc, message: str) -> Problem:
        """A problem located in this spec's source, with a line when it was read from a file."""
        if len(loc) > 1 and isinstance(loc[1], int) and str(loc[0]) in self._written_at:
            loc = (loc[0], self._written_at[str(loc[0])][loc[1]], *loc[2:])
        line = self._lines.line(loc) if self._lines else None
        return Problem(self._origin, line, field_path(loc), message)

    def with_origin(self, origin: str, lines: LineIndex | None) -> Spec:
        self._origin = origin
        self._lines = lines
        return self

    # Building in code (notebooks). A Spec is immutable: each method returns a new,
    # fully re-validated Spec, so `spec = spec.add_service(...)` reads as a recipe.

    def add_service(
        self,
        service: str,
        *,
        quantity: object = 1,
        year: int | None = None,
        years: list[int] | tuple[int, ...] | None = None,
        decision: str | None = None,
        reason: str | None = None,
        note: str = "",
    ) -> Spec:
        """A copy with one more catalogue service (``quantity`` units in each year)."""
        entry = _given(service=service, quantity=quantity, year=year, years=years,
                       decision=decision, reason=reason, note=note)
        return self._with("services", entry)

    def add_involvement(
        self,
        activity: str,
        *,
        people: int,
        sessions: int,
        hours: object,
        prep_hours: object = 0,
        year: int | None = None,
        years: list[int] | tuple[int, ...] | None = None,
        expenses: object = None,
        rate: object = None,
        tier: str = "standard",
        note: str = "",
    ) -> Spec:
        """A copy with one more co-producer activity (paid: people × sessions × hours)."""
        entry = _given(activity=activity, people=people, sessions=sessions, hours=hours,
                       prep_hours=prep_hours, year=year, years=years, expenses=expenses,
                       rate=rate, tier=tier, note=note)
        return self._with("involvement", entry)

    def add_expense(
        self,
        item: str,
        *,
        cost: object = None,
        default: str | None = None,
        quantity: object = 1,
        year: int | None = None,
        years: list[int] | tuple[int, ...] | None = None,
        heading: str | None = None,
        uplift: bool = False,
        note: str = "",
    ) -> Spec:
        """A copy with one more expense (a ``cost`` per item, or a ``default`` from the rates)."""
        entry = _given(item=item, cost=cost, default=default, quantity=quantity, year=year,
                       years=years, heading=heading, uplift=uplift, note=note)
        return self._with("expenses", entry)

    def with_project(self, **changes: object) -> Spec:
        """A copy with project fields changed, e.g. ``spec.with_project(client="external")``."""
        data = self.as_data()
        data["project"] = {**data["project"], **changes}
        return parse_spec(data, self._origin)

    def __eq__(self, other: object) -> bool:
        """Specs are equal when their contents are, wherever they were read from."""
        if not isinstance(other, Spec):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    def __hash__(self) -> int:
        return hash(self.model_dump_json())

    def as_data(self) -> dict[str, Any]:
        """The spec as plain data, in the shape of a costing file (defaults left out)."""
        data = self.model_dump(exclude_none=True, exclude_defaults=True)
        for section in ("services", "involvement", "expenses"):
            if section in data:  # each entry's own fields first, then its years and note
                data[section] = [
                    {**{k: v for k, v in e.items() if k not in _ENTRY_FIELDS},
                     **{k: v for k, v in e.items() if k in _ENTRY_FIELDS}}
                    for e in data[section]
                ]
        return data

    def to_toml(self) -> str:
        """The spec as a costing file; ``load_spec`` reads it back unchanged."""
        data = self.as_data()
        return dump_toml(data, header=f"# Costing file for: {self.project.title}\n")

    def save(self, path: Path | str) -> Path:
        """Write the spec as a costing TOML file (atomically)."""
        from ..atomic import write_text_atomic

        return write_text_atomic(Path(path), self.to_toml())

    def _with(self, section: str, entry: dict[str, Any]) -> Spec:
        data = self.as_data()
        data[section] = [*data.get(section, []), entry]
        return parse_spec(data, self._origin)


_ENTRY_FIELDS = ("year", "years", "note")


def _given(**fields: object) -> dict[str, Any]:
    """Keyword arguments that were actually given (None and "" mean: use the default)."""
    return {k: v for k, v in fields.items() if v is not None and v != ""}


def year_problems(spec: Spec) -> list[Problem]:
    """Every entry's years must fall inside the project."""
    problems = []
    last = spec.project.years
    for section in ("services", "involvement", "expenses"):
        for i, entry in enumerate(getattr(spec, section)):
            field = "year" if entry.year is not None else "years"
            for year in entry.year_list:
                if year > last:
                    problems.append(spec.problem(
                        (section, i, field),
                        f"year {year} is outside the project, which has {last} year"
                        f"{'s' if last != 1 else ''} ({spec.project.months} months)",
                    ))
    return problems


def parse_spec(data: dict[str, Any], origin: str = "<spec>", lines: LineIndex | None = None) -> Spec:
    """Validate spec data (as read from TOML); raise InputError with every problem."""
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        raise InputError(sorted(problems_from(exc, origin, lines, model=Spec), key=_order)) from None
    spec.with_origin(origin, lines)
    problems = year_problems(spec)
    if problems:
        raise InputError(problems)
    return spec


def load_spec(path: Path | str, rates: RateBook | Path | str | None = None) -> Spec:
    """Read a costing TOML file into a Spec; InputError lists every mistake of the file's own.

    With ``rates``, a file with mistakes also gets, in the same error, what those rate
    tables say about the entries that are valid (an unknown service, a missing decision),
    as the command line reports them; ``estimate(spec, rates)`` says it of a file with none.
    """
    path = Path(path)
    data, lines = read_toml(path, str(path))
    if rates is not None:
        from ..ratebook.folder import as_book
        from .problems import checked_spec  # it prices salvaged specs, so it imports this module

        return checked_spec(data, str(path), lines, as_book(rates))
    return parse_spec(data, str(path), lines)


def _order(problem: Problem) -> tuple[int, str]:
    return (problem.line or 0, problem.field)
