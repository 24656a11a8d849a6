"""Saving an openpyxl workbook with stable bytes, atomically.

``Workbook.save`` stamps the clock twice: into the document properties ("modified")
and into every zip entry's time. So the same workbook saved twice gives different
bytes, and nobody can tell by comparing files whether anything changed. Here both are
set to a time the caller chooses from the content (the pricing date of a costing, the
latest effective date of a rates book, the date of an offer): the same content always
gives the same bytes.

Used by every workbook the package writes: the costing (:mod:`.xlsx`), the rate tables
(:mod:`.rates_writer`) and the offer (:mod:`.offer_xlsx`).
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from ..atomic import write_atomic

ZIP_EPOCH = datetime(1980, 1, 1)
"""The earliest time a zip entry can carry."""


def fixed_time(day: date | datetime) -> datetime:
    """A date as the (naive) time stamped into a workbook: midnight of that day."""
    return day if isinstance(day, datetime) else datetime.combine(day, time())


def zip_time(when: date | datetime) -> tuple[int, int, int, int, int, int]:
    """A zip entry's time for ``when`` (not before 1980, the zip format's first year)."""
    moment = max(fixed_time(when).replace(tzinfo=None), ZIP_EPOCH)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


class FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed time and the same attributes, for stable bytes."""

    def __init__(self, file: Path | io.BytesIO, date_time: tuple[int, int, int, int, int, int]) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._fixed_time = date_time

    def _entry(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._fixed_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None, compresslevel: Any = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._entry(str(zinfo_or_arcname))
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None, compresslevel: Any = None) -> None:
        info = self._entry(str(arcname if arcname is not None else filename))
        info.file_size = os.path.getsize(filename)  # lets zipfile decide on zip64 as ZipFile.write does
        with open(filename, "rb") as source, self.open(info, "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)


def write_workbook_to(wb: Workbook, target: Path | io.BytesIO, when: date | datetime) -> None:
    """Stream ``wb`` into ``target`` (a file or a buffer) with every time stamp set to ``when``."""
    stamp = fixed_time(when)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    ExcelWriter(wb, FixedTimeZip(target, zip_time(stamp))).save()  # not wb.save(): that stamps the clock


def save_workbook(wb: Workbook, path: Path | str, when: date | datetime) -> Path:
    """Write ``wb`` to ``path`` atomically, with stable bytes (see :func:`write_workbook_to`)."""
    return write_atomic(Path(path), lambda tmp: write_workbook_to(wb, tmp, when))
