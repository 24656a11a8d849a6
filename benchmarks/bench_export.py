"""Export speed and memory, measured in one run and printed as ratios against their goals.

    python benchmarks/bench_export.py            # the full run (a minute or so)
    python benchmarks/bench_export.py --quick    # fewer repetitions, smaller memory case

1. Workbook export of a generated 2,000-line costing vs raw openpyxl writing the same
   values and formulas (read back from the exported workbook, so exactly the same cells,
   but no styles, names, chart, validation or layout work). Goal <= 1.5x against raw
   openpyxl as it is ordinarily used (its default mode); its streaming write-only mode,
   which the exporter itself uses, is printed as a stricter reference.
2. ``copro-costing quote SPEC --format json`` wall time vs ``python -c "import pydantic,
   babel"``. Goal <= 1.5x; median of repetitions. For reference it also times
   ``from pydantic import BaseModel``: pydantic imports lazily, so the baseline above
   does not load what any pydantic model needs.
3. Peak Python memory (tracemalloc) while exporting a 20,000-line costing vs raw openpyxl
   writing the same cells, the costing and the cell values being built before measuring.
   Goal <= 1.5x against raw openpyxl's default mode; write-only printed as a reference.

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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "hearing-checks.toml"
GOAL = 1.5


def big_costing(lines: int):
    """A realistic-shaped costing (services, involvement, expenses over 5 years) cut to ``lines`` lines."""
    from copro_costing import estimate, load_rates, parse_spec

    book = load_rates(ROOT / "rates")
    services = book.keys("services")
    defaults = book.keys("expense_defaults")
    entries = lines // 5 + 10
    data: dict[str, Any] = {
        "project": {
            "title": "Benchmark programme", "client": "external", "organisation": "A council",
            "funder": "nihr", "start": "2026-10-01", "months": 60, "priced_on": "2026-09-01",
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
    """Every sheet's cell values and formulas, as raw openpyxl would be given them."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [(ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]


def raw_write(sheets: list[tuple[str, list[list[Any]]]], path: Path, write_only: bool) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)


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


def verdict(ratio: float) -> str:
    return "meets goal" if ratio <= GOAL else "MISSES goal"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a 5,000-line memory case")
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else 7
    memory_lines = 5_000 if args.quick else 20_000

    import openpyxl

    from copro_costing import __version__

    print(f"copro-costing {__version__}, openpyxl {openpyxl.__version__}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="copro-bench-") as folder:
        tmp = Path(folder)

        # 1. Export time, 2,000 lines.
        costing = big_costing(2_000)
        ours = tmp / "ours.xlsx"
        t_ours = timed(lambda: costing.to_excel(ours), repeat)
        sheets = cells_of(ours)
        n_cells = sum(1 for _, rows in sheets for row in rows for v in row if v is not None)
        t_raw = timed(lambda: raw_write(sheets, tmp / "raw.xlsx", write_only=False), repeat)
        t_raw_wo = timed(lambda: raw_write(sheets, tmp / "raw-wo.xlsx", write_only=True), repeat)
        ratio = t_ours / t_raw
        print(f"\n1. export, {len(costing.lines):,} lines ({n_cells:,} cells), median of {repeat}:")
        print(f"   copro-costing to_excel        {t_ours * 1000:8.1f} ms")
        print(f"   raw openpyxl (default mode)   {t_raw * 1000:8.1f} ms   ratio {ratio:.2f}x (goal <= {GOAL}x): {verdict(ratio)}")
        print(f"   raw openpyxl (write-only)     {t_raw_wo * 1000:8.1f} ms   ratio {t_ours / t_raw_wo:.2f}x (reference)")

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
        m_raw = peak(lambda: raw_write(sheets, tmp / "raw-big.xlsx", write_only=False))
        m_raw_wo = peak(lambda: raw_write(sheets, tmp / "raw-big-wo.xlsx", write_only=True))
        ratio = m_ours / m_raw
        mib = 1024 * 1024
        print(f"\n3. peak Python memory (tracemalloc), {len(costing.lines):,} lines:")
        print(f"   copro-costing to_excel        {m_ours / mib:8.1f} MiB")
        print(f"   raw openpyxl (default mode)   {m_raw / mib:8.1f} MiB   ratio {ratio:.2f}x (goal <= {GOAL}x): {verdict(ratio)}")
        print(f"   raw openpyxl (write-only)     {m_raw_wo / mib:8.1f} MiB   ratio {m_ours / m_raw_wo:.2f}x (reference)")
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
