"""The base of every rate-table row: an effective-dated, sourced version of an item."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, field_validator

from ..dates import plausible_date
from ..fields import MODEL_CONFIG, Currency, Ident, Text


class Row(BaseModel):
    """One effective-dated version of a rate-table item."""

    model_config = MODEL_CONFIG

    effective: date = Field(description="The first day this version is in force (YYYY-MM-DD).")
    source: Text = Field(
        description='Where the figure comes from; start with "illustrative" for a placeholder.'
    )
    until: date | None = Field(
        None, description="The last day this item is in force, when it is retired (empty: no end)."
    )
    replaced_by: Ident | None = Field(
        None, description="The item that replaces a retired one (with until)."
    )

    @field_validator("effective", "until")
    @classmethod
    def _plausible_dates(cls, value: date | None) -> date | None:
        return plausible_date(value) if value is not None else None

    @property
    def key(self) -> str:
        """The item this row is a version of (rows with the same key are versions)."""
        return getattr(self, "id", "")

    @property
    def illustrative(self) -> bool:
        return self.source.lower().startswith("illustrative")


class CurrencyRow(Row):
    currency: Currency = Field(
        "GBP", description="ISO 4217 currency code. Only GBP is supported."
    )


