"""Writing TOML: plain data as a readable costing or rates file, every value exact.

Decimals are written as held (never through a binary float), every control character
in text is escaped, and keys are quoted only when they must be.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(text: str) -> str:
    """A TOML basic string; every control character escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_string(key)


def toml_value(value: object) -> str:
    """One value in TOML syntax; Decimals exactly as held (never through a float)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError(f"refusing to write a binary float to TOML (got {value!r})")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dump_toml(data: dict[str, Any], header: str = "") -> str:
    """Write plain data as readable TOML: scalars first, then tables, then arrays of tables."""
    out = [header.rstrip("\n")] if header else []
    scalars = {k: v for k, v in data.items() if not _is_table(v) and not _is_table_array(v)}
    for key, value in scalars.items():
        out.append(f"{toml_key(key)} = {toml_value(value)}")
    for key, value in data.items():
        if _is_table(value):
            out += ["", f"[{toml_key(key)}]"]
            out += [f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()]
    for key, value in data.items():
        if _is_table_array(value):
            for row in value:
                out += ["", f"[[{toml_key(key)}]]"]
                out += [f"{toml_key(k)} = {toml_value(v)}" for k, v in row.items()]
    return "\n".join(out).lstrip("\n") + "\n"


def _is_table(value: object) -> bool:
    return isinstance(value, dict)


def _is_table_array(value: object) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, dict) for v in value)
