"""Where a costing stands: the optional ``[status]`` table of a costing file.

A costing file without ``[status]`` is a draft. The status is what the unit's portfolio
report adds up (counts and values by stage, the pipeline, the success rate); it never
changes a price. Checked like every other field: an unknown stage, a date in the wrong
order or a decision date on a bid still waiting is a located problem.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ..dates import plausible_date
from ..fields import MODEL_CONFIG, FreeText

Stage = Literal["draft", "submitted", "awarded", "declined", "withdrawn", "delivered"]
STAGES: tuple[Stage, ...] = ("draft", "submitted", "awarded", "declined", "withdrawn", "delivered")
"""Every stage, in the order a bid goes through them."""

WON: frozenset[str] = frozenset({"awarded", "delivered"})
"""Stages whose price is income: the funder said yes (and the work may be done)."""
DECIDED: frozenset[str] = frozenset({"awarded", "declined", "delivered"})
"""Stages where the funder decided: the denominator of the success rate."""
PIPELINE: frozenset[str] = frozenset({"submitted"})
"""Submitted and not yet decided."""

_NEEDS_SUBMITTED = frozenset({"submitted", "awarded", "declined", "delivered"})
_NEEDS_DECIDED = frozenset({"awarded", "declined", "delivered"})
_NO_DECIDED = frozenset({"draft", "submitted"})


class Status(BaseModel):
    """A costing's stage, its dates and who it is for inside the university."""

    model_config = MODEL_CONFIG

    stage: Stage = Field(description="draft, submitted, awarded, declined, withdrawn or delivered.")
    submitted: date | None = Field(
        None, validate_default=True, description="The day the bid (or quote) went to the funder or client."
    )
    decided: date | None = Field(None, validate_default=True, description="The day the funder or client said yes or no.")
    department: FreeText = ""
    faculty: FreeText = ""
    contact: FreeText = Field("", description="Who to ask about this costing (a name or an email address).")

    # Each check is made on the date a person would fix (so a problem points at its line),
    # seeing the fields before it that were valid; a date the stage needs is checked when it
    # is left out too.

    @field_validator("submitted")
    @classmethod
    def _submitted_fits_the_stage(cls, value: date | None, info: ValidationInfo) -> date | None:
        value = plausible_date(value) if value is not None else None  # the one date rule
        stage = info.data.get("stage")
        if stage in _NEEDS_SUBMITTED and value is None:
            raise ValueError(f'stage = "{stage}" needs the submitted date (submitted = YYYY-MM-DD)')
        if stage == "draft" and value is not None:
            raise ValueError('a draft has not been submitted: remove submitted, or set stage = "submitted"')
        return value

    @field_validator("decided")
    @classmethod
    def _decided_fits_the_stage(cls, value: date | None, info: ValidationInfo) -> date | None:
        value = plausible_date(value) if value is not None else None
        stage = info.data.get("stage")
        if stage in _NEEDS_DECIDED and value is None:
            raise ValueError(f'stage = "{stage}" needs the date of the decision (decided = YYYY-MM-DD)')
        if stage in _NO_DECIDED and value is not None:
            raise ValueError(f"a {stage} costing has no decision yet: remove decided, or change the stage")
        submitted = info.data.get("submitted")
        if submitted and value and value < submitted:
            # (the problem adds "(got DATE)": the decided date is said there, once)
            raise ValueError(f"must be on or after the submitted date, {submitted.isoformat()}")
        return value


DRAFT = Status(stage="draft")
"""The status of a costing file without a ``[status]`` table."""
