"""Reading TOML exactly, and finding the line a field was written on.

The parser (``tomli``: the standard library's ``tomllib``, published compiled) gives
values but no positions, so :class:`LineIndex` scans the text, the first time a problem
needs a line, and remembers the line of every table header and ``key =`` it sees, keyed by the same
path pydantic reports (``("services", 2, "quantity")``). Problems then point at a line
a person can open in an editor. Floats are read as Decimal so no amount passes through
binary floating point.

Problems are worded for people (:func:`field_path`, :func:`plain_message`): entries are
counted from 1 as a person counts them (``services entry 2: quantity``), and the
validation library's own wording is replaced by what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli
from pydantic import BaseModel, ValidationError

from .atomic import special_file
from .errors import InputError, Problem, did_you_mean

Loc = tuple[str | int, ...]

MAX_DEPTH = 32
"""Deepest nesting of lists and inline tables a file may use; no costing or rates file
needs more than three, and much deeper values exhaust the parser's stack."""

_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*")(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"))*)\s*=""")


def _split_key(text: str) -> list[str]:
    return [part.strip().strip('"') for part in text.split(".")]


def toml_lines(text: str) -> list[str]:
    """The lines of TOML text as the parser counts them: ended by LF or CRLF only, since a
    string may hold U+0085 or U+2028, which :meth:`str.splitlines` would also split at."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


_NORMAL, _BASIC, _LITERAL, _ML_BASIC, _ML_LITERAL = range(5)


def _scan(line: str, state: int) -> int:
    """The string state after ``line``, starting in ``state`` (TOML's four kinds of string)."""
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if state == _NORMAL:
            if ch == "#":
                return _NORMAL
            if line.startswith('"""', i):
                state, i = _ML_BASIC, i + 3
                continue
            if line.startswith("'''", i):
                state, i = _ML_LITERAL, i + 3
                continue
            if ch == '"':
                state = _BASIC
            elif ch == "'":
                state = _LITERAL
        elif state in (_BASIC, _ML_BASIC):
            if ch == "\\":
                i += 2
                continue
            if state == _ML_BASIC and line.startswith('"""', i):
                state, i = _NORMAL, i + 3
                continue
            if state == _BASIC and ch == '"':
                state = _NORMAL
        elif state == _LITERAL and ch == "'":
            state = _NORMAL
        elif state == _ML_LITERAL and line.startswith("'''", i):
            state, i = _NORMAL, i + 3
            continue
        i += 1
    return state if state in (_ML_BASIC, _ML_LITERAL) else _NORMAL  # one-line strings end with their line


class LineIndex:
    """Maps field paths to the 1-based line where they were written.

    The text is scanned when a line is first asked for: a file without mistakes is
    never scanned at all.
    """

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._lines: dict[Loc, int] = {}

    def _scan_text(self) -> None:
        text, self._text = self._text or "", None
        counts: dict[tuple[str, ...], int] = {}
        current: Loc = ()
        state = _NORMAL
        for number, raw in enumerate(toml_lines(text), start=1):
            starts_inside_string = state != _NORMAL
            state = _scan(raw, state)
            if starts_inside_string:
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
        if self._text is not None:
            self._scan_text()
        path = tuple(loc)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None


def not_utf8(start: bytes, exc: UnicodeDecodeError) -> str:
    """Why text that begins ``start`` could not be read as UTF-8, naming UTF-16 (which editors on Windows write)."""
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "saved as UTF-16 text: save it as UTF-8 (in most editors: Save as, Encoding: UTF-8)"
    return f"not UTF-8 text ({exc.reason})"


def read_toml(path: Path, display: str | None = None) -> tuple[dict[str, Any], LineIndex]:
    """Parse a TOML file with exact decimals; raise InputError naming file and line."""
    name = display or str(path)
    if special_file(path):
        raise InputError.one(name, "expected a file, found a pipe or device")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.one(name, "file not found") from None
    except IsADirectoryError:
        raise InputError.one(name, "expected a file, found a folder") from None
    except UnicodeDecodeError as exc:
        raise InputError.one(name, not_utf8(path.read_bytes()[:4], exc)) from None
    except OSError as exc:
        raise InputError.one(name, f"cannot read ({exc.strerror})") from None
    return parse_toml(text, name)


def normalise(text: str) -> str:
    """A byte-order mark is dropped; a file with old Mac line ends (CR only) gets LF ones."""
    text = text.removeprefix("\ufeff")
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    return text


def _deepest(data: dict[str, Any]) -> int:
    """How deep lists and tables nest in ``data``: one more than its deepest list or table
    (counting stops past MAX_DEPTH). Only containers are visited, so a file's many plain
    values cost next to nothing."""
    deepest = 0
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(data, 0)]  # only containers are stacked
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return depth
        children = value.values() if type(value) is dict else value
        depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children if type(child) is dict or type(child) is list)
    return deepest


def _could_nest_too_deep(text: str) -> bool:
    """Whether ``text`` has enough brackets, braces and dots to nest deeper than MAX_DEPTH.

    Every list or table below the top one is opened by a character of its own: a ``[`` (a
    table header, an array, an array of tables), a ``{`` (an inline table) or a ``.`` (a
    dotted key). A file with fewer of them than MAX_DEPTH cannot nest deeper, so a
    costing file typed in a form is not walked through at all.
    """
    return text.count("[") + text.count("{") + text.count(".") >= MAX_DEPTH


def depth_problem(data: dict[str, Any], text: str, index: LineIndex, name: str) -> Problem | None:
    """The first value nested deeper than MAX_DEPTH in ``data`` (read from ``text``), located; None when there is none."""
    if not _could_nest_too_deep(text) or _deepest(data) <= MAX_DEPTH:  # every costing and rates file
        return None
    stack: list[tuple[object, Loc, int]] = [(data, (), 0)]
    while stack:
        value, loc, depth = stack.pop()
        if depth > MAX_DEPTH:
            return Problem(name, index.line(loc), field_path(loc), f"values are nested more than {MAX_DEPTH} deep")
        if isinstance(value, dict):
            stack.extend((v, (*loc, str(k)) if depth < 3 else loc, depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*loc, i) if depth < 3 else loc, depth + 1) for i, v in enumerate(value))
    return None


def deep_line(text: str) -> int | None:
    """The line where brackets first open more than MAX_DEPTH deep (strings not counted)."""
    depth, state = 0, _NORMAL
    for number, raw in enumerate(toml_lines(text), start=1):
        for ch in raw if state == _NORMAL else "":
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
            if depth > MAX_DEPTH:
                return number
        state = _scan(raw, state)
    return None


def long_number_problem(text: str, name: str) -> Problem:
    """A number with more digits than Python reads (4300), at its line: no costing or rate needs one."""
    found = re.search(r"\d{4301,}", text)
    line = text.count("\n", 0, found.start()) + 1 if found else None
    return Problem(name, line, "", "a number is far too long (over 4300 digits): type the figure itself")


def parse_toml(text: str, name: str) -> tuple[dict[str, Any], LineIndex]:
    text = normalise(text)
    try:
        data = tomli.loads(text, parse_float=Decimal)
    except tomli.TOMLDecodeError as exc:
        message = str(exc)
        line = None
        if m := re.search(r"\(at line (\d+), column (\d+)\)", message):
            line = int(m.group(1))
            message = message[: m.start()].strip()
        elif m := re.search(r"\(at end of document\)", message):
            line = max(1, len(toml_lines(text)))
            message = message[: m.start()].strip() + " at the end of the file"
        raise InputError([Problem(name, line, "", f"TOML syntax error: {message}")]) from None
    except RecursionError:
        raise InputError([Problem(name, deep_line(text), "", f"values are nested more than {MAX_DEPTH} deep")]) from None
    except ValueError:  # not a syntax error: a whole number too long for Python to read (over 4300 digits)
        raise InputError([long_number_problem(text, name)]) from None
    index = LineIndex(text)
    if problem := depth_problem(data, text, index, name):
        raise InputError([problem])
    return data, index


def field_path(loc: Iterable[str | int]) -> str:
    """A field as a person names it: ``("services", 1, "quantity")`` → ``services entry 2: quantity``.

    Entries of a table array are counted from 1 ("entry 2" is the second ``[[services]]``);
    an index further in is an item of a list (``years item 2``).
    """
    out = ""
    entry_seen = after_index = False
    for part in loc:
        if isinstance(part, int):
            out += f" item {part + 1}" if entry_seen else f" entry {part + 1}"
            entry_seen = after_index = True
        else:
            out += (": " if after_index else "." if out else "") + part
            after_index = False
    return out.strip()


def data_path(field: str) -> str:
    """The inverse of :func:`field_path`, for code that indexes data: ``services entry 2:
    quantity`` → ``services[1].quantity`` (0-based, as in the data)."""
    out = re.sub(r" (?:entry|item) (\d+)", lambda m: f"[{int(m.group(1)) - 1}]", field)
    return out.replace(": ", ".")


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as a costing file writes them
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str) and len(value) > 60:
        return repr(value[:57] + "...")
    return repr(value)


_IDENT_WORDS = 'a lower-case id: letters a-z, digits and single hyphens, such as "advisory-group-meeting"'

_PLAIN: dict[str, str] = {
    "string_type": "expected text in quotes",
    "string_too_short": "must not be empty",
    "string_pattern_mismatch": f"expected {_IDENT_WORDS}",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "date_type": "expected a date written as YYYY-MM-DD, without quotes",
    "date_parsing": "expected a date written as YYYY-MM-DD, without quotes",
    "date_from_datetime_parsing": "expected a date written as YYYY-MM-DD, without quotes",
    "date_from_datetime_inexact": "expected a date without a time of day, written as YYYY-MM-DD",
    "too_short": "must list at least one value",
    "frozen_instance": "cannot be changed",
}


def plain_message(error: Mapping[str, Any]) -> str:
    """One validation error in words a person can act on (what was expected, and what was got)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return f"unknown field (check the spelling; got {_describe(error.get('input'))})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a table, such as [project] or [[services]] (got {_describe(error.get('input'))})"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, such as [1, 2] or [[services]] entries (got {_describe(error.get('input'))})"
    if kind == "literal_error":
        message = f"expected {ctx.get('expected', 'one of the listed values')}"
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {"greater_than": "greater than", "greater_than_equal": "at least",
                 "less_than": "less than", "less_than_equal": "at most"}[kind]
        bound = next(iter(ctx.values()), "")
        message = f"must be {words} {bound:,}" if isinstance(bound, int) else f"must be {words} {bound}"
    elif kind in _PLAIN:
        message = _PLAIN[kind]
    else:
        message = error["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
    # A check on a whole entry (a model validator) gets the entry itself as its input, and a
    # check on a field left out (one needed because of another) gets None: "(got a table)"
    # or "(got None)" would tell the reader nothing, so it is left off.
    told_nothing = kind == "value_error" and (error.get("input") is None or isinstance(error.get("input"), dict))
    if "input" in error and "(got" not in message and not told_nothing:
        message += f" (got {_describe(error['input'])})"
    return message


_message = plain_message


def _model_at(model: type[BaseModel] | None, loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that holds the last field of ``loc`` (walking tuples and optionals)."""
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        model = _inner_model(info.annotation) if info is not None else None
    return model


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        if found := _inner_model(arg):
            return found
    return None


def problems_from(
    exc: ValidationError, file: str, index: LineIndex | None, prefix: Loc = (), model: type[BaseModel] | None = None
) -> list[Problem]:
    """Turn a pydantic ValidationError into located problems, one per error.

    With ``model`` (the class validated), a misspelt field also gets "did you mean" and
    the fields that entry can have.
    """
    out = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p and "]" in p))
        message = plain_message(error)
        if error["type"] == "extra_forbidden" and model is not None and loc:
            holder = _model_at(model, loc[:-1])
            if holder is not None:
                fields = [n for n, f in holder.model_fields.items() if not f.exclude]
                message = "unknown field" + did_you_mean(str(loc[-1]), fields)
        loc = (*prefix, *loc)
        line = index.line(loc) if index else None
        out.append(Problem(file, line, field_path(loc), message))
    return out
