"""``rates import``: a checked rates workbook written back to the TOML files, history protected.

A row already in the rates folder that the workbook changes or leaves out is a problem,
unless the import is told it is a deliberate correction (``allow_history_edit``). The
TOML files are written only when there is no problem at all, each checked to read back
exactly before any is replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..atomic import write_files_atomic
from ..errors import InputError, Problem
from ..ratebook.columns import flatten, item_label
from ..ratebook.folder import FILES, FolderRead, Located, read_folder_details
from ..ratebook.models import ROW_TYPES, Row
from ..ratebook.writeback import default_header, render_file, update_file, verify_round_trip
from .rates_reader import CellWhere, check_workbook, problem_order


@dataclass(frozen=True)
class ImportResult:
    """What an import did: files written and unchanged, and rows added / changed / removed."""

    folder: str
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def summary(self) -> str:
        lines = [
            f"{label}: {item}" for label, items in (("added", self.added), ("changed", self.changed), ("removed", self.removed))
            for item in items
        ]
        wrote = ", ".join(self.written) or "nothing (no changes)"
        lines.append(f"Wrote {wrote} in {self.folder}; {len(self.unchanged)} files unchanged.")
        return "\n".join(lines) + "\n"


def _label(table: str, row: Row) -> str:
    """``roles/director from 2025-08-01``: one version of an item."""
    return f"{item_label(table, row)} from {row.effective.isoformat()}"


HISTORY_FLAG = "--allow-history-edit"
"""The command-line flag that lets an import change or remove rows already in the folder."""


@dataclass(frozen=True)
class RowChange:
    """One version of an item that the workbook adds, changes or leaves out."""

    kind: str  # added, changed, removed
    table: str
    old: tuple[Row, Located] | None
    new: tuple[Row, CellWhere] | None

    @property
    def label(self) -> str:
        if self.new is not None:
            return _label(self.table, self.new[0])
        assert self.old is not None, "a row change has an old row, a new one or both"
        return _label(self.table, self.old[0])

    def columns(self) -> list[tuple[str, object, object]]:
        """(column, old value, new value) for every column a changed row changes."""
        if not (self.old and self.new):
            return []
        before, after = flatten(self.old[0]), flatten(self.new[0])
        names = list(dict.fromkeys([*before, *after]))
        return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]


def row_changes(
    old: dict[str, list[tuple[Row, Located]]], new: dict[str, list[tuple[Row, CellWhere]]]
) -> list[RowChange]:
    """Rows added, changed or removed, matched by item and effective date, table by table."""
    out: list[RowChange] = []
    for table in ROW_TYPES:
        before = {(r.key, r.effective): (r, w) for r, w in old.get(table, [])}
        after = {(r.key, r.effective): (r, w) for r, w in new.get(table, [])}
        for key, entry in after.items():
            if key not in before:
                out.append(RowChange("added", table, None, entry))
            elif before[key][0].model_dump(mode="json") != entry[0].model_dump(mode="json"):
                out.append(RowChange("changed", table, before[key], entry))
        out += [RowChange("removed", table, entry, None) for key, entry in before.items() if key not in after]
    return out


def _shown(value: object) -> str:
    """A cell value in a message: numbers and dates as written, text quoted (and cut short)."""
    if value is None:
        return "empty"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (int, date)):
        return str(value)
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


def history_problems(changes: Sequence[RowChange], workbook: str) -> list[Problem]:
    """A row already in the rates folder that the workbook changes or leaves out: each is
    a problem, because a costing priced with it would no longer reproduce."""
    problems = []
    for change in changes:
        if change.kind == "changed":
            assert change.new is not None, "a changed row has its new version"
            _, where = change.new
            cols = change.columns()
            what = "; ".join(f"{name}: {_shown(a)} → {_shown(b)}" for name, a, b in cols)
            column = next((name for name, _, _ in cols if name in where.letters), None)
            deleted = [name for name, _, _ in cols if name not in where.letters]
            restore = f", putting back the deleted column {', '.join(deleted)}," if deleted else ""
            problems.append(Problem(
                f"{workbook}:{where.cell(column)}", None, "",
                f"{change.label} is already in the rates folder and this row changes it ({what}): a costing "
                f"priced with it would no longer reproduce. Keep the old values{restore} and add a new row with a "
                f"new effective date for new figures; to correct a mistake on purpose, import with {HISTORY_FLAG}",
            ))
        elif change.kind == "removed":
            assert change.old is not None, "a removed row has its old version"
            _, located = change.old
            line = located.line()
            at = f"{Path(located.file).name}" + (f", line {line}" if line else "")
            problems.append(Problem(
                f"{workbook}:{change.table}", None, "",
                f"{change.label} is in the rates folder ({at}) but not on this sheet: a costing priced with it "
                "would no longer reproduce. Put the row back (to change a rate, add a new row with a new "
                f"effective date); to remove it on purpose, import with {HISTORY_FLAG}",
            ))
    return problems


def _unreadable_history(folder: Path, existing: FolderRead, files: Iterable[str]) -> list[Problem]:
    """Existing files that would be rewritten although some of their rows could not be read:
    whether the import changes those rows cannot be told."""
    problems = []
    for file in files:
        target = folder / file
        if target.is_file() and (file in existing.unreadable or any(p.file == str(target) for p in existing.problems)):
            problems.append(Problem(
                str(target), None, "",
                "this file has problems of its own (see copro-costing rates check), so the import cannot tell "
                f"whether it changes rows already there: fix the file first, or import with {HISTORY_FLAG}",
            ))
    return problems


def import_workbook(
    path: Path | str,
    folder: Path | str,
    today: date | None = None,
    display: str | None = None,
    *,
    allow_history_edit: bool = False,
) -> ImportResult:
    """Validate a workbook and, only if it has no problem at all, write the TOML files of ``folder``.

    Raises InputError with every problem (nothing is written). Adding rows is always
    fine; changing or leaving out a row already in the folder is a problem unless
    ``allow_history_edit`` (then :func:`history_warnings` says what was lost). Files
    whose rows did not change are left exactly as they were, comments and all.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), None, "", "rates folder not found (create it first)")])
    read, problems = check_workbook(path, today, display)
    if problems:
        raise InputError(problems)
    new_tables = {table: [row for row, _ in entries] for table, entries in read.rows.items()}
    existing = read_folder_details(folder)
    old_tables = {table: [row for row, _ in entries] for table, entries in existing.rows.items()}
    changes = row_changes(existing.rows, read.rows)

    texts: dict[str, str] = {}
    unchanged: list[str] = []
    for file, tables in FILES.items():
        target = folder / file
        old_text = target.read_text(encoding="utf-8") if target.is_file() else None
        mine = {t: new_tables[t] for t in tables}
        same_rows = file not in existing.unreadable and all(
            [r.model_dump(mode="json") for r in old_tables[t]] == [r.model_dump(mode="json") for r in mine[t]]
            for t in tables
        ) and not any(p.file == str(target) for p in existing.problems)
        if old_text is not None and same_rows:
            unchanged.append(file)
            continue
        if old_text is not None and old_text.strip() and file not in existing.unreadable:
            text = update_file(file, old_text, mine)  # in place: comments between rows survive
        else:
            text = render_file(file, mine, default_header(file))
        verify_round_trip(file, text, mine)
        texts[file] = text
    if not allow_history_edit:
        history = _unreadable_history(folder, existing, texts) + history_problems(changes, read.workbook)
        if history:
            raise InputError(sorted(history, key=problem_order))
    write_files_atomic({folder / file: text.encode("utf-8") for file, text in texts.items()})

    def labels(kind: str) -> tuple[str, ...]:
        return tuple(c.label for c in changes if c.kind == kind)

    return ImportResult(str(folder), tuple(texts), tuple(unchanged), labels("added"), labels("changed"), labels("removed"))


def history_warnings(result: ImportResult) -> Iterable[str]:
    """Rows that existed and were changed or removed: old costings may no longer reproduce."""
    for label in result.changed:
        yield f"{label} was changed: a costing priced with it will not reproduce; add a new dated row instead"
    for label in result.removed:
        yield f"{label} was removed: a costing priced with it will not reproduce"
