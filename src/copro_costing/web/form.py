"""The costing form: which controls it has, and the way between form values and a costing file.

Every control comes from one of the field lists below (one per section of a costing
file), so a new field in the costing file is one more :class:`Field` here; the templates
and the parsing follow. The form never checks or prices anything itself: it turns what
was typed into the same plain data a costing file holds (numbers as numbers, dates as
dates) and lets :func:`~copro_costing.pricing.spec.parse_spec` and the engine judge it,
so every message is the command line's. :func:`to_data` also returns, for each field
path a problem can name (``services[2].quantity``), the id of the control to show it by.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args

from pydantic import BaseModel

from ..pricing.spec import ExpenseEntry, InvolvementEntry, Project, ServiceEntry, Spec
from ..pricing.status import Status

Kind = Literal["text", "int", "decimal", "date", "choice", "bool"]
SECTIONS = ("services", "involvement", "expenses")
MAX_YEARS = 10  # 120 months, the longest project a costing file allows
MAX_ROWS = 200


@dataclass(frozen=True)
class Field:
    """One control of the form, named as the costing file names the field."""

    name: str
    label: str
    kind: Kind = "text"
    hint: str = ""
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); for "choice" and "bool"
    source: str = ""  # choices from the rate tables: "services", "funders", "expense_defaults", "headings", "tiers"
    wide: bool = False


def literal_choices(model: type[BaseModel], name: str) -> tuple[tuple[str, str], ...]:
    """The values a Literal field of a spec model allows, as (value, label) choices."""
    annotation = model.model_fields[name].annotation
    values = [a for a in get_args(annotation) if a is not type(None)]
    if len(values) == 1 and get_args(values[0]):  # Literal[...] | None
        values = list(get_args(values[0]))
    return tuple((str(v), str(v).replace("-", " ").capitalize()) for v in values)


PROJECT_FIELDS: tuple[Field, ...] = (
    Field("title", "Project title", required=True, wide=True),
    Field("organisation", "Organisation", hint="The client's organisation, e.g. Camden Council.", wide=True),
    Field("client", "Client", "choice", required=True, choices=literal_choices(Project, "client"),
          hint="Internal: staff of the same university. External: everyone else."),
    Field("funder", "Funder", "choice", required=True, source="funders",
          hint='"No funder" for work the client commissions and pays for itself.'),
    Field("applicant", "Applicant", "choice", choices=(("", "A university (the default)"),
                                                      *literal_choices(Project, "applicant")),
          hint="Who applies to the funder: its share depends on it."),
    Field("unit_time", "The unit's time is booked", "choice",
          choices=(("", "As the funder's rules say (the default)"), ("charge-out", "At its charge-out day rate"),
                   ("staff", "As timesheeted staff")),
          hint="Only where the funder offers the choice (UKRI, for example)."),
    Field("currency", "Currency", "choice", choices=(("GBP", "GBP (£)"), ("EUR", "EUR (€)")),
          hint="EUR converts at the budgeting rate in the rate tables, unless you give one below."),
    Field("exchange_rate", "Exchange rate (EUR per GBP 1)", "decimal", hint="Blank: the rate in the tables."),
    Field("exchange_rate_source", "Where the exchange rate comes from", hint="Needed with your own rate.", wide=True),
    Field("start", "Start date", "date", required=True, hint="The first day of the project, as YYYY-MM-DD."),
    Field("months", "Length in months", "int", required=True, hint="From 1 to 120; a part year counts as a year."),
    Field("priced_on", "Price with the rates in force on", "date",
          hint="YYYY-MM-DD. Kept in the costing file, so it prices the same later."),
    Field("vat_position", "VAT position", "choice",
          choices=(("", "As the client is: internal, or a UK client (the default)"),
                   ("collaborator", "A partner named on the grant (outside the scope)"),
                   ("overseas-business", "A business customer overseas (outside the scope)"))),
    Field("vat", "VAT", "bool", choices=(("", "As the VAT position says (the default)"),
                                         ("false", "No VAT: finance confirmed it is not due"))),
    Field("vat_reason", "Reason there is no VAT", hint="With a collaborator or overseas position, or no VAT.", wide=True),
    Field("reference", "Your reference", hint="Optional, e.g. HC-2026-014."),
)

STATUS_FIELDS: tuple[Field, ...] = (
    Field("stage", "Stage", "choice", choices=(("", "Not recorded (a draft)"), *literal_choices(Status, "stage")),
          hint="Where the bid stands, for the unit's portfolio report."),
    Field("submitted", "Submitted on", "date", hint="YYYY-MM-DD, once it has gone to the funder or client."),
    Field("decided", "Decided on", "date", hint="YYYY-MM-DD, once the funder or client said yes or no."),
    Field("department", "Department"),
    Field("faculty", "Faculty"),
    Field("contact", "Contact", hint="Who to ask about this costing: a name or an email address."),
)

SERVICE_FIELDS: tuple[Field, ...] = (
    Field("service", "Service", "choice", required=True, source="services"),
    Field("decision", "Decision", "choice", choices=(("", "None (not case by case)"), *literal_choices(ServiceEntry, "decision")),
          hint="Only for case-by-case services for internal clients."),
    Field("reason", "Reason for the decision", hint="Who decided and why.", wide=True),
    Field("note", "Note", wide=True),
)
SERVICE_YEARS = Field("quantity", "Quantity", "decimal", hint="Units in each project year.")

INVOLVEMENT_FIELDS: tuple[Field, ...] = (
    Field("activity", "Activity", required=True, wide=True),
    Field("people", "People", "int", required=True),
    Field("sessions", "Sessions a year", "int", required=True),
    Field("hours", "Hours a session", "decimal", required=True),
    Field("prep_hours", "Preparation hours a session", "decimal"),
    Field("expenses", "Expenses per person per session (£)", "decimal", hint="Blank: the standard allowance."),
    Field("rate", "Hourly rate (£)", "decimal", hint="Blank: the co-producer rate in force."),
    Field("tier", "Payment tier", "choice", source="tiers", hint="Each tier's rate is a floor."),
    Field("note", "Note", wide=True),
)

EXPENSE_FIELDS: tuple[Field, ...] = (
    Field("item", "Item", required=True, wide=True),
    Field("default", "Standard cost", "choice", source="expense_defaults", hint="Or give a cost per item."),
    Field("cost", "Cost per item (£)", "decimal"),
    Field("quantity", "Quantity a year", "decimal", hint="Blank: 1."),
    Field("heading", "Funder heading", "choice", source="headings", hint="Blank: the usual heading."),
    Field("uplift", "Inflation", "bool", choices=(("", "Not uplifted (the default)"),
                                                  ("true", "Uplifted as the unit's rates are"))),
    Field("note", "Note", wide=True),
)

ROW_FIELDS: dict[str, tuple[Field, ...]] = {
    "services": SERVICE_FIELDS, "involvement": INVOLVEMENT_FIELDS, "expenses": EXPENSE_FIELDS,
}
ROW_NOUNS = {"services": "Service", "involvement": "Co-producer activity", "expenses": "Other expense"}
ADD_LABELS = {"services": "Add a service", "involvement": "Add a co-producer activity", "expenses": "Add an expense"}
TABLE_FIELDS: dict[str, tuple[Field, ...]] = {"project": PROJECT_FIELDS, "status": STATUS_FIELDS}
"""The costing file's single tables ([project], [status]); the sections are lists of rows."""
MODELS: dict[str, type[BaseModel]] = {
    "project": Project, "status": Status, "services": ServiceEntry, "involvement": InvolvementEntry, "expenses": ExpenseEntry,
}
YEAR_FIELDS = ("year", "years")
NOT_ON_THE_FORM = {"involvement": {"decision"}}  # refused by the model: co-producers are always paid


@dataclass
class FormState:
    """What the form holds: the raw text of each control, as typed."""

    project: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    costing_id: str = ""

    @property
    def years(self) -> int:
        """How many year columns to show: the project's years, from its months (1 until they are valid)."""
        try:
            months = int(self.project.get("months", "").strip())
        except ValueError:
            return 1
        return min(max(math.ceil(months / 12), 1), MAX_YEARS) if months > 0 else 1

    def with_blank_rows(self) -> FormState:
        """Each section with one empty row at the end when it has none, ready to type into."""
        for section in SECTIONS:
            if not self.rows[section]:
                self.rows[section].append(blank_row(section))
        return self


def blank_row(section: str) -> dict[str, Any]:
    row: dict[str, Any] = {f.name: "" for f in ROW_FIELDS[section]}
    row["quantity" if section == "services" else "years"] = {} if section == "services" else set()
    return row


# Reading the submitted form --------------------------------------------------------------


def from_form(values: Mapping[str, Any]) -> FormState:
    """A FormState from submitted controls (names such as ``project.title``, ``services.0.quantity.2``).

    ``values`` maps a name to its value or, for check boxes, to the list of values checked.
    """
    state = FormState(costing_id=_text(values.get("costing_id")))
    for table, fields in TABLE_FIELDS.items():
        for f in fields:
            getattr(state, table)[f.name] = _text(values.get(f"{table}.{f.name}"))
    for section in SECTIONS:
        indexes = sorted({int(m[1]) for name in values if (m := re.match(rf"^{section}\.([0-9]{{1,4}})\.", name))})
        for i in indexes[:MAX_ROWS]:
            row = blank_row(section)
            for f in ROW_FIELDS[section]:
                row[f.name] = _text(values.get(f"{section}.{i}.{f.name}"))
            if section == "services":
                for y in range(1, MAX_YEARS + 1):
                    if text := _text(values.get(f"{section}.{i}.quantity.{y}")):
                        row["quantity"][y] = text
            else:
                checked = values.get(f"{section}.{i}.years") or []
                row["years"] = {int(v) for v in ([checked] if isinstance(checked, str) else checked)
                                if re.fullmatch(r"[0-9]{1,2}", str(v)) and 1 <= int(v) <= MAX_YEARS}
            state.rows[section].append(row)
    return state


def _text(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value)


def _is_blank(section: str, row: Mapping[str, Any]) -> bool:
    texts = [row.get(f.name, "").strip() for f in ROW_FIELDS[section]]
    years = row["quantity"] if section == "services" else row["years"]
    return not any(texts) and not years


_INT = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")


def typed(kind: Kind, text: str) -> object:
    """The value a costing file would hold for ``text``: a number, a date, or (if it is neither) the text."""
    if kind == "int" and _INT.match(text):
        try:
            return int(text)
        except ValueError:  # more digits than Python reads: the field's own check says what it expects
            return text
    if kind in ("int", "decimal") and _DECIMAL.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:
            return text
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    if kind == "bool":
        return {"false": False, "true": True}.get(text, text)
    return text


def control_id(*parts: object) -> str:
    return "-".join(str(p) for p in parts)


def to_data(state: FormState) -> tuple[dict[str, Any], dict[str, str]]:
    """The costing-file data the form describes, and where each field path's problems go.

    Blank rows are left out. A service row becomes one entry per distinct quantity (in
    year order), so different quantities in different years stay one row of the form.
    Years beyond the project's length are not shown, so they are not read.
    """
    shown = state.years
    controls: dict[str, str] = {}
    data: dict[str, Any] = {}
    for table, fields in TABLE_FIELDS.items():
        values: dict[str, Any] = {}
        for f in fields:
            controls[f"{table}.{f.name}"] = control_id(table, f.name)
            if text := getattr(state, table).get(f.name, "").strip():
                values[f.name] = typed(f.kind, text)
        if values or table == "project":  # no [status] table: a draft
            data[table] = values
    controls["status"] = control_id("status", "stage")  # a [status] that is not a table: shown by the stage
    for section in SECTIONS:
        entries: list[dict[str, Any]] = []
        for r, row in enumerate(state.rows[section]):
            if _is_blank(section, row):
                continue
            common = {f.name: typed(f.kind, row[f.name].strip()) for f in ROW_FIELDS[section] if row[f.name].strip()}
            if section == "services":
                groups: dict[str, list[int]] = {}
                for y in sorted(row["quantity"]):
                    if y <= shown and row["quantity"][y].strip():
                        groups.setdefault(row["quantity"][y].strip(), []).append(y)
                parts = [({"quantity": typed("decimal", q)}, ys) for q, ys in groups.items()] or [({}, [])]
            else:
                parts = [({}, sorted(y for y in row["years"] if y <= shown))]
            for extra, years in parts:
                e = len(entries)
                entry = {**common, **extra}
                if len(years) == 1:
                    entry["year"] = years[0]
                elif years:
                    entry["years"] = years
                entries.append(entry)
                first = years[0] if years else 1
                year_control = (control_id(section, r, "quantity", first) if section == "services"
                                else control_id(section, r, "years"))
                controls[f"{section}[{e}]"] = control_id(section, r, "row")
                for f in ROW_FIELDS[section]:
                    controls[f"{section}[{e}].{f.name}"] = control_id(section, r, f.name)
                for name in (*YEAR_FIELDS, *(("quantity",) if section == "services" else ())):
                    controls[f"{section}[{e}].{name}"] = year_control
        if entries:
            data[section] = entries
    return data, controls


def control_for(path: str, controls: Mapping[str, str]) -> str | None:
    """The control a problem at ``path`` belongs to: the path's own, else its nearest parent's."""
    from ..tomlfile import data_path

    path = data_path(path)  # problems name entries as people count them; controls as the data does
    while path:
        if path in controls:
            return controls[path]
        trimmed = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path)
        if trimmed == path:
            break
        path = trimmed
    return None


# Filling the form from a costing file ------------------------------------------------------


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _years_of(entry: Mapping[str, Any]) -> list[int]:
    years = entry.get("years") if "years" in entry else [entry.get("year")]
    if not isinstance(years, list | tuple):
        years = [years]
    return [y for y in years if isinstance(y, int) and not isinstance(y, bool) and 1 <= y <= MAX_YEARS]


def from_data(data: Mapping[str, Any], costing_id: str = "") -> FormState:
    """The form filled from costing-file data (as read from TOML), to go on editing it.

    Works on data that does not validate too, so an uploaded file with mistakes still
    fills the form and its problems can be shown by their fields.
    """
    state = FormState(costing_id=costing_id)
    for table, fields in TABLE_FIELDS.items():
        given = data.get(table)
        if not isinstance(given, dict):
            given = {}
        for f in fields:
            getattr(state, table)[f.name] = _shown(given.get(f.name))
    for section in SECTIONS:
        entries = data.get(section)
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            row = blank_row(section)
            for f in ROW_FIELDS[section]:
                row[f.name] = _shown(entry.get(f.name))
            years = _years_of(entry)
            if section == "services":
                row["quantity"] = {y: _shown(entry.get("quantity")) for y in (years or [1])}
            else:
                row["years"] = set(years)
            state.rows[section].append(row)
    return state


def fields_not_on_the_form() -> list[str]:
    """Fields of the costing file the form has no control for (a test keeps this empty)."""
    missing = [name for name in Spec.model_fields if name not in MODELS]
    for section, model in MODELS.items():
        names = {f.name for f in (TABLE_FIELDS.get(section) or ROW_FIELDS[section])}
        if section == "services":
            names.add("quantity")
        if section in ROW_FIELDS:
            names.update(YEAR_FIELDS)
        names |= NOT_ON_THE_FORM.get(section, set())
        missing += [f"{section}.{name}" for name in model.model_fields if name not in names]
    return missing
