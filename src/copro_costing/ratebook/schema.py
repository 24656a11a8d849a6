"""JSON Schemas for the rates files, generated from the row models.

Each TOML file in ``rates/`` starts with ``#:schema ./schema/<file>.schema.json`` so an
editor that understands it (VS Code with Even Better TOML / Taplo, JetBrains IDEs)
checks fields as staff type. The schemas are generated, never edited by hand, and a
test fails when the committed ones are out of date. Regenerate with::

    python -m copro_costing.ratebook.schema rates/schema

(``--check`` exits 1, changing nothing, if any file would change.)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import GenericAlias
from typing import Any

from pydantic import ConfigDict, create_model

from .columns import MONEY_FIELDS, PERCENT_FIELDS
from .folder import FILES, OPTIONAL_TABLES
from .models import ROW_TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
IDENT = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# What the row models' validators enforce in Python, said again for editors: pydantic
# cannot see inside a BeforeValidator, so a Decimal field's schema is only "number or
# string" until these bounds are added.
#
# Decimal places are limited on the string form only (a pattern). On the number form
# they are not: JSON Schema's only tool is ``multipleOf: 0.01``, and validators test it
# in binary floating point (python-jsonschema, and the Rust validator behind Taplo /
# Even Better TOML, divide and look for a remainder), so they would reject about one
# valid amount in nine (0.07, 1.15, 546.07 …) while staff type. ``rates check`` refuses
# a third decimal place exactly, with the line; the schema never refuses a valid figure.
NUMBER_RULES: dict[str, tuple[dict[str, int], int]] = {
    **{name: ({"minimum": 0}, 2) for name in MONEY_FIELDS},
    **{name: ({"minimum": 0, "maximum": 100}, 4) for name in PERCENT_FIELDS},
    "hours": ({"exclusiveMinimum": 0}, 2),
    "prep_hours": ({"minimum": 0}, 2),
    "effort": ({"exclusiveMinimum": 0}, 2),
}


def _decimal_schema(prop: dict[str, Any], bounds: dict[str, int], max_places: int) -> None:
    prop.pop("anyOf", None)
    prop["anyOf"] = [
        {"type": "number", **bounds},
        {"type": "string", "pattern": rf"^[0-9]+(\.[0-9]{{1,{max_places}}})?$"},
    ]


BOUND_KEYWORDS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
"""pydantic writes a Field(gt=...) behind a validator under its own name; JSON Schema's names."""

_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs")
_SUBSCHEMAS = ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else")
_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")


def _standard_bounds(schema: Any) -> None:
    """Rename pydantic's ``gt`` / ``ge`` / ``lt`` / ``le`` to JSON Schema keywords, everywhere."""
    if not isinstance(schema, dict):
        return
    for ours, theirs in BOUND_KEYWORDS.items():
        if ours in schema:
            schema[theirs] = schema.pop(ours)
    for key in _SUBSCHEMA_MAPS:
        for sub in schema.get(key, {}).values():
            _standard_bounds(sub)
    for key in _SUBSCHEMAS:
        _standard_bounds(schema.get(key))
    for key in _SUBSCHEMA_LISTS:
        for sub in schema.get(key, ()):
            _standard_bounds(sub)


def _tighten(schema: dict[str, Any]) -> dict[str, Any]:
    _standard_bounds(schema)
    for definition in schema.get("$defs", {}).values():
        for name, prop in definition.get("properties", {}).items():
            if name not in NUMBER_RULES:
                continue
            bounds, max_places = NUMBER_RULES[name]
            if name == "effort":
                for value in prop.get("patternProperties", {}).values():
                    _decimal_schema(value, bounds, max_places)
                prop["propertyNames"] = {"pattern": IDENT}
            elif "anyOf" in prop:
                _decimal_schema(prop, bounds, max_places)
    return schema


def schema_name(file: str) -> str:
    """``roles.toml`` → ``roles.schema.json``."""
    return f"{Path(file).stem}.schema.json"


def file_schema(file: str) -> dict[str, Any]:
    """The JSON Schema of one rates file: its tables, each an array of that table's rows."""
    tables = FILES[file]
    # list[row class], built from the table's class at run time (what ``list[Role]`` evaluates to).
    # An optional table (one an older folder may lack) is not required.
    fields: dict[str, Any] = {table: (GenericAlias(list, ROW_TYPES[table]), [] if table in OPTIONAL_TABLES else ...)
                              for table in tables}
    model = create_model(
        f"{Path(file).stem.capitalize()}File",
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )
    schema = _tighten(model.model_json_schema(mode="validation"))
    listing = ", ".join(f"[[{t}]]" for t in tables)
    return {
        "$schema": DIALECT,
        "title": f"copro-costing rates file {file}",
        "description": (
            f"The {listing} rows of {file}: one row per version of an item, in force from its "
            "`effective` date. Generated from the copro-costing row models: do not edit by hand."
        ),
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def schema_text(file: str) -> str:
    return json.dumps(file_schema(file), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def unit_schema_text() -> str:
    """The schema of ``unit.toml``: who a quote is from (see :mod:`.unit`)."""
    from .unit import FILE, Unit

    schema = _tighten(Unit.model_json_schema(mode="validation"))
    schema["properties"]["$schema"] = {"type": "string"}
    document = {
        "$schema": DIALECT,
        "title": f"copro-costing rates file {FILE}",
        "description": "The co-production unit as its quotes name it; every value with its source. "
        "Generated from the copro-costing models: do not edit by hand.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def all_schemas() -> dict[str, str]:
    """Every schema file's name and text."""
    return {**{schema_name(file): schema_text(file) for file in FILES}, "unit.schema.json": unit_schema_text()}


def write_schemas(folder: Path | str) -> list[str]:
    """Write every schema into ``folder`` (atomically); return the names that changed."""
    from ..atomic import write_text_atomic

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in all_schemas().items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_text_atomic(path, text)
            changed.append(name)
    return changed


def stale_schemas(folder: Path | str) -> list[str]:
    """Names of schema files in ``folder`` that are missing or differ from the models."""
    folder = Path(folder)
    return [
        name for name, text in all_schemas().items()
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m copro_costing.ratebook.schema", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="where the schemas live, e.g. rates/schema")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any schema is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_schemas(args.folder)
        for name in stale:
            print(f"{args.folder / name}: out of date with the models", file=sys.stderr)
        return 1 if stale else 0
    changed = write_schemas(args.folder)
    print(f"{len(changed)} schema files written" + (f": {', '.join(changed)}" if changed else " (all up to date)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
