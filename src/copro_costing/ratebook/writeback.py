"""Writing rate rows back to readable TOML, exactly as they were read.

Used by ``copro-costing rates import``. Each file keeps its header: the ``#:schema``
line editors use for validation and the comment block that explains the file. Values
are written exactly as held (a Decimal read as ``1.50`` is written ``1.50``), so the
SHA-256 stamp of the rows in force on any date is the same before and after a round
trip. An existing file is edited in place (:func:`update_file`, with tomlkit, a
round-trip TOML library): unchanged rows keep their exact text and the comments staff
wrote between rows survive; a new file is written whole with its header.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

from ..tomltext import toml_key, toml_value
from .columns import field_order
from .folder import FILES
from .models import ROW_TYPES, Row

DEFAULT_HEADERS: dict[str, str] = {
    "roles.toml": "# Staff roles of the co-production unit and their day rates.\n"
    "# One [[roles]] row is one version of a role's rates, in force from `effective`\n"
    "# until the next row with the same `id`. Never edit or delete an old row: add a new one.",
    "coproducer.toml": "# The hourly rate paid to co-producers (patients, carers, community members).\n"
    "# Co-producers are always paid: no costing may price their time below the rate in force.",
    "expenses.toml": "# Standard expenses. A costing's [[expenses]] entry can name one with `default = \"id\"`.",
    "tax.toml": "# VAT charged to external clients, the annual uplift used for funders whose\n"
    "# applications include inflation, and which kinds of applicant recover the VAT they pay.\n"
    "# Percentages are written as percent: 20 means 20%.",
    "funders.toml": "# Funders and how co-production is costed into their applications.",
    "currency.toml": "# Budgeting exchange rates: how many units of another currency GBP 1 buys.",
    "services.toml": "# The unit's offer: one [[services]] row is one version of a service.",
}
"""Headers for files that do not exist yet (an existing file's own header is kept)."""


def schema_line(file: str) -> str:
    return f"#:schema ./schema/{Path(file).stem}.schema.json"


def header_of(text: str, file: str) -> str:
    """The comment block at the top of ``text``, with a ``#:schema`` line first."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line.rstrip())
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines or not lines[0].startswith("#:schema"):
        lines.insert(0, schema_line(file))
    return "\n".join(lines)


def default_header(file: str) -> str:
    return schema_line(file) + "\n" + DEFAULT_HEADERS.get(file, "")


def _row_lines(table: str, row: Row) -> list[str]:
    lines = [f"[[{table}]]"]
    for name in field_order(table):
        value = getattr(row, name)
        if value is None or (name in ("notes", "guidance", "policy") and value == ""):  # optional text left out
            continue
        if hasattr(value, "model_dump"):
            value = _plain(value)
        if name == "headings":
            if not value:
                continue
            lines.append(f"{name} = [")
            lines += [f"  {toml_value(_plain(v))}," for v in value]
            lines.append("]")
        else:
            lines.append(f"{toml_key(name)} = {toml_value(value)}")
    return lines


def _plain(model: BaseModel) -> dict[str, object]:
    """A nested model as a TOML inline table: its fields in order, empty and default flags left out."""
    out: dict[str, object] = {}
    for key in type(model).model_fields:
        value = getattr(model, key)
        if value is None or (key == "base" and value is True):
            continue
        out[key] = value
    return out


def _row_fields(table: str, row: Row) -> list[tuple[str, str]]:
    """(field, TOML value text) of a row, in the table's field order, as :func:`_row_lines` writes them."""
    out = []
    for name in field_order(table):
        value = getattr(row, name)
        if value is None or (name == "notes" and value == ""):
            continue
        if name == "headings":
            if value:
                out.append((name, "[\n" + "".join(f"  {toml_value(_plain(v))},\n" for v in value) + "]"))
            continue
        if hasattr(value, "model_dump"):
            value = _plain(value)
        out.append((name, toml_value(value)))
    return out


def update_file(file: str, text: str, tables: Mapping[str, Sequence[Row]]) -> str:
    """``text`` (an existing rates file) edited in place to hold exactly ``tables``' rows.

    Rows are matched by item and effective date: a matched row keeps its text, comments
    and position, with only changed fields rewritten; rows that are gone are removed;
    new rows are added after the last row of their table.
    """
    import tomlkit
    from tomlkit.items import AoT

    doc = tomlkit.parse(text)
    model_of = ROW_TYPES
    for table in FILES[file]:
        rows = list(tables.get(table, ()))
        wanted = {(row.key, row.effective): row for row in rows}
        existing = doc.get(table)
        if not isinstance(existing, AoT):
            existing = tomlkit.aot()
            doc.append(table, existing)
        keep = []
        for entry in existing.body:
            try:
                old = model_of[table].model_validate(tomlkit_plain(entry))
            except Exception:
                continue
            row = wanted.pop((old.key, old.effective), None)
            if row is None:
                continue
            fields = dict(_row_fields(table, row))
            for name in [k for k in entry if k not in fields]:
                del entry[name]
            old_fields = dict(_row_fields(table, old))
            for name, value in fields.items():
                if old_fields.get(name) != value:
                    entry[name] = tomlkit.value(value)
            keep.append(entry)
        existing.body[:] = keep
        for row in rows:
            if (row.key, row.effective) in wanted:
                new = tomlkit.table()
                for name, value in _row_fields(table, row):
                    new.add(name, tomlkit.value(value))
                existing.append(new)
    return tomlkit.dumps(doc)


def tomlkit_plain(entry: object) -> object:
    """A tomlkit table as plain data with Decimals exactly as written (the models refuse floats)."""
    import tomlkit

    from ..tomlfile import parse_toml

    data, _ = parse_toml(tomlkit.dumps({"x": entry}), "<row>")
    value = data["x"]
    return value[0] if isinstance(value, list) else value  # a row of an array of tables dumps as [[x]]


def render_file(file: str, tables: Mapping[str, Sequence[Row]], header: str) -> str:
    """One rates file: its header, then every row of each of its tables, in order."""
    out = [header.rstrip("\n"), ""]
    for table in FILES[file]:
        for row in tables.get(table, ()):
            out += _row_lines(table, row)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def verify_round_trip(file: str, text: str, tables: Mapping[str, Sequence[Row]]) -> None:
    """Re-read ``text`` and insist it gives exactly ``tables``' rows (a fault otherwise)."""
    from ..tomlfile import parse_toml

    data, _ = parse_toml(text, file)
    for table in FILES[file]:
        model = ROW_TYPES[table]
        def key(record: dict[str, object]) -> str:
            return json.dumps(record, sort_keys=True)

        # Order in a file does not matter (versions are ordered by date); the rows must.
        again = sorted((model.model_validate(entry).model_dump(mode="json") for entry in data.get(table, [])), key=key)
        want = sorted((row.model_dump(mode="json") for row in tables.get(table, ())), key=key)
        if again != want:
            raise RuntimeError(f"{file}: writing [[{table}]] would not read back exactly; nothing was written")
