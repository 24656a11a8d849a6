"""Reading a costing sent as JSON exactly, and finding the line each field was written on.

The standard library's parser gives values but no positions, so :class:`JsonLineIndex`
scans the text, the first time a problem needs a line, and remembers the line of every
key and list item by the same path pydantic reports (``("services", 2, "quantity")``),
as :class:`~copro_costing.tomlfile.LineIndex` does for TOML. Problems in a JSON body then
name the line a person (or a program's log) can find, and are listed in document order.
Numbers with a point are read as Decimal, so no amount passes through binary floating point.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from .errors import InputError, Problem
from .tomlfile import MAX_DEPTH, LineIndex, Loc, deep_line, depth_problem, field_path, long_number_problem, normalise

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|\n|[^\s{}\[\],:"]+', re.DOTALL)
"""A JSON string (escapes included), a structural character, a line end, or a bare value."""


class JsonLineIndex(LineIndex):
    """Maps field paths of a JSON document to the 1-based line where each was written
    (and, in ``repeated``, each key written a second time in one object, at its own line)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.repeated: list[tuple[Loc, int]] = []

    def _scan_text(self) -> None:
        text, self._text = self._text or "", None
        line = 1
        # One frame per open object or list: its path, and for an object the key just read
        # (None while a key is expected), for a list the index of the next item.
        stack: list[list[Any]] = []
        expecting_value = True  # at the top, or after ":" or "," in a list, or after "["
        for match in _TOKEN.finditer(text):
            token = match.group()
            if token == "\n":
                line += 1
                continue
            frame = stack[-1] if stack else None
            if token in "}]":
                stack.pop()
                expecting_value = False
                continue
            if token == ",":
                if frame is not None and frame[0] == "list":
                    frame[2] += 1
                    expecting_value = True
                elif frame is not None:
                    frame[2] = None  # an object: a key comes next
                continue
            if token == ":":
                expecting_value = True
                continue
            if frame is not None and frame[0] == "object" and frame[2] is None:  # a key
                key = _key(token)
                frame[2] = key
                where = (*frame[1], key)
                if where in self._lines and frame[3] is not None and key in frame[3]:
                    self.repeated.append((where, line))
                self._lines.setdefault(where, line)
                if frame[3] is not None:
                    frame[3].add(key)
                expecting_value = False
                continue
            if not expecting_value:
                continue  # malformed text: json.loads has refused it already
            path: Loc = () if frame is None else (*frame[1], frame[2])
            if frame is not None and frame[0] == "list":
                self._lines.setdefault(path, line)
            if token == "{":
                stack.append(["object", path, None, set()])  # the keys this object has had
            elif token == "[":
                stack.append(["list", path, 0, None])
            expecting_value = token in "{["


def _key(token: str) -> str:
    try:
        value = json.loads(token)
    except ValueError:
        return token
    return value if isinstance(value, str) else token


class _Repeated(Exception):
    """A key written twice in one object (the standard parser would keep the last silently)."""


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) < len(pairs):
        raise _Repeated
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str, name: str) -> tuple[dict[str, Any], JsonLineIndex]:
    """Parse a JSON costing (an object, like a costing file) with exact decimals; raise InputError naming the line.

    A key written twice in one object is refused, as TOML refuses it: the standard parser
    would silently keep the last. A byte-order mark and old Mac line ends are read as in TOML.
    """
    text = normalise(text)
    try:
        data = json.loads(text, parse_float=Decimal, object_pairs_hook=_refuse_repeats, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(name, exc.lineno, "", f"JSON syntax error: {exc.msg}")]) from None
    except RecursionError:  # nested far deeper than any costing: the parser's stack ran out
        raise InputError([Problem(name, deep_line(text), "", f"values are nested more than {MAX_DEPTH} deep")]) from None
    except _Repeated:
        index = JsonLineIndex(text)
        index.line(())  # scans the text
        raise InputError([Problem(name, line, field_path(loc), "written twice: give each key once in its object")
                          for loc, line in index.repeated]) from None
    except ValueError as exc:
        if "is not a number JSON allows" in str(exc):
            found = re.search(r"(?<![\w\"])-?(NaN|Infinity)\b", text)
            line = text.count("\n", 0, found.start()) + 1 if found else None
            raise InputError([Problem(name, line, "", f"JSON syntax error: {exc}")]) from None
        raise InputError([long_number_problem(text, name)]) from None
    if not isinstance(data, dict):
        raise InputError.one(name, "expected a JSON object with a \"project\" table, like a costing file")
    index = JsonLineIndex(text)
    if problem := depth_problem(data, text, index, name):
        raise InputError([problem])
    return data, index
