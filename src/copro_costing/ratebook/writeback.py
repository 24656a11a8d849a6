"""Writing rate rows back to readable TOML, exactly as they were read.

Used by ``copro-costing rates import``. Each file keeps its header: the ``#:schema``
line editors use for validation and the comment block that explains the file. Values
are written exactly as held (a Decimal read as ``1.50`` is written ``1.50``), so the
SHA-256 stamp of the rows in force on any date is the same before and after a round
trip. Comments between rows are not kept; the header is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..tomlfile import toml_key, toml_value
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
    "tax.toml": "# VAT charged to external clients, and the annual uplift used for funders whose\n"
    "# applications include inflation. Percentages are written as percent: 20 means 20%.",
    "funders.toml": "# Funders and how co-production is costed into their applications.",
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
            value = {k: getattr(value, k) for k in type(value).model_fields}
        if name == "headings" and len(value) > 1:
            lines.append(f"{name} = [")
            lines += [f"  {toml_value(v)}," for v in value]
            lines.append("]")
        else:
            lines.append(f"{toml_key(name)} = {toml_value(value)}")
    return lines


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
        again = [model.model_validate(entry).model_dump(mode="json") for entry in data.get(table, [])]
        want = [row.model_dump(mode="json") for row in tables.get(table, ())]
        if again != want:
            raise RuntimeError(f"{file}: writing [[{table}]] would not read back exactly; nothing was written")
