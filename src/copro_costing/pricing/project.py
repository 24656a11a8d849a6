"""The project a costing is for: client, funder, applicant, dates, currency and VAT position."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator

from ..dates import FIRST_DATE as FIRST_DATE  # re-exported: where users found them
from ..dates import LAST_DATE as LAST_DATE
from ..dates import plausible_date
from ..fields import MODEL_CONFIG, BudgetCurrency, ExchangeRate, FreeText, Ident, Text, whole_number

Client = Literal["internal", "external"]
Applicant = Literal["university", "nhs", "charity", "business", "public-body"]
UnitTime = Literal["charge-out", "staff"]
VatPosition = Literal["internal", "uk", "collaborator", "overseas-business"]
NEEDS_VAT_REASON = ("collaborator", "overseas-business")
"""Dates a bid can plausibly have; anything else is a typing mistake."""
Months = Annotated[int, BeforeValidator(whole_number), Field(gt=0, le=120)]


class Project(BaseModel):
    """The bid: who the client is, which funder, when and for how long."""

    model_config = MODEL_CONFIG

    title: Text
    client: Client
    organisation: FreeText = ""
    funder: Ident = Field(description='The funder id, or "none" for work the client pays for itself.')
    applicant: Applicant | None = Field(
        None, description="Who applies to the funder: university (default), nhs, charity, business, public-body."
    )
    currency: BudgetCurrency = Field("GBP", description="The costing's currency: GBP, or EUR.")
    exchange_rate: ExchangeRate | None = Field(
        None, description="Units of the currency per GBP 1, if not the rate in the tables (with exchange_rate_source)."
    )
    exchange_rate_source: FreeText | None = Field(None, validate_default=True)
    unit_time: UnitTime | None = Field(
        None, description="How the unit's time is booked: charge-out (a day rate) or staff (timesheeted)."
    )
    start: date
    months: Months = Field(description="Length of the project in months (1 to 120).")
    priced_on: date | None = Field(
        None, description="The date whose rates apply; default: the day the costing is made."
    )
    vat: bool | None = Field(
        None, description="Set false, with vat_reason, when finance confirms no VAT is due (outside the scope)."
    )
    vat_position: VatPosition | None = Field(
        None, description="The client's VAT position: internal, uk (each line by its category), collaborator or "
        "overseas-business (outside the scope, with vat_reason)."
    )
    vat_reason: FreeText | None = Field(None, validate_default=True)
    reference: FreeText = ""

    @property
    def years(self) -> int:
        """Number of project years (a part year counts as a year)."""
        return math.ceil(self.months / 12)

    @field_validator("start", "priced_on")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        return plausible_date(value) if value is not None else None

    # Checks across fields are made on the field a person would fix, so a problem points at
    # its line: each runs when its field is validated, seeing only the fields before it that
    # were valid (``info.data``); a field that failed is missing there, and no check is made
    # on what follows from it. A field needed because of another (``vat_reason`` with a
    # collaborator position) is checked when it is left out too (``validate_default``).

    @field_validator("vat")
    @classmethod
    def _vat_override(cls, vat: bool | None, info: ValidationInfo) -> bool | None:
        if vat is True:
            raise ValueError("vat = true is the default; set vat = false (with vat_reason) or leave it out")
        if vat is False and info.data.get("client") == "internal":
            raise ValueError("VAT never applies to internal clients: remove vat and vat_reason")
        return vat

    @field_validator("vat_position")
    @classmethod
    def _position_fits_the_client(cls, position: str | None, info: ValidationInfo) -> str | None:
        if position is None:
            return None
        if info.data.get("vat") is False:
            raise ValueError("give either vat = false or vat_position, not both")
        client = info.data.get("client")
        if client == "internal" and position != "internal":
            raise ValueError(
                f'an internal client\'s VAT position is "internal": a recharge is not a supply (got "{position}")'
            )
        if client == "external" and position == "internal":
            raise ValueError('vat_position = "internal" is only for internal clients (an external client is "uk" by default)')
        return position

    @field_validator("vat_reason")
    @classmethod
    def _reason_when_outside_the_scope(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if "vat" not in info.data or "vat_position" not in info.data:
            return reason  # either is wrong itself: what it needs is not known
        vat, position = info.data["vat"], info.data["vat_position"]
        given = bool((reason or "").strip())
        if vat is False and not given:
            raise ValueError("vat = false needs a vat_reason (for example, finance's confirmation)")
        if position in NEEDS_VAT_REASON and not given:
            raise ValueError(f'vat_position = "{position}" needs a vat_reason (for example, finance\'s confirmation)')
        if reason and vat is None and position not in NEEDS_VAT_REASON:
            raise ValueError('vat_reason is only used with vat = false, or vat_position "collaborator" or "overseas-business"')
        return reason

    @property
    def vat_position_in_force(self) -> str:
        """The VAT position: as given, else internal for internal clients and uk for external ones."""
        if self.vat is False:
            return "outside-scope"
        return self.vat_position or ("internal" if self.client == "internal" else "uk")

    @field_validator("exchange_rate")
    @classmethod
    def _rate_needs_a_currency(cls, rate: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if rate is not None and info.data.get("currency") == "GBP":
            raise ValueError('exchange_rate is only used with currency = "EUR": a GBP costing needs no rate')
        return rate

    @field_validator("exchange_rate_source")
    @classmethod
    def _rate_has_a_source(cls, source: str | None, info: ValidationInfo) -> str | None:
        if "exchange_rate" not in info.data:
            return source  # the rate is wrong itself (or given with GBP): whether a source is needed is not known
        if info.data["exchange_rate"] is not None and not (source or "").strip():
            raise ValueError("exchange_rate needs an exchange_rate_source: say where the rate comes from")
        if source and info.data["exchange_rate"] is None:
            raise ValueError("exchange_rate_source is only used with exchange_rate")
        return source
