"""Reading TOML exactly, and finding the line a field was written on.

``tomllib`` gives values but no positions, so :class:`LineIndex` scans the text once
and remembers the line of every table header and ``key =`` it sees, keyed by the same
path pydantic reports (``("services", 2, "quantity")``). Problems then point at a line
a person can open in an editor. Floats are read as Decimal so no amount passes through
binary floating point.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import InputError, Problem

Loc = tuple[str | int, ...]

_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*")(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"))*)\s*=""")


def _split_key(text: str) -> list[str]:
    return [part.strip().strip('"') for part in text.split(".")]


class LineIndex:
    """Maps field paths to the 1-based line where they were written."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Loc, int] = {}
        counts: dict[tuple[str, ...], int] = {}
        current: Loc = ()
        in_multiline = False
        for number, raw in enumerate(text.splitlines(), start=1):
            if raw.count('"""') % 2 == 1 or raw.count("'''") % 2 == 1:
                in_multiline = not in_multiline
                if not in_multiline:
                    continue
            elif in_multiline:
                continue
            if match := _ARRAY_TABLE.match(raw):
                name = tuple(_split_key(match.group(1)))
                index = counts.get(name, 0)
                counts[name] = index + 1
                current = (*name, index)
                self._lines.setdefault(current, number)
                self._lines.setdefault(name, number)
            elif match := _TABLE.match(raw):
                current = tuple(_split_key(match.group(1)))
                self._lines.setdefault(current, number)
            elif match := _KEY.match(raw):
                self._lines.setdefault((*current, *_split_key(match.group(1))), number)

    def line(self, loc: Sequence[str | int]) -> int | None:
        """Line of ``loc`` or of its nearest written ancestor; None if nothing matches."""
        path = tuple(loc)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None


def read_toml(path: Path, display: str | None = None) -> tuple[dict[str, Any], LineIndex]:
    """Parse a TOML file with exact decimals; raise InputError naming file and line."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.one(name, "file not found") from None
    except IsADirectoryError:
        raise InputError.one(name, "expected a file, found a folder") from None
    except UnicodeDecodeError as exc:
        raise InputError.one(name, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputError.one(name, f"cannot read ({exc.strerror})") from None
    return parse_toml(text, name)


def parse_toml(text: str, name: str) -> tuple[dict[str, Any], LineIndex]:
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = None
        if m := re.search(r"\(at line (\d+), column (\d+)\)", message):
            line = int(m.group(1))
            message = message[: m.start()].strip()
        raise InputError([Problem(name, line, "", f"TOML syntax error: {message}")]) from None
    return data, LineIndex(text)


def field_path(loc: Iterable[str | int]) -> str:
    """``("services", 2, "quantity")`` → ``services[2].quantity`` (0-based, as in the data)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _describe(value: object) -> str:
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return f"unknown field (check the spelling; got {_describe(error.get('input'))})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a table, such as [project] or [[services]] (got {_describe(error.get('input'))})"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, such as [1, 2] or [[services]] entries (got {_describe(error.get('input'))})"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if message.startswith("Assertion failed, "):
        message = message[len("Assertion failed, ") :]
    # A check on a whole entry (a model validator) gets the entry itself as its input:
    # "(got a table)" would tell the reader nothing, so it is left off.
    whole_entry = kind == "value_error" and isinstance(error.get("input"), dict)
    if "input" in error and kind not in ("missing",) and "(got" not in message and not whole_entry:
        message += f" (got {_describe(error['input'])})"
    return message


def problems_from(
    exc: ValidationError, file: str, index: LineIndex | None, prefix: Loc = ()
) -> list[Problem]:
    """Turn a pydantic ValidationError into located problems, one per error."""
    out = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p and "]" in p))
        loc = (*prefix, *loc)
        line = index.line(loc) if index else None
        out.append(Problem(file, line, field_path(loc), _message(error)))
    return out


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
