"""``copro-costing portfolio DIR…``: the unit's portfolio report from folders of costing files."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

FORMATS = ("md", "html", "json", "xlsx")
EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".xlsx": "xlsx"}


def jobs_type(text: str) -> int:
    """``--jobs``: a whole number of processes, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, such as 2 (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def add_parser(
    commands: argparse._SubParsersAction, date_type: Callable[[str], date], locale_type: Callable[[str], str], rates_help: str
) -> None:
    """Register the ``portfolio`` subcommand."""
    p = commands.add_parser(
        "portfolio", help="add up many costings: by stage, financial year, client, faculty, funder, service",
        description="Read every costing file (*.toml) in the folders (and their subfolders), price each with "
        "its own pricing date, and report counts and values by stage; awarded income, the pipeline and the "
        "value given free by financial year (1 August - 31 July); by client, faculty, department, funder and "
        "service; co-producer payments; and the success rate.",
    )
    p.add_argument("paths", type=Path, nargs="+", metavar="DIR", help="folders of costing files (or single files)")
    p.add_argument("--from", dest="date_from", type=date_type, metavar="DATE",
                   help="only projects running on or after DATE (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", type=date_type, metavar="DATE",
                   help="only projects running on or before DATE (YYYY-MM-DD)")
    p.add_argument("--format", "-f", choices=FORMATS, help="output format (default: from -o's extension, else md)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--keep-going", action="store_true",
                   help="build the report from the valid files; list the others on its first page")
    p.add_argument("--jobs", "-j", type=jobs_type, metavar="N",
                   help="processes reading the files (default: one per processor for hundreds of files; 1: one)")
    p.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)
    p.add_argument("--locale", default="en_GB", type=locale_type, help="locale for amounts (default en_GB)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build and write the report; exit 2 on any problem (nothing written) unless --keep-going."""
    from ..errors import InputError
    from ..portfolio_report.core import portfolio
    from .main import EXIT_OK, UsageError, _book, _check_output, _output_format, _writing

    fmt = _output_format(args, FORMATS, EXTENSIONS, "md")
    if fmt == "xlsx" and args.output is None:
        raise UsageError("an xlsx workbook needs an output file: add -o portfolio.xlsx")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise UsageError(f"--from {args.date_from} is after --to {args.date_to}")
    if args.output is not None:
        _check_output(args.output)
    report = portfolio(args.paths, rates=_book(args.rates), date_from=args.date_from, date_to=args.date_to,
                       keep_going=args.keep_going, jobs=args.jobs)  # None: by the folder's size
    if not report.records and not args.keep_going:
        raise InputError.one(", ".join(map(str, args.paths)), "no costings to report in the dates asked")
    for item in report.left_out:
        for problem in item.problems:
            print(problem, file=sys.stderr)
    if report.left_out:
        print(f"copro-costing: warning: {len(report.left_out)} file(s) left out (listed on the report's first page)",
              file=sys.stderr)
    for warning in report.warnings():
        print(f"copro-costing: warning: {warning}", file=sys.stderr)
    with _writing(args.output):
        if fmt == "xlsx":
            report.to_excel(args.output, locale=args.locale)
        else:
            views: dict[str, Callable[[], str]] = {
                "json": report.to_json,  # the JSON contract does not depend on the locale
                "html": lambda: report.to_html(locale=args.locale),
                "md": lambda: report.to_markdown(locale=args.locale),
            }
            out = views[fmt]()
            if args.output is None:
                sys.stdout.write(out)
            else:
                from ..atomic import write_text_atomic

                write_text_atomic(args.output, out)
    if args.output is not None:
        t = report.report.total
        print(f"Wrote {args.output}: {t.costings} costings, {len(report.left_out)} left out", file=sys.stderr)
    return EXIT_OK
