"""The co-production unit itself, for the quotes it sends (``rates/unit.toml``).

Who the quote is from: the unit's name, address and contact, its VAT registration where
it has one, its payment terms and how long a quote stays valid. Every value carries a
``source``, like every rate row; a source starting with "illustrative" marks a
placeholder to replace before a quote goes out.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError, Problem
from ..fields import FreeText, Text
from ..tomlfile import problems_from, read_toml

FILE = "unit.toml"


class _Sourced(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Text = Field(description='Where the value comes from; start with "illustrative" for a placeholder.')

    @property
    def illustrative(self) -> bool:
        return self.source.lower().startswith("illustrative")


class SourcedText(_Sourced):
    value: FreeText


class SourcedLines(_Sourced):
    value: tuple[Text, ...] = Field(min_length=1, description="One entry per line.")


class SourcedDays(_Sourced):
    value: int = Field(ge=1, le=365, description="Days.")


class Unit(BaseModel):
    """The unit as its quotes name it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SourcedText = Field(description="The unit's name as it appears on a quote.")
    department: SourcedText | None = Field(None, description="The department or faculty it belongs to.")
    address: SourcedLines = Field(description="The postal address, one line per entry.")
    contact: SourcedText = Field(description="Who to contact about the quote: name, email, telephone.")
    vat_registration: SourcedText | None = Field(None, description="The VAT registration number, where there is one.")
    payment_terms: SourcedText = Field(description="How and when an external client pays (purchase order, invoice terms).")
    internal_transfer: SourcedText = Field(description="How an internal client pays: the internal transfer.")
    validity_days: SourcedDays = Field(description="How many days a quote stays valid.")

    @property
    def illustrative(self) -> bool:
        """True when any value is an illustrative placeholder."""
        return any(getattr(self, name) is not None and getattr(self, name).illustrative for name in type(self).model_fields)


def load_unit(folder: Path | str) -> Unit:
    """Read and validate ``unit.toml`` in a rates folder; every problem at once, located."""
    path = Path(folder) / FILE
    if not path.is_file():
        raise InputError([Problem(str(path), None, "", f"file not found: a quote needs {FILE} in the rates folder")])
    data, index = read_toml(path)
    data.pop("$schema", None)
    try:
        return Unit.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, str(path), index)) from None
