"""A funder's rules as data: its headings and their categories, where each line goes, its shares.

Each funder is one row of ``funders.toml`` (effective-dated and sourced like every row);
the share it pays of each cost category, per kind of applicant, is a row of its own
(``[[funder_shares]]``), so each figure carries its own source. Whether each kind of
applicant recovers the VAT it pays is a row of its own too (``[[vat_recovery]]``, in
``tax.toml``): the funders that pay only irrecoverable VAT read it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, StrictBool, field_validator

from ..fields import MODEL_CONFIG, BudgetCurrency, FreeText, Ident, Percent, Text
from .rows import Row

CostType = Literal["service", "involvement", "involvement_expenses", "expense"]
"""What a line pays for: the unit's time, co-producers' fees, their expenses, other costs."""
Applicant = Literal["university", "nhs", "charity", "business", "public-body"]
"""The kind of organisation applying to the funder: the funder's share depends on it."""
APPLICANTS: tuple[str, ...] = ("university", "nhs", "charity", "business", "public-body")
CostCategory = Literal["directly-incurred", "directly-allocated", "indirect", "exception"]
"""How a funder's heading counts: the categories of full economic costing."""
CATEGORIES: tuple[str, ...] = ("directly-incurred", "directly-allocated", "indirect", "exception")
UnitTime = Literal["charge-out", "staff"]
"""How the unit's time is booked: at its charge-out day rate, or as timesheeted staff."""


class Heading(BaseModel):
    """One budget heading of a funder's form, and how it counts."""

    model_config = MODEL_CONFIG

    name: Text
    category: CostCategory = Field(description="directly-incurred, directly-allocated, indirect or exception.")
    base: bool = Field(True, description="Whether it counts in the base of the funder's flat indirect rate.")


class HeadingMap(BaseModel):
    """Which funder budget heading each kind of line goes to."""

    model_config = MODEL_CONFIG

    service: Text = Field(description="The unit's time at its charge-out day rate.")
    staff: Text | None = Field(
        None, description="The unit's time as timesheeted staff, when the funder offers that choice."
    )
    involvement: Text
    involvement_expenses: Text
    expense: Text

    def for_cost(self, cost_type: CostType, unit_time: UnitTime = "charge-out") -> str:
        if cost_type == "service" and unit_time == "staff" and self.staff is not None:
            return self.staff
        return str(getattr(self, cost_type))


class HeadingOverrides(BaseModel):
    """Headings that differ for external clients (the unit selling to another organisation's project)."""

    model_config = MODEL_CONFIG

    service: Text | None = None
    staff: Text | None = None
    involvement: Text | None = None
    involvement_expenses: Text | None = None
    expense: Text | None = None


class Funder(Row):
    """A funder's costing rules: inflation, day rate, headings and where each line goes."""

    id: Ident
    name: Text
    inflation: Literal["applicant", "none"] = Field(
        description='"applicant": the applicant adds inflation (staff rates step up each 1 August); '
        '"none": current prices (the funder adds any inflation itself).'
    )
    day_rate: Literal["full", "direct"] = Field(
        "full", description='"full": the unit\'s time at full economic cost; "direct": direct costs only, no overheads.'
    )
    unit_time: UnitTime = Field(
        "charge-out", description="How the unit's time is booked unless a costing chooses (charge-out or staff)."
    )
    indirect_percent: Percent = Field(
        Decimal(0), description="Flat indirect costs the funder adds on the direct costs in its base."
    )
    currency: BudgetCurrency = Field("GBP", description="The currency of the funder's budgets (GBP or EUR).")
    vat: Literal["all", "irrecoverable", "none"] = Field(
        "all", description='VAT the funder pays: "all" (costs include VAT), "irrecoverable" (only VAT the '
        'applicant cannot recover), "none".'
    )
    headings: tuple[Heading, ...] = Field(default=(), description="The form's headings, in its order.")
    heading_for: HeadingMap | None = None
    heading_for_external: HeadingOverrides | None = None
    notes: FreeText = ""
    guidance: FreeText = Field(
        "", description="The funder's own guidance on costing involvement, cited by name in a justification of resources."
    )

    @property
    def direct_commission(self) -> bool:
        """No funder: the client pays the price itself, with no headings or share."""
        return not self.headings

    @property
    def heading_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.headings)

    def heading(self, name: str) -> Heading | None:
        return next((h for h in self.headings if h.name == name), None)

    def heading_for_line(self, cost_type: CostType, client: str, unit_time: UnitTime) -> str:
        """The heading a line goes to ("" for a direct commission)."""
        if self.heading_for is None:
            return ""
        if client == "external" and self.heading_for_external is not None:
            key = "staff" if cost_type == "service" and unit_time == "staff" else cost_type
            override = getattr(self.heading_for_external, key)
            if override is not None:
                return str(override)
        return self.heading_for.for_cost(cost_type, unit_time)

    def unknown_headings(self) -> list[str]:
        """Heading maps that name a heading this funder does not have, or a map missing its headings."""
        if not self.headings:
            if self.heading_for is not None or self.heading_for_external is not None:
                return ["heading_for: a funder with no headings (a direct commission) maps no lines"]
            return []
        if self.heading_for is None:
            return ["heading_for: say which heading each kind of line goes to"]
        out = []
        names = set(self.heading_names)
        for prefix, mapping in (("heading_for", self.heading_for), ("heading_for_external", self.heading_for_external)):
            if mapping is None:
                continue
            for kind, heading in mapping.model_dump().items():
                if heading is not None and heading not in names:
                    out.append(f"{prefix}.{kind}: heading {heading!r} is not one of this funder's headings")
        return out

    @field_validator("headings")
    @classmethod
    def _unique_headings(cls, value: tuple[Heading, ...]) -> tuple[Heading, ...]:
        names = [h.name for h in value]
        if len(set(names)) != len(names):
            raise ValueError("headings must not repeat")
        return value


class FunderShare(Row):
    """The share a funder pays of each cost category, for one kind of applicant."""

    funder: Ident
    applicant: Applicant
    directly_incurred: Percent = Field(description="Percent of directly incurred costs the funder pays.")
    directly_allocated: Percent = Field(description="Percent of directly allocated costs the funder pays.")
    indirect: Percent = Field(description="Percent of indirect costs the funder pays.")
    exception: Percent = Field(description="Percent of exceptions the funder pays.")

    @property
    def key(self) -> str:
        return f"{self.funder}/{self.applicant}"

    def percent(self, category: str) -> Decimal:
        return Decimal(getattr(self, category.replace("-", "_")))


class VatRecovery(Row):
    """Whether one kind of applicant recovers the VAT it pays (as input tax), so that VAT
    is not an irrecoverable cost: read for funders that pay only irrecoverable VAT."""

    applicant: Applicant
    recovers_vat: StrictBool = Field(
        description="Whether this kind of applicant usually recovers the VAT it pays (true, or yes in a "
        "workbook: a funder paying only irrecoverable VAT pays none of it; false, or no: that VAT counts)."
    )

    @property
    def key(self) -> str:
        return self.applicant
