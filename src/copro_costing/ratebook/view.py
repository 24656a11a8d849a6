"""``rates show`` and ``rates diff``: the rates in force on a date, and what changed between two.

Both work on a RateBook, so a notebook gets the same answers as the command line:
:func:`show` / :func:`show_json` for one date, :func:`diff` for two.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from .columns import PERCENT_FIELDS, flatten, item_label, table_columns
from .models import ROW_TYPES, RateBook, Row, row_record

HIDDEN_IN_TABLE = ("description", "notes", "headings.", "heading_for.")
"""Long text left out of the terminal table (``--format json`` has everything)."""


def cell_text(value: object) -> str:
    """A value as a person reads it in a table: exact decimals, ISO dates, blank for nothing."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def text_table(rows: list[list[str]], right: Iterable[int] = ()) -> list[str]:
    """Aligned columns with a rule under the header."""
    right = set(right)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def _visible(name: str) -> bool:
    return not any(name == h or (h.endswith(".") and name.startswith(h)) for h in HIDDEN_IN_TABLE)


def show(book: RateBook, on: date) -> str:
    """Every table's rows in force on ``on``, as aligned text."""
    in_force = list(book.rows_in_force(on))
    lines = [
        f"Rates in force on {on.isoformat()}" + (f" ({book.origin})" if book.origin else ""),
        f"SHA-256 of these rows: {book.fingerprint(on)}",
    ]
    role_ids = [row.key for t, row in in_force if t == "roles"]
    for table in ROW_TYPES:
        rows = [row for t, row in in_force if t == table]
        file = book.files.get(table, "")
        lines += ["", f"{table}" + (f" ({file})" if file else "")]
        if not rows:
            first = min((row.effective for row in book.rows(table)), default=None)
            yet = f": the first row is in force from {first.isoformat()}" if first is not None and first > on else ""
            lines.append(f"  (nothing in force on this date{yet})")
            continue
        cols = [c for c in table_columns(table, rows, role_ids if table == "services" else ()) if _visible(c.name)]
        body = [[c.name for c in cols]]
        for row in rows:
            flat = flatten(row)
            body.append([cell_text(flat.get(c.name)) for c in cols])
        numeric = [i for i, c in enumerate(cols) if c.kind in ("money", "number", "percent", "int")]
        lines += ["  " + line for line in text_table(body, numeric)]
    illustrative = sum(1 for _, row in in_force if row.illustrative)
    lines += ["", f"{len(in_force)} rows in force; {illustrative} illustrative (source starts with \"illustrative\")."]
    if any(not _visible(c.name) for t in ROW_TYPES for c in table_columns(t, [])):
        lines.append("Descriptions, notes and funder headings are left out here: use --format json to see them.")
    return "\n".join(lines) + "\n"


def show_data(book: RateBook, on: date) -> dict[str, Any]:
    in_force = list(book.rows_in_force(on))
    return {
        "on": on.isoformat(),
        "rates": book.origin,
        "sha256": book.fingerprint(on),
        "illustrative": sum(1 for _, row in in_force if row.illustrative),
        "rows": [row_record(table, row) for table, row in in_force],
    }


def show_json(book: RateBook, on: date) -> str:
    return json.dumps(show_data(book, on), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Change:
    """One difference between the rates in force on two dates."""

    kind: Literal["added", "removed", "changed"]
    item: str
    field: str = ""
    old: Any = None
    new: Any = None

    @property
    def percent(self) -> Decimal | None:
        """Relative change in % for figures (money, percentages, quantities); None otherwise."""
        if not (isinstance(self.old, Decimal) and isinstance(self.new, Decimal)) or self.old == 0:
            return None
        return ((self.new - self.old) / self.old * 100).quantize(Decimal("0.1"))

    @property
    def change_text(self) -> str:
        if self.kind != "changed":
            return self.kind
        pct = self.percent
        if pct is None:
            return ""
        text = f"{pct:+}%"
        if self.field.rsplit(".", 1)[-1] in PERCENT_FIELDS:
            points = self.new - self.old
            text += f" ({points:+} points)"
        return text

    def as_json(self) -> dict[str, Any]:
        pct = self.percent
        return {
            "kind": self.kind,
            "item": self.item,
            "field": self.field,
            "old": _json_value(self.old),
            "new": _json_value(self.new),
            "change_percent": None if pct is None else str(pct),
        }


def _json_value(value: object) -> object:
    if isinstance(value, (Decimal, date)):
        return cell_text(value)
    return value


def diff(book: RateBook, before: date, after: date) -> list[Change]:
    """What changed between the rates in force on ``before`` and on ``after``."""
    old = {(t, r.key): r for t, r in book.rows_in_force(before)}
    new = {(t, r.key): r for t, r in book.rows_in_force(after)}
    changes: list[Change] = []
    order = {table: i for i, table in enumerate(ROW_TYPES)}
    for key in sorted(old.keys() | new.keys(), key=lambda k: (order[k[0]], k[1])):
        table = key[0]
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            changes.append(Change("added", item_label(table, b), "effective", None, b.effective))
        elif b is None and a is not None:
            changes.append(Change("removed", item_label(table, a), "effective", a.effective, None))
        elif a is not None and b is not None and a != b:
            changes += _field_changes(table, a, b)
    return changes


def _field_changes(table: str, a: Row, b: Row) -> list[Change]:
    fa, fb = flatten(a), flatten(b)
    names = list(dict.fromkeys([*fa, *fb]))
    item = item_label(table, b)
    return [Change("changed", item, name, fa.get(name), fb.get(name)) for name in names if fa.get(name) != fb.get(name)]


def diff_text(book: RateBook, before: date, after: date) -> str:
    """The diff as an aligned table with a one-line summary."""
    changes = diff(book, before, after)
    head = f"Rates in force on {before.isoformat()} compared with {after.isoformat()}"
    if not changes:
        return f"{head}: no changes.\n"
    body = [["item", "field", "old", "new", "change"]]
    for c in changes:
        body.append([c.item, c.field, cell_text(c.old), cell_text(c.new), c.change_text])
    items = {c.item for c in changes if c.kind == "changed"}
    added = sum(1 for c in changes if c.kind == "added")
    removed = sum(1 for c in changes if c.kind == "removed")
    lines = [head, "", *text_table(body, right=(4,)), ""]
    lines.append(f"{len(items)} items changed, {added} added, {removed} removed.")
    return "\n".join(lines) + "\n"


def diff_json(book: RateBook, before: date, after: date) -> str:
    data = {
        "from": before.isoformat(),
        "to": after.isoformat(),
        "changes": [c.as_json() for c in diff(book, before, after)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
