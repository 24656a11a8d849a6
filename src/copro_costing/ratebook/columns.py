"""Rate rows as flat columns: the one field order used by TOML, Excel, ``rates show`` and ``diff``.

A rate row is mostly flat; three fields are nested and are spread over columns so a
person can edit them in a spreadsheet without learning a syntax:

- ``effort`` (staff days per unit, by role) becomes one column per role,
  ``effort.<role id>``; an empty cell means the service does not use that role.
- ``coproducers`` becomes ``coproducers.people``, ``coproducers.hours`` and
  ``coproducers.prep_hours``; all three empty means no co-producer time is included.
- a yes-or-no field (``recovers_vat``) is the word ``yes`` or ``no`` in a cell.
- ``headings`` (a funder's budget headings, in order) becomes ``headings.1``,
  ``headings.2`` … (the heading's name), with ``headings.1.category`` and
  ``headings.1.base`` beside each; ``heading_for`` and ``heading_for_external`` become one
  column per kind of line.

The same column names appear in problem messages, so a problem found in a workbook
names the column a person sees.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from .models import CATEGORIES, ROW_TYPES, CoproducersIncluded, HeadingMap, Row

MONEY_FIELDS = frozenset({"internal_day_rate", "external_day_rate", "direct_day_rate", "hourly_rate", "amount"})
PERCENT_FIELDS = frozenset({"percent", "indirect_percent", "directly_incurred", "directly_allocated", "indirect", "exception"})

ORDER: dict[str, tuple[str, ...]] = {
    "roles": ("id", "name", "effective", "internal_day_rate", "external_day_rate", "direct_day_rate", "currency", "source"),
    "coproducer_rate": ("tier", "name", "effective", "hourly_rate", "currency", "policy", "source"),
    "expense_defaults": ("id", "name", "effective", "amount", "unit", "currency", "source"),
    "vat": ("effective", "percent", "source"),
    "uplift": ("effective", "percent", "source"),
    "vat_recovery": ("applicant", "effective", "recovers_vat", "source"),
    "funders": (
        "id", "name", "effective", "inflation", "day_rate", "unit_time", "indirect_percent", "currency", "vat",
        "headings", "heading_for", "heading_for_external", "notes", "guidance", "source",
    ),
    "funder_shares": (
        "funder", "applicant", "effective", "directly_incurred", "directly_allocated", "indirect", "exception", "source",
    ),
    "exchange_rates": ("currency", "effective", "rate", "source"),
    "services": (
        "id", "name", "description", "unit", "effective", "effort", "coproducers", "internal_policy", "vat",
        "vat_source", "source",
    ),
}
"""Field order per table, as the shipped TOML files write them (any new model field goes last)."""

COPRODUCER_PARTS = tuple(CoproducersIncluded.model_fields)
HEADING_KINDS = tuple(HeadingMap.model_fields)
HEADING_MAPS = ("heading_for", "heading_for_external")
YES_NO = ("yes", "no")


def field_order(table: str) -> tuple[str, ...]:
    """The fields of ``table`` in display order: the preferred order, then any others."""
    fields = tuple(ROW_TYPES[table].model_fields)
    preferred = tuple(f for f in ORDER.get(table, ()) if f in fields)
    return preferred + tuple(f for f in fields if f not in preferred)


@dataclass(frozen=True)
class Column:
    """One flat column of a table: its header, what kind of value it holds, its help text."""

    name: str
    kind: str  # text, money, number, percent, int, date, choice
    choices: tuple[str, ...] = ()
    description: str = ""
    dynamic: bool = False  # effort.<role> and headings.<n>: present as the data needs


def _choices(annotation: object) -> tuple[str, ...]:
    """The allowed values of a Literal field (also inside Annotated)."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is typing.Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    return ()


def _is_bool(annotation: object) -> bool:
    """A yes-or-no field (``bool``, also ``StrictBool``: bool annotated)."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation is bool


def _kind(name: str, annotation: object) -> str:
    if name in MONEY_FIELDS:
        return "money"
    if name in PERCENT_FIELDS:
        return "percent"
    if _choices(annotation):
        return "choice"
    if _is_bool(annotation):
        return "choice"
    if annotation is date:
        return "date"
    if annotation is Decimal:
        return "number"
    if annotation is int:
        return "int"
    return "text"


def _description(model: type[BaseModel], name: str) -> str:
    info = model.model_fields[name]
    return info.description or ""


def columns(table: str, roles: Sequence[str] = (), headings: int = 1) -> list[Column]:
    """The flat columns of ``table``; ``roles`` and ``headings`` size the dynamic ones."""
    model = ROW_TYPES[table]
    out: list[Column] = []
    for name in field_order(table):
        info = model.model_fields[name]
        if name == "effort":
            for role in roles:
                out.append(Column(f"effort.{role}", "number", dynamic=True,
                                  description=f"Staff days per unit for role {role!r}; empty if not used."))
        elif name == "coproducers":
            for part in COPRODUCER_PARTS:
                kind = "int" if part == "people" else "number"
                out.append(Column(f"coproducers.{part}", kind,
                                  description=_description(CoproducersIncluded, part) or {
                                      "people": "Co-producers included in one unit (empty: none).",
                                      "hours": "Hours each co-producer works per unit.",
                                      "prep_hours": "Preparation hours each co-producer is paid per unit.",
                                  }[part]))
        elif name == "headings":
            for n in range(1, max(headings, 1) + 1):
                out.append(Column(f"headings.{n}", "text", dynamic=True,
                                  description=f"Budget heading number {n} of the funder's form."))
                out.append(Column(f"headings.{n}.category", "choice", CATEGORIES, dynamic=True,
                                  description=f"The cost category of heading {n}."))
                out.append(Column(f"headings.{n}.base", "choice", YES_NO, dynamic=True,
                                  description=f"Whether heading {n} counts in the base of a flat indirect rate (yes or no)."))
        elif name in HEADING_MAPS:
            for kind in HEADING_KINDS:
                whose = "external clients' " if name == "heading_for_external" else ""
                out.append(Column(f"{name}.{kind}", "text",
                                  description=f"Which of the headings {whose}{kind.replace('_', ' ')} lines go to."))
        else:
            choices = YES_NO if _is_bool(info.annotation) else _choices(info.annotation)
            out.append(Column(name, _kind(name, info.annotation), choices, info.description or ""))
    return out


def table_columns(table: str, rows: Iterable[Row], role_ids: Sequence[str] = ()) -> list[Column]:
    """Columns wide enough for ``rows``: every role in ``role_ids`` or used, every heading."""
    rows = list(rows)
    roles = list(dict.fromkeys(role_ids))
    headings = 1
    for row in rows:
        for role in getattr(row, "effort", {}) or {}:
            if role not in roles:
                roles.append(role)
        headings = max(headings, len(getattr(row, "headings", ()) or ()))
    return columns(table, roles, headings)


def flatten(row: Row) -> dict[str, Any]:
    """A row as ``{column name: value}``; values keep their exact Python types (Decimal, date)."""
    out: dict[str, Any] = {}
    for name in field_order(_table_of(row)):
        value = getattr(row, name)
        if name == "effort":
            for role, days in value.items():
                out[f"effort.{role}"] = days
        elif name == "coproducers":
            if value is not None:
                for part in COPRODUCER_PARTS:
                    out[f"coproducers.{part}"] = getattr(value, part)
        elif name == "headings":
            for n, heading in enumerate(value, start=1):
                out[f"headings.{n}"] = heading.name
                out[f"headings.{n}.category"] = heading.category
                out[f"headings.{n}.base"] = "yes" if heading.base else "no"
        elif name in HEADING_MAPS:
            if value is not None:
                for kind in HEADING_KINDS:
                    if getattr(value, kind) is not None:
                        out[f"{name}.{kind}"] = getattr(value, kind)
        elif isinstance(value, bool):
            out[name] = "yes" if value else "no"
        else:
            out[name] = value
    return out


def _table_of(row: Row) -> str:
    for table, model in ROW_TYPES.items():
        if type(row) is model:
            return table
    raise TypeError(f"not a rate row: {type(row).__name__}")


_HEADING = re.compile(r"^headings\.(\d+)(?:\.(category|base))?$")


def unflatten(table: str, cells: Mapping[str, Any]) -> dict[str, Any]:
    """Column values (blank cells left out) back into the nested data a row model reads."""
    data: dict[str, Any] = {}
    headings: dict[int, dict[str, Any]] = {}
    for name, value in cells.items():
        if name.startswith("effort."):
            data.setdefault("effort", {})[name[len("effort."):]] = value
        elif name.startswith("coproducers."):
            data.setdefault("coproducers", {})[name[len("coproducers."):]] = value
        elif match := _HEADING.match(name):
            part = match.group(2) or "name"
            if part == "base" and isinstance(value, str) and value.strip().lower() in YES_NO:
                value = value.strip().lower() == "yes"
            headings.setdefault(int(match.group(1)), {})[part] = value
        elif name.split(".", 1)[0] in HEADING_MAPS and "." in name:
            head, kind = name.split(".", 1)
            data.setdefault(head, {})[kind] = value
        elif name in _bool_fields(table) and isinstance(value, str) and value.strip().lower() in YES_NO:
            data[name] = value.strip().lower() == "yes"
        else:
            data[name] = value
    if "effort" in field_order(table) and "effort" not in data:
        data["effort"] = {}
    if headings:
        data["headings"] = [value for _, value in sorted(headings.items())]
    return data


def _bool_fields(table: str) -> frozenset[str]:
    """The yes-or-no fields of ``table``, which a cell gives as ``yes`` or ``no``."""
    return frozenset(name for name, info in ROW_TYPES[table].model_fields.items() if _is_bool(info.annotation))


def column_for(loc: Sequence[str | int], names: Sequence[str]) -> str | None:
    """The column a pydantic error location points at (``("headings", 2)`` → ``headings.3``)."""
    if not loc:
        return None
    head = str(loc[0])
    if head == "headings":
        if len(loc) > 1 and isinstance(loc[1], int):
            part = f".{loc[2]}" if len(loc) > 2 and loc[2] in ("category", "base") else ""
            return f"headings.{loc[1] + 1}{part}"
        return "headings.1"
    if len(loc) > 1 and head in ("effort", "coproducers", *HEADING_MAPS):
        name = f"{head}.{loc[1]}"
        return name
    if head in names:
        return head
    prefixed = [n for n in names if n.startswith(f"{head}.")]
    return prefixed[0] if prefixed else None


def item_label(table: str, row: Row) -> str:
    """How an item is named to people: ``roles/director``, or ``vat`` for one-row tables."""
    return f"{table}/{row.key}" if row.key else table
