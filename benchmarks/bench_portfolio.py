"""The portfolio report on 5,000 generated costing files, against reading and validating them.

    python benchmarks/bench_portfolio.py            # 5,000 files (about three minutes)
    python benchmarks/bench_portfolio.py --files 1000 --rounds 3

1. Time: ``portfolio(folder)`` plus each view (JSON, Markdown, HTML, workbook) against
   reading and validating the same files in the same process (``load_spec`` on each).
   Goal: the report in <= 2x the read-and-validate time. The cases are timed in turns, five
   rounds, reading first and last in each round, and each ratio is the median of the
   rounds' ratios against the mean of their two readings: the machine's speed drifts by
   more than the figures being compared, and in turns it drifts for every case. A folder this
   size is read by one process per processor (``jobs=None``, as the command line does:
   this process and a worker for each other processor); the first line is the same report
   read by this process alone (``jobs=1``, the Python default), for comparison.
   For reference, a plain XlsxWriter script writing only the workbook's data-sheet cells
   (read back from the report's workbook; no formats, formulas, chart or other sheets), in
   one process: what the workbook view costs before any of the report's own code runs.
2. Memory: tracemalloc peak while building the report for 1/5 of the files and for all
   of them, and what the finished report keeps (its records). Goal: the peak beyond the
   report itself does not grow with the number of files.

The files are realistic bids (1-5 years, 5-60 lines, internal and external clients, every
funder and stage), generated with a fixed seed. A benchmark, not a test: figures depend on
the machine, and nothing here is timed in CI.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from copro_costing import load_rates, load_spec, portfolio
from copro_costing.tomltext import dump_toml

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2.0
FUNDERS = ("ukri", "nihr", "wellcome", "amrc-charity", "other")
ACTIVITIES = ("Advisory panel", "Co-design workshops", "Peer researchers' sessions", "Community events",
              "Lived-experience reviewers")
DEPARTMENTS = (("Ear Institute", "Brain Sciences"), ("Division of Psychiatry", "Brain Sciences"),
               ("Institute of Health Informatics", "Population Health Sciences"), ("Policy Lab", "Social Sciences"),
               ("Institute of Education", "IOE"))


def generate(folder: Path, n: int, seed: int = 14) -> None:
    """``n`` realistic costing files with a [status], written to ``folder``."""
    rng = random.Random(seed)
    book = load_rates(ROOT / "rates")
    services = [s for s in book.keys("services") if s != "advisory-group-meeting"]
    for i in range(n):
        client = rng.choice(("internal", "external"))
        months = rng.choice((6, 12, 18, 24, 36, 48, 60))
        years = -(-months // 12)
        start = date(2025, 9, 1) + timedelta(days=rng.randrange(0, 900))
        priced = max(start - timedelta(days=rng.randrange(20, 120)), date(2025, 8, 1))
        data: dict = {"project": {"title": f"Project {i}", "client": client, "organisation": f"Partner {i % 97}",
                                  "funder": rng.choice(FUNDERS), "start": start, "months": months,
                                  "priced_on": priced}}
        stage = rng.choice(("draft", "submitted", "awarded", "awarded", "declined", "withdrawn", "delivered"))
        status: dict = {"stage": stage}
        if stage != "draft":
            status["submitted"] = priced + timedelta(days=5)
        if stage in ("awarded", "declined", "delivered"):
            status["decided"] = priced + timedelta(days=60)
        if client == "internal":
            status["department"], status["faculty"] = rng.choice(DEPARTMENTS)
        data["status"] = status
        entries = rng.randrange(1, 5)
        span = list(range(1, years + 1))
        data["services"] = [{"service": rng.choice(services), "quantity": rng.randrange(1, 8), "years": span}
                            for _ in range(entries)]
        data["involvement"] = [{"activity": rng.choice(ACTIVITIES), "people": rng.randrange(3, 12),
                                "sessions": rng.randrange(2, 8), "hours": 2, "prep_hours": 1, "years": span,
                                "expenses": "15.00"} for _ in range(rng.randrange(1, 3))]
        data["expenses"] = [{"item": "Interpreters", "default": "bsl-interpreter", "quantity": 2, "years": span}]
        (folder / f"costing-{i:05d}.toml").write_text(dump_toml(data), encoding="utf-8")


def in_turns(cases: dict[str, Callable[[], object]], rounds: int = 5) -> dict[str, list[float]]:
    """Seconds each case took in each round; the cases run one after another in every round,
    so a change in the machine's speed (a shared machine's is noisy) falls on all of them."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, run in cases.items():
            gc.collect()
            t = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t)
    return times


def peak_and_kept(folder: Path, book) -> tuple[float, float]:
    """MB: peak while building the report, and what the finished report keeps."""
    gc.collect()
    tracemalloc.start()
    report = portfolio(folder, rates=book)
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del report
    return peak / 1e6, kept / 1e6


DATA_SHEETS = ("Costings", "Financial years", "Services")


def data_cells(workbook: Path) -> list[tuple[str, list[tuple[int, int, object]]]]:
    """The cells of the report workbook's data sheets (values; dates as written), read back with openpyxl."""
    from openpyxl import load_workbook

    wb = load_workbook(workbook, read_only=True)
    sheets = []
    for name in DATA_SHEETS:
        cells = [(cell.row - 1, cell.column - 1, cell.value) for row in wb[name].iter_rows() for cell in row
                 if getattr(cell, "value", None) is not None]
        sheets.append((name, cells))
    wb.close()
    return sheets


def plain_script(sheets: list[tuple[str, list[tuple[int, int, object]]]], path: Path) -> None:
    """A plain XlsxWriter script writing only those cells, streaming as the report does: no formats,
    formulas, chart, print setup or other sheets. What XlsxWriter itself takes for the data."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    for name, cells in sheets:
        ws = wb.add_worksheet(name)
        for row, col, value in cells:
            if isinstance(value, str):
                ws.write_string(row, col, value)
            elif isinstance(value, (int, float)):
                ws.write_number(row, col, value)
            else:
                ws.write_datetime(row, col, value)
    wb.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every case, taken in turns (default 5)")
    args = parser.parse_args()
    book = load_rates(ROOT / "rates")
    with tempfile.TemporaryDirectory() as tmp:
        folder, small = Path(tmp) / "all", Path(tmp) / "fifth"
        folder.mkdir()
        small.mkdir()
        generate(folder, args.files)
        generate(small, args.files // 5)
        files = sorted(folder.glob("*.toml"))
        lines = [len(__import__("copro_costing").estimate(load_spec(f), book).lines) for f in files[:200]]
        from copro_costing.portfolio_report.workers import default_jobs

        print(f"{len(files)} files; lines per costing (first 200): {min(lines)}-{max(lines)}; "
              f"{default_jobs()} processes (jobs=None: this one and {default_jobs() - 1} more)")
        out = Path(tmp) / "out"
        out.mkdir()
        cases: dict[str, Callable[[], object]] = {
            "read and validate": lambda: [load_spec(f) for f in files],
            "one process + JSON": lambda: portfolio(folder, rates=book, jobs=1).to_json(),
            "portfolio + JSON": lambda: portfolio(folder, rates=book, jobs=None).to_json(),
            "portfolio + Markdown": lambda: portfolio(folder, rates=book, jobs=None).to_markdown(),
            "portfolio + HTML": lambda: portfolio(folder, rates=book, jobs=None).to_html(),
            "portfolio + workbook": lambda: portfolio(folder, rates=book, jobs=None).to_excel(out / "p.xlsx"),
        }
        portfolio(folder, rates=book, jobs=None).to_excel(out / "p.xlsx")
        sheets = data_cells(out / "p.xlsx")
        cells = sum(len(c) for _, c in sheets)
        cases["plain XlsxWriter script"] = lambda: plain_script(sheets, out / "plain.xlsx")
        cases["read and validate again"] = cases["read and validate"]
        times = in_turns(cases, args.rounds)
        # each round's reading: the mean of its first and last case, around the report's cases
        read = [(a + b) / 2 for a, b in zip(times.pop("read and validate"), times.pop("read and validate again"),
                                            strict=True)]
        print(f"{'read and validate':25} {statistics.median(read):6.2f} s   (rounds: "
              f"{', '.join(f'{t:.2f}' for t in read)})")
        for name, taken in times.items():
            # the ratio in each round (against that round's reading), and its median
            ratio = statistics.median(t / r for t, r in zip(taken, read, strict=True))
            verdict = (f"reference: XlsxWriter alone writing the {cells:,} data-sheet cells" if name.startswith("plain")
                       else f"goal <= {GOAL}x: {'met' if ratio <= GOAL else 'NOT met'}")
            print(f"{name:25} {statistics.median(taken):6.2f} s  = {ratio:.2f}x read  ({verdict})")
        (p1, k1), (p5, k5) = peak_and_kept(small, book), peak_and_kept(folder, book)
        print(f"memory, {args.files // 5} files: peak {p1:6.1f} MB, report keeps {k1:6.1f} MB, beyond it {p1 - k1:5.1f} MB")
        print(f"memory, {args.files} files: peak {p5:6.1f} MB, report keeps {k5:6.1f} MB, beyond it {p5 - k5:5.1f} MB")


if __name__ == "__main__":
    main()
