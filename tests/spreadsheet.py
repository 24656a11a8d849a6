"""Helpers for the workbook tests: LibreOffice recalculation, reading results, costing strategies.

openpyxl never computes a formula, so the tests hand workbooks to LibreOffice Calc
(headless), which loads them, recalculates every formula and saves them again with the
computed values, which openpyxl then reads with ``data_only=True``.

LibreOffice recalculates an xlsx on load only when the file has no cached values (as the
exporter's files have none) unless told otherwise, so the throwaway profile each run
uses is seeded to recalculate always: a workbook edited and saved by another program is
recalculated too, never read back with stale values.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from copro_costing import RateBook

ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""

ERROR_PREFIXES = ("#", "Err:")


def find_soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def recalculate(paths: Sequence[Path], workdir: Path, soffice: str, timeout: float = 900) -> dict[Path, Path]:
    """Recalculate every workbook in ``paths`` with one LibreOffice run; map each to its result.

    Uses a fresh user profile under ``workdir`` so that runs never share state (or a lock)
    with each other or with a desktop LibreOffice. File names must be unique.
    """
    names = [p.name for p in paths]
    assert len(set(names)) == len(names), "workbooks to recalculate need unique file names"
    profile = workdir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE, encoding="utf-8")
    out = workdir / "recalculated"
    out.mkdir(parents=True, exist_ok=True)
    command = [
        soffice, "--headless", "--norestore", "--nolockcheck",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to", "xlsx", "--outdir", str(out), *map(str, paths),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    results = {p: out / p.name for p in paths}
    missing = [str(p) for p, r in results.items() if not r.exists()]
    if run.returncode != 0 or missing:
        raise AssertionError(
            f"LibreOffice failed (exit {run.returncode}); not converted: {missing}\n"
            f"stdout: {run.stdout}\nstderr: {run.stderr}"
        )
    return results


def is_error(cell: Any) -> bool:
    value = cell.value
    return cell.data_type == "e" or (isinstance(value, str) and value.startswith(ERROR_PREFIXES))


def money(value: Any) -> Decimal:
    """A computed spreadsheet number as an exact penny amount."""
    assert isinstance(value, int | float) and not isinstance(value, bool), f"not a number: {value!r}"
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def quantity(value: Any) -> Decimal:
    assert isinstance(value, int | float) and not isinstance(value, bool), f"not a number: {value!r}"
    return Decimal(str(round(value, 6))).normalize()


def name_cell(workbook: Any, computed: Any, name: str) -> Any:
    """The computed cell a workbook-level defined name points at (a single cell)."""
    ((sheet, coordinate),) = list(workbook.defined_names[name].destinations)
    return computed[sheet][coordinate.replace("$", "")]


def row_of(ws: Any, label: str, column: int = 1, start: int = 1) -> int:
    """The first row at or after ``start`` whose cell in ``column`` equals ``label``."""
    for (cell,) in ws.iter_rows(min_row=start, min_col=column, max_col=column):
        if cell.value == label:
            return cell.row
    raise AssertionError(f"{ws.title}: no row labelled {label!r}")


# ---------------------------------------------------------------------------------------
# Hypothesis: costing specs as a user would write them, over the bundled rate tables.

PRICED_FROM = date(2025, 8, 1)  # the bundled service catalogue is in force from this date


def amounts(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def spec_data(
    draw: Any, book: RateBook, client: str, funder: str, months_from: st.SearchStrategy[int] | None = None,
) -> dict[str, Any]:
    """Spec data for ``client`` and ``funder``: internal specs always hold free, requested and waived lines.

    ``months_from`` draws the project's length (default 1 to 60 months).
    """
    months = draw(months_from if months_from is not None else st.integers(1, 60))
    years = -(-months // 12)
    start = draw(st.dates(PRICED_FROM, date(2028, 12, 31)))
    priced_on = draw(st.dates(PRICED_FROM, max(PRICED_FROM, start + timedelta(days=400))))
    project: dict[str, Any] = {
        "title": draw(st.sampled_from(["Hearing checks", "=cmd|' /C calc'!A0", "Family programme co-evaluation"])),
        "client": client,
        "organisation": draw(st.sampled_from(["", "NHS England", "+44 council", "@charity"])),
        "funder": funder,
        "start": start,
        "months": months,
        "priced_on": priced_on,
    }
    if client == "external" and draw(st.booleans()) and draw(st.booleans()):
        project["vat"] = False
        project["vat_reason"] = "Finance confirmed the work is outside the scope of VAT"
    year_lists = st.lists(st.integers(1, years), min_size=1, max_size=years, unique=True)
    policies = {sid: book.versions("services", sid)[-1].internal_policy for sid in book.keys("services")}

    def service(service_id: str, decision: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"service": service_id, "quantity": draw(amounts("0.25", "30")),
                                 "years": draw(year_lists)}
        if client == "internal" and policies[service_id] == "case-by-case":
            entry["decision"] = decision or draw(st.sampled_from(["charge", "waive"]))
            entry["reason"] = "Agreed by the unit's director"
        return entry

    services = [service(s) for s in draw(st.lists(st.sampled_from(sorted(policies)), max_size=5))]
    if client == "internal":
        for policy in ("free", "request", "case-by-case"):
            ids = sorted(s for s, p in policies.items() if p == policy)
            if ids:
                services.append(service(draw(st.sampled_from(ids)), decision="waive"))
    involvement = [
        {
            "activity": draw(st.sampled_from(["Advisory panel", "-Workshops", "Co-design sessions"])) + f" {i}",
            "people": draw(st.integers(1, 15)),
            "sessions": draw(st.integers(1, 12)),
            "hours": draw(amounts("0.25", "8")),
            "prep_hours": draw(amounts("0", "3")),
            "years": draw(year_lists),
            **({"expenses": draw(amounts("0", "60"))} if draw(st.booleans()) else {}),
            **({"rate": draw(amounts("30", "45"))} if draw(st.booleans()) else {}),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    defaults = [k for k in book.keys("expense_defaults")  # those in force on every pricing date drawn
                if book.versions("expense_defaults", k)[0].effective <= date(2025, 8, 1)]
    expenses = []
    for i in range(draw(st.integers(0, 3))):
        entry: dict[str, Any] = {"item": f"Expense {i}", "quantity": draw(amounts("0.5", "20")), "years": draw(year_lists)}
        if draw(st.booleans()):
            entry["default"] = draw(st.sampled_from(defaults))
        else:
            entry["cost"] = draw(amounts("0.01", "2000"))
        expenses.append(entry)
    if not (services or involvement or expenses):
        expenses.append({"item": "Room hire", "cost": Decimal("250.00"), "year": 1})
    return {"project": project, "services": services, "involvement": involvement, "expenses": expenses}


def spec_json(data: dict[str, Any]) -> str:
    """Spec data printed for a failure message, so a failing case can be replayed."""
    import json

    return json.dumps(data, default=str, indent=1)


def all_cells(workbook: Any) -> Iterable[Any]:
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            yield from row


# ---------------------------------------------------------------------------------------
# Editing a workbook as a person would, in LibreOffice itself: inserting a row moves every
# reference below it (openpyxl's insert_rows does not), so the insertion is LibreOffice's.

UNO_SCRIPT = r'''
import json, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

job = json.loads(sys.argv[1])
pipe = "copro" + str(abs(hash(job["source"])))
office = subprocess.Popen([job["soffice"], "--headless", "--norestore", "--nolockcheck", "--invisible",
                           "-env:UserInstallation=" + job["profile"], "--accept=pipe,name=" + pipe + ";urp;"])
try:
    resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", uno.getComponentContext())
    for _ in range(240):
        try:
            context = resolver.resolve("uno:pipe,name=" + pipe + ";urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.25)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    hidden = PropertyValue(); hidden.Name = "Hidden"; hidden.Value = True
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["source"]), "_blank", 0, (hidden,))
    sheet = doc.Sheets.getByName(job["sheet"])
    row = job["row"]  # 0-based: the new row takes this index
    sheet.Rows.insertByIndex(row, 1)
    if job.get("copy_from") is not None:
        source = sheet.getCellRangeByPosition(0, job["copy_from"], 30, job["copy_from"]).getRangeAddress()
        sheet.copyRange(sheet.getCellByPosition(0, row).getCellAddress(), source)
    for col, value in job["values"].items():
        cell = sheet.getCellByPosition(int(col), row)
        if isinstance(value, str):
            cell.setString(value)
        else:
            cell.setValue(value)
    flt = PropertyValue(); flt.Name = "FilterName"; flt.Value = "Calc MS Excel 2007 XML"
    doc.storeToURL(uno.systemPathToFileUrl(job["target"]), (flt,))
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        office.wait(timeout=60)
    except Exception:
        office.kill()
'''


def system_python_with_uno() -> str | None:
    """The system Python when it has LibreOffice's UNO bridge (Debian's python3-uno), else None."""
    for python in ("/usr/bin/python3", shutil.which("python3") or ""):
        if python and subprocess.run([python, "-c", "import uno"], capture_output=True, check=False).returncode == 0:
            return python
    return None


def insert_row(source: Path, target: Path, sheet: str, row: int, values: dict[int, Any], soffice: str, workdir: Path,
               copy_from: int | None = None) -> Path:
    """Insert a row at 0-based ``row`` of ``sheet`` in LibreOffice, optionally a copy of row ``copy_from``
    (0-based, after the insertion), type ``values`` (by 0-based column) into it, and save as xlsx."""
    import json

    python = system_python_with_uno()
    assert python, "LibreOffice's Python bridge (python3-uno) is needed to insert rows"
    profile = workdir / "uno-profile"
    profile.mkdir(parents=True, exist_ok=True)
    job = {"soffice": soffice, "profile": profile.as_uri(), "source": str(source), "target": str(target),
           "sheet": sheet, "row": row, "values": {str(k): v for k, v in values.items()}, "copy_from": copy_from}
    run = subprocess.run([python, "-c", UNO_SCRIPT, json.dumps(job)], capture_output=True, text=True, timeout=300,
                         check=False)
    assert run.returncode == 0 and target.exists(), f"inserting a row failed: {run.stdout}\n{run.stderr}"
    return target
