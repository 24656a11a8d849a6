"""Opening a workbook someone sent: refuse what is not a plain .xlsx, read only the cells present.

A workbook is a zip of XML parts, so a hostile or broken one can hold what no spreadsheet
program writes: a DOCTYPE declaring entities (the "billion laughs" expansion, or an
external entity reading a local file), a corrupt compressed stream, a part that inflates
to gigabytes, malformed XML, a chart where a table should be. Every one of these is a
problem naming the file, never a crash.

- Before openpyxl sees it, every XML part is read once, in pieces: a DOCTYPE or ENTITY
  declaration anywhere is refused, as is a part larger than :data:`MAX_PART` bytes.
  ``defusedxml`` (a dependency) also makes openpyxl's own parser refuse entities, as
  openpyxl's documentation advises.
- Sheets are read in openpyxl's read-only mode with the sheet's claimed size ignored
  (``reset_dimensions``), so one stray cell at XFD1048576 costs one cell, not the 17
  billion the sheet claims: the work scales with the cells present.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..atomic import special_file

MAX_PART = 64 * 1024 * 1024
"""Largest XML part accepted (uncompressed bytes); a rates workbook's parts are kilobytes."""
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CHUNK = 1 << 20

Cells = dict[int, dict[int, Any]]
"""The non-blank cells of a sheet: row number -> column number -> cell."""


class UnreadableWorkbook(Exception):
    """A workbook that cannot be read safely; the message says why, for a person."""


def _scan_parts(path: Path) -> None:
    if special_file(path):
        raise UnreadableWorkbook("expected a file, found a pipe or device")
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                if info.file_size > MAX_PART:
                    raise UnreadableWorkbook(
                        f"part {info.filename} is {info.file_size:,} bytes: far larger than a rates workbook"
                    )
                seen, tail = 0, b""
                with archive.open(info) as part:
                    while chunk := part.read(_CHUNK):
                        seen += len(chunk)
                        if seen > MAX_PART:
                            raise UnreadableWorkbook(f"part {info.filename} inflates past {MAX_PART:,} bytes")
                        if _DECLARATION.search(tail + chunk):
                            raise UnreadableWorkbook(
                                f"part {info.filename} declares a DOCTYPE or entities, which no spreadsheet program "
                                "writes (refused: entities can expand without limit or read other files)"
                            )
                        tail = chunk[-16:]
    except UnreadableWorkbook:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise UnreadableWorkbook(f"not a readable Excel workbook (.xlsx): {_why(exc)}") from None


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """A read-only openpyxl workbook for ``path``, after the safety checks; always closed."""
    from openpyxl import load_workbook

    _scan_parts(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # a third-party parser given arbitrary bytes: any failure is the file's
        raise UnreadableWorkbook(f"not a readable Excel workbook (.xlsx): {_why(exc)}") from None
    try:
        yield wb
    finally:
        wb.close()


def sheet_cells(wb: Any, sheet: str) -> Cells:
    """The non-blank cells of ``sheet``, read once; the sheet's claimed dimensions are ignored."""
    ws = wb[sheet]
    if not hasattr(ws, "iter_rows"):
        raise UnreadableWorkbook(f"sheet {sheet!r} is a chart, not a table")
    out: Cells = {}
    try:
        ws.reset_dimensions()
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                out.setdefault(cell.row, {})[cell.column] = cell
    except Exception as exc:  # malformed sheet XML, as above
        raise UnreadableWorkbook(f"sheet {sheet!r} cannot be read: {_why(exc)}") from None
    return out
