"""Export speed and memory, measured in one run and printed as ratios against their goals.

    python benchmarks/bench_export.py            # the full run (a minute or so)
    python benchmarks/bench_export.py --quick    # fewer repetitions, smaller memory case

1. Workbook export of a generated 2,000-line costing vs plain scripts writing the same
   cells (read back from the exported workbook: values, and formulas with their cached
   results), with no styles, names, chart, validation or print setup: a plain XlsxWriter
   script that also adds one Excel table over the Budget lines (goal <= 1.5x), and plain
   openpyxl in its default mode (goal <= 1.0x). Median of repetitions, the cases taken in
   turns so that a change in the machine's load falls on all of them. For reference, the
   XlsxWriter script streaming rows (``constant_memory``, as the exporter does; no table in
   that mode), and writing each formula's result as a plain value instead of the formula.
2. ``copro-costing quote SPEC --format json`` wall time vs ``python -c "import pydantic,
   babel"``. Goal <= 1.5x; median of repetitions. For reference it also times
   ``from pydantic import BaseModel``: pydantic imports lazily, so the baseline above
   does not load what any pydantic model needs.
3. Peak Python memory (tracemalloc) while exporting a 20,000-line costing vs the plain
   XlsxWriter script in constant-memory mode writing the same cells, the costing and the
   cell values being built before measuring. Goal <= 1.5x. For reference, the same script
   also giving the rows the exported workbook's row heights (XlsxWriter keeps each row's
   height in memory until the sheet is closed), and the exporter's peak less what those
   heights cost the script.

A benchmark, not a test: figures depend on the machine. Nothing here is timed in CI.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "hearing-checks.toml"
GOAL = 1.5


def big_costing(lines: int):
    """A realistic-shaped costing (services, involvement, expenses over 5 years) cut to ``lines`` lines."""
    from copro_costing import estimate, load_rates, parse_spec

    book = load_rates(ROOT / "rates")
    priced_on = date(2026, 9, 1)
    in_force = list(book.rows_in_force(priced_on))  # later rows (published from a later date) are not priced yet
    services = [row.key for table, row in in_force if table == "services"]
    defaults = [row.key for table, row in in_force if table == "expense_defaults"]
    entries = lines // 5 + 10
    data: dict[str, Any] = {
        "project": {
            "title": "Benchmark programme", "client": "external", "organisation": "A council",
            "funder": "nihr", "start": "2026-10-01", "months": 60, "priced_on": priced_on.isoformat(),
        },
        "services": [], "involvement": [], "expenses": [],
    }
    years = [1, 2, 3, 4, 5]
    for k in range(entries):
        kind = k % 3
        if kind == 0:
            data["services"].append({"service": services[k % len(services)], "quantity": str(1 + k % 7), "years": years})
        elif kind == 1:
            data["involvement"].append({
                "activity": f"Panel {k}", "people": 2 + k % 9, "sessions": 1 + k % 6, "hours": "2.5",
                "prep_hours": "1", "expenses": "12.50", "years": years,
            })
        else:
            data["expenses"].append({"item": f"Item {k}", "default": defaults[k % len(defaults)],
                                     "quantity": str(1 + k % 4), "years": years})
    costing = estimate(parse_spec(data), book)
    assert len(costing.lines) >= lines, len(costing.lines)
    return dataclasses.replace(costing, lines=costing.lines[:lines])


def cells_of(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """Every sheet's cells as (formula or value, cached result), as a plain script would be given them."""
    import openpyxl

    formulas, values = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    out = []
    for ws in formulas.worksheets:
        cached = values[ws.title]
        rows = [[(cell.value, cached[cell.coordinate].value) if cell.data_type == "f" else cell.value for cell in row]
                for row in ws.iter_rows()]
        out.append((ws.title, rows))
    return out


def row_heights_of(path: Path) -> dict[str, dict[int, float]]:
    """Every sheet's rows given a height (0-based row: points), read back from the exported workbook."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return {ws.title: {r - 1: d.height for r, d in ws.row_dimensions.items() if d.height is not None}
            for ws in wb.worksheets}


def values_only(sheets: list[tuple[str, list[list[Any]]]]) -> list[tuple[str, list[list[Any]]]]:
    """The same cells with every formula replaced by its cached result."""
    return [(title, [[v[1] if isinstance(v, tuple) else v for v in row] for row in rows]) for title, rows in sheets]


def raw_openpyxl(sheets: list[tuple[str, list[list[Any]]]], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append([v[0] if isinstance(v, tuple) else v for v in row])  # openpyxl cannot store a formula's result
    wb.save(path)


def raw_xlsxwriter(sheets: list[tuple[str, list[list[Any]]]], path: Path, lines: int, constant_memory: bool,
                   heights: dict[str, dict[int, float]] | None = None) -> None:
    """The same cells with XlsxWriter: strings, numbers, dates, formulas with results, and one table."""
    import datetime

    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "strings_to_formulas": False})
    for title, rows in sheets:
        ws = wb.add_worksheet(title)
        if title == "Budget" and lines and not constant_memory:  # XlsxWriter has no tables in that mode
            ws.add_table(0, 0, lines, len(rows[0]) - 1, {"columns": [{"header": str(h)} for h in rows[0]],
                                                          "autofilter": False})
        sheet_heights = (heights or {}).get(title, {})
        for r, row in enumerate(rows):
            if r in sheet_heights:
                ws.set_row(r, sheet_heights[r])
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, tuple):
                    ws.write_formula(r, c, v[0], None, v[1])
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                elif isinstance(v, datetime.datetime):
                    ws.write_datetime(r, c, v)
                else:
                    ws.write_number(r, c, v)
    wb.close()


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``repeat`` runs (after one warm-up run)."""
    fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed_in_turns(fns: list[Callable[[], Any]], repeat: int) -> list[float]:
    """Median wall time of each of ``fns``, run in turns ``repeat`` times (after one warm-up round)."""
    times: list[list[float]] = [[] for _ in fns]
    for fn in fns:
        fn()
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            gc.collect()
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def peak(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated by Python while ``fn`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def command_time(command: list[str], repeat: int) -> float:
    def run() -> None:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return timed(run, repeat)


def verdict(ratio: float, goal: float = GOAL) -> str:
    return "meets goal" if ratio <= goal else "MISSES goal"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a 5,000-line memory case")
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else 7
    memory_lines = 5_000 if args.quick else 20_000

    import openpyxl
    import xlsxwriter

    from copro_costing import __version__

    print(f"copro-costing {__version__}, XlsxWriter {xlsxwriter.__version__}, openpyxl {openpyxl.__version__}, "
          f"Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="copro-bench-") as folder:
        tmp = Path(folder)

        # 1. Export time, 2,000 lines.
        costing = big_costing(2_000)
        ours = tmp / "ours.xlsx"
        costing.to_excel(ours)
        sheets = cells_of(ours)
        n_cells = sum(1 for _, rows in sheets for row in rows for v in row if v is not None)
        lines = len(costing.lines)
        values = values_only(sheets)
        # Taken in turns, so that a change in the machine's load falls on every case alike.
        # References: the same script streaming rows as the exporter does, and writing each
        # formula's result as a plain value (what the formulas themselves cost XlsxWriter).
        t_ours, t_xw, t_op, t_xw_cm, t_xw_values = timed_in_turns([
            lambda: costing.to_excel(ours),
            lambda: raw_xlsxwriter(sheets, tmp / "raw-xw.xlsx", lines, constant_memory=False),
            lambda: raw_openpyxl(sheets, tmp / "raw-op.xlsx"),
            lambda: raw_xlsxwriter(sheets, tmp / "raw-xw-cm.xlsx", lines, constant_memory=True),
            lambda: raw_xlsxwriter(values, tmp / "raw-xw-v.xlsx", lines, constant_memory=False),
        ], repeat)
        n_formulas = sum(1 for _, rows in sheets for row in rows for v in row if isinstance(v, tuple))
        print(f"\n1. export, {lines:,} lines ({n_cells:,} cells, {n_formulas:,} of them formulas), median of {repeat}:")
        print(f"   copro-costing to_excel        {t_ours * 1000:8.1f} ms")
        print(f"   plain XlsxWriter script       {t_xw * 1000:8.1f} ms   ratio {t_ours / t_xw:.2f}x (goal <= 1.5x): "
              f"{verdict(t_ours / t_xw, 1.5)}")
        print(f"   plain openpyxl (default mode) {t_op * 1000:8.1f} ms   ratio {t_ours / t_op:.2f}x (goal <= 1.0x): "
              f"{verdict(t_ours / t_op, 1.0)}")
        print(f"   reference: the XlsxWriter script streaming rows (constant_memory, no table) {t_xw_cm * 1000:7.1f} ms; "
              f"ours {t_ours / t_xw_cm:.2f}x of it")
        print(f"   reference: the XlsxWriter script, results as values instead of formulas    {t_xw_values * 1000:7.1f} ms; "
              f"{t_xw_values / t_op:.2f}x openpyxl, against {t_xw / t_op:.2f}x with the formulas")

        # 2. Command-line JSON vs the unavoidable imports.
        script = Path(sys.executable).parent / "copro-costing"
        quote = [str(script)] if script.exists() else [sys.executable, "-m", "copro_costing"]
        t_cli = command_time([*quote, "quote", str(SPEC), "--format", "json"], repeat)
        t_imports = command_time([sys.executable, "-c", "import pydantic, babel"], repeat)
        t_model = command_time([sys.executable, "-c", "from pydantic import BaseModel"], repeat)
        ratio = t_cli / t_imports
        print(f"\n2. command line, median of {repeat}:")
        print(f"   copro-costing quote {SPEC.name} --format json  {t_cli * 1000:7.1f} ms")
        print(f"   python -c \"import pydantic, babel\"                    {t_imports * 1000:7.1f} ms   "
              f"ratio {ratio:.2f}x (goal <= {GOAL}x): {verdict(ratio)}")
        print(f"   python -c \"from pydantic import BaseModel\"            {t_model * 1000:7.1f} ms   "
              f"ratio {t_cli / t_model:.2f}x (reference)")

        # 3. Peak memory, 20,000 lines.
        costing = big_costing(memory_lines)
        big = tmp / "big.xlsx"
        m_ours = peak(lambda: costing.to_excel(big))
        sheets = cells_of(big)
        m_xw = peak(lambda: raw_xlsxwriter(sheets, tmp / "raw-big.xlsx", len(costing.lines), constant_memory=True))
        heights = row_heights_of(big)
        m_xw_heights = peak(lambda: raw_xlsxwriter(sheets, tmp / "raw-big-h.xlsx", len(costing.lines),
                                                   constant_memory=True, heights=heights))
        ratio = m_ours / m_xw
        mib = 1024 * 1024
        print(f"\n3. peak Python memory (tracemalloc), {len(costing.lines):,} lines:")
        print(f"   copro-costing to_excel                  {m_ours / mib:8.1f} MiB")
        print(f"   plain XlsxWriter script, constant_memory {m_xw / mib:7.1f} MiB   ratio {ratio:.2f}x (goal <= 1.5x): "
              f"{verdict(ratio, 1.5)}")
        n_heights = sum(len(rows) for rows in heights.values())
        print(f"   the same script, also setting the {n_heights:,} row heights {m_xw_heights / mib:6.1f} MiB   "
              f"ratio {m_ours / m_xw_heights:.2f}x (reference)")
        beyond = m_ours - (m_xw_heights - m_xw)
        print(f"   copro-costing less what the row heights cost the script {beyond / mib:5.1f} MiB   "
              f"ratio {beyond / m_xw:.2f}x of the plain script (reference)")
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
