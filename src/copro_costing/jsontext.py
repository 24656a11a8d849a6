"""Indented JSON text, byte for byte what ``json.dumps(data, indent=2, ensure_ascii=False)`` writes.

The standard library writes indented JSON with its pure-Python encoder (its C encoder
only writes compact text), which is most of the time a quote spends after pricing.
:func:`dumps` writes the same text for the plain data the library's outputs are made of
(dicts with text keys, lists, text, numbers, true/false/null) several times faster:
a dict or list of plain values (a costing's line, say) is written by the standard
library's C encoder in one call, with a separator that puts each item on its own line.
Anything else (a non-text key of a nested table, an unknown type) is handed to
``json.dumps`` itself, so the text is always the standard library's. With the web extra,
orjson (which writes plain data exactly so) writes it faster still.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

_STRING = json.JSONEncoder(ensure_ascii=False).encode
"""Text as JSON with ``ensure_ascii=False``: the encoder's own fast path for a str."""


class _Other(Exception):
    """Data this writer leaves to ``json.dumps`` (a float, a non-text key, an unknown type)."""


_orjson: ModuleType | None
try:  # the web extra's JSON writer, in Rust: the same text for data without floats, ten times faster
    import orjson as _orjson
except ImportError:  # pragma: no cover - without the web extra
    _orjson = None


def dumps_plain(data: Any) -> str:
    """The same text, for data its caller knows holds no floats (money is text): with
    the web extra installed, orjson writes it (a test checks it writes such data as the
    standard library does; it writes floats its own way, so never give it any)."""
    if _orjson is not None:
        try:
            return _orjson.dumps(data, default=_refuse, option=_STRICT).decode("utf-8")
        except (TypeError, ValueError):  # a non-text key, a very large number, an unknown type, ...
            pass
    return dumps(data)


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


_STRICT = 0 if _orjson is None else (  # everything but plain data goes to _refuse, then to the standard library
    _orjson.OPT_INDENT_2 | _orjson.OPT_PASSTHROUGH_DATACLASS | _orjson.OPT_PASSTHROUGH_DATETIME
    | _orjson.OPT_PASSTHROUGH_SUBCLASS
)


def dumps(data: Any) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, faster for plain data."""
    try:
        return _value(data, "\n")
    except (_Other, RecursionError):
        return json.dumps(data, indent=2, ensure_ascii=False)


_SCALARS = frozenset({str, int, float, bool, type(None)})
_FLAT: dict[str, Callable[[Any], str]] = {}


def _flat(inner: str) -> Callable[[Any], str]:
    """The C encoder writing a dict or list of scalars with each item on its own line:
    compact text whose item separator is a comma, a newline and the items' indentation."""
    encode = _FLAT.get(inner)
    if encode is None:
        encode = _FLAT[inner] = json.JSONEncoder(ensure_ascii=False, separators=("," + inner, ": ")).encode
    return encode


def _value(value: Any, newline: str) -> str:
    kind = type(value)
    if kind is str:
        return _STRING(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        if all(type(item) in _SCALARS for item in value.values()):
            return "{" + inner + _flat(inner)(value)[1:-1] + newline + "}"
        parts = []
        for key, item in value.items():
            if type(key) is not str:
                raise _Other
            parts.append(_STRING(key) + ": " + _value(item, inner))
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = newline + "  "
        if all(type(item) in _SCALARS for item in value):
            return "[" + inner + _flat(inner)(value)[1:-1] + newline + "]"
        return "[" + inner + ("," + inner).join([_value(item, inner) for item in value]) + newline + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    raise _Other
