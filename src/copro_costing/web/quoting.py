"""The web face's calls into the library: read a costing, price it, render it for download.

Nothing here prices or rounds: a Spec is built by :func:`parse_spec` (so the checks and
messages are the command line's), priced by :func:`estimate`, and rendered by the
Costing's own renderers. The workbook is written by ``Costing.to_excel``, byte for byte
what ``copro-costing quote -o costing.xlsx`` writes for the same costing file.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from ..errors import InputError, Problem
from ..jsonfile import parse_json
from ..pricing.costing import Costing
from ..pricing.engine import estimate
from ..pricing.problems import checked_spec, every_problem
from ..pricing.spec import Spec, parse_spec
from ..ratebook.models import RateBook
from ..tomlfile import LineIndex, not_utf8, parse_toml
from .form import ROW_FIELDS, ROW_NOUNS, SERVICE_YEARS, TABLE_FIELDS, FormState, control_for, to_data

FORM_ORIGIN = "costing form"
REQUEST_ORIGIN = "request"
"""What a problem in an API request's body names as its file."""
TOML_TYPES = ("application/toml", "text/toml", "application/x-toml")
JSON_TYPES = ("application/json",)


class UnsupportedMedia(ValueError):
    """A request body that is neither TOML nor JSON."""


@dataclass(frozen=True)
class Located:
    """A problem, the control it is shown beside (None: shown only in the summary), and that control's label."""

    problem: Problem
    control: str | None
    label: str


@dataclass(frozen=True)
class Outcome:
    """The form, and either its costing or every problem with it."""

    state: FormState
    spec: Spec | None = None
    costing: Costing | None = None
    problems: tuple[Located, ...] = ()

    def by_control(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.problems:
            if p.control:
                out.setdefault(p.control, []).append(p.problem.message)
        return out


def price(spec: Spec, book: RateBook, today: date | None = None) -> Costing:
    """Price ``spec``; one with no pricing date is priced, and kept, with today's."""
    if spec.project.priced_on is None:
        spec = spec.with_project(priced_on=today or date.today())
    return estimate(spec, book)


def price_form(state: FormState, book: RateBook, problems: Iterable[Problem] = ()) -> Outcome:
    """Price what the form holds; on any problem, each one located at its control."""
    data, controls = to_data(state)
    found = list(problems)
    try:
        if found:
            raise InputError(found)
        spec = checked_spec(data, FORM_ORIGIN, None, book)
        return Outcome(state, spec, price(spec, book))
    except InputError as exc:
        return Outcome(state, problems=tuple(locate(exc.problems, controls)))


def locate(problems: Iterable[Problem], controls: Mapping[str, str]) -> list[Located]:
    """Each problem with its control, in line order; those with no line (the form as typed has
    none) in the order of their controls on the page, the one for the whole costing first."""
    out = []
    for problem in problems:
        path = problem.field
        control = control_for(path, controls) if path else None
        out.append(Located(problem, control, label(control) if control else "The costing"))
    on_page = {c: i for i, c in enumerate(dict.fromkeys(controls.values()))}
    return sorted(out, key=lambda p: (p.problem.file, p.problem.line or 0,
                                      -1 if p.problem.line is not None else on_page.get(p.control or "", -1)))


def label(control: str) -> str:
    """The words a person sees for a control: ``Service 2, year 1 quantity``."""
    parts = control.split("-")
    if parts[0] in TABLE_FIELDS:
        name = "-".join(parts[1:])
        return next((f.label for f in TABLE_FIELDS[parts[0]] if f.name == name), name)
    section, row, name = parts[0], int(parts[1]), parts[2]
    where = f"{ROW_NOUNS.get(section, section)} {row + 1}"
    if name == "row":
        return where
    if name == "years":
        return f"{where}, project years"
    if section == "services" and name == "quantity" and len(parts) > 3:
        return f"{where}, year {parts[3]} {SERVICE_YEARS.label.lower()}"
    field = next((f for f in ROW_FIELDS.get(section, ()) if f.name == name), None)
    return f"{where}, {field.label if field else name}"


# Reading a request body ---------------------------------------------------------------------


def spec_from_body(body: bytes, content_type: str, origin: str, book: RateBook | None = None) -> Spec:
    """A costing file sent as TOML, or the same structure as JSON; InputError lists every problem
    (with ``book``, also what the rate tables say about the valid entries, as the command line does)."""
    media = content_type.split(";")[0].strip().lower()
    if media not in TOML_TYPES + JSON_TYPES:
        raise UnsupportedMedia(media)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.one(origin, not_utf8(body[:4], exc)) from None
    lines: LineIndex
    if media in TOML_TYPES:
        data, lines = parse_toml(text, origin)
    else:
        data, lines = parse_json(text, origin)
    try:
        return parse_spec(data, origin, lines)
    except InputError as exc:
        if book is None:
            raise
        raise every_problem(exc, data, origin, lines, book) from None


@dataclass(frozen=True)
class Answer:
    """What a quote request gets: the costing's JSON, every problem with the body, or that it is
    neither TOML nor JSON; ``stuck``: a pricing process answered nothing for it, and was stopped."""

    kind: Literal["json", "problems", "media", "stuck"]
    text: str = ""
    problems: tuple[Problem, ...] = ()


def answer(body: bytes, content_type: str, book: RateBook) -> Answer:
    """The answer to a quote request: exactly ``quote --format json`` for the costing file ``body``."""
    try:
        spec = spec_from_body(body, content_type, REQUEST_ORIGIN, book)
        return Answer("json", price(spec, book).to_json())
    except UnsupportedMedia:
        return Answer("media")
    except InputError as exc:
        return Answer("problems", problems=tuple(exc.problems))


def data_from_toml(text: str, origin: str) -> dict:
    """An uploaded costing file's data, before validation (so it can fill the form even with mistakes)."""
    data, _ = parse_toml(text, origin)
    return data


# Downloads ----------------------------------------------------------------------------------

DOWNLOADS: dict[str, tuple[str, str]] = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "json": ("application/json", "json"),
    "toml": ("application/toml; charset=utf-8", "toml"),
}


def file_stem(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-") or "costing"


def download(costing: Costing, fmt: str) -> tuple[bytes, str, str]:
    """``(content, media type, file name)`` of the costing in ``fmt``: xlsx, csv, md, json or toml."""
    media, ext = DOWNLOADS[fmt]
    name = f"{file_stem(costing.spec.project.title)}.{ext}"
    if fmt == "xlsx":
        with tempfile.TemporaryDirectory() as folder:
            path = costing.to_excel(Path(folder) / name)
            return path.read_bytes(), media, name
    text = {
        "csv": costing.to_csv, "md": costing.to_markdown, "json": costing.to_json, "toml": costing.spec.to_toml,
    }[fmt]()
    return text.encode("utf-8"), media, name
