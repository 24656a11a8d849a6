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
from .tomlfile import MAX_DEPTH, LineIndex, Loc, deep_line, depth_problem

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|\n|[^\s{}\[\],:"]+', re.DOTALL)
"""A JSON string (escapes included), a structural character, a line end, or a bare value."""


class JsonLineIndex(LineIndex):
    """Maps field paths of a JSON document to the 1-based line where each was written."""

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
                self._lines.setdefault((*frame[1], key), line)
                expecting_value = False
                continue
            if not expecting_value:
                continue  # malformed text: json.loads has refused it already
            path: Loc = () if frame is None else (*frame[1], frame[2])
            if frame is not None and frame[0] == "list":
                self._lines.setdefault(path, line)
            if token == "{":
                stack.append(["object", path, None])
            elif token == "[":
                stack.append(["list", path, 0])
            expecting_value = token in "{["


def _key(token: str) -> str:
    try:
        value = json.loads(token)
    except ValueError:
        return token
    return value if isinstance(value, str) else token


def parse_json(text: str, name: str) -> tuple[dict[str, Any], JsonLineIndex]:
    """Parse a JSON costing (an object, like a costing file) with exact decimals; raise InputError naming the line."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(name, exc.lineno, "", f"JSON syntax error: {exc.msg}")]) from None
    except RecursionError:  # nested far deeper than any costing: the parser's stack ran out
        raise InputError([Problem(name, deep_line(text), "", f"values are nested more than {MAX_DEPTH} deep")]) from None
    if not isinstance(data, dict):
        raise InputError.one(name, "expected a JSON object with a \"project\" table, like a costing file")
    index = JsonLineIndex(text)
    if problem := depth_problem(data, text, index, name):
        raise InputError([problem])
    return data, index
