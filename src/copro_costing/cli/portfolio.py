"""``copro-costing portfolio DIR…``: the unit's portfolio report from folders of costing files."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..portfolio_report.report import Report

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
    """Build and write the report; exit 2 on any problem (nothing written) unless --keep-going,
    and always when no costing could be used (a report of nothing would read as a real one)."""
    from ..errors import InputError, Problem
    from ..portfolio_report.core import dates_in_order, portfolio
    from ..portfolio_report.reading import left_out_words, output_clash
    from .common import UsageError, check_output, output_format, rate_book, writing
    from .main import EXIT_OK

    fmt = output_format(args, FORMATS, EXTENSIONS, "md")
    if fmt == "xlsx" and args.output is None:
        raise UsageError("an xlsx workbook needs an output file: add -o portfolio.xlsx")
    try:
        dates_in_order(args.date_from, args.date_to, ("--from", "--to"))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    clash: list[Problem] = []
    if args.output is not None:
        check_output(args.output)
        clash = [p] if (p := output_clash(args.paths, args.output)) is not None else []
    try:
        report = portfolio(args.paths, rates=rate_book(args.rates), date_from=args.date_from, date_to=args.date_to,
                           keep_going=args.keep_going, jobs=args.jobs)  # None: by the folder's size
    except InputError as exc:
        raise InputError([*clash, *exc.problems]) from None  # every problem at once
    problems = [*clash, *report.reading.problems]
    if clash:  # the output is in the way: nothing else to say until it is not
        raise InputError(problems)
    if not report.records:
        outside = report.reading.outside_dates
        if not problems:  # every costing outside the dates: that is the problem itself
            where = ", ".join(map(str, args.paths))
            raise InputError([Problem(where, None, "", "no costings to report in the dates asked")])
        dates = ("" if not outside else
                 f", and {outside} {'costing is' if outside == 1 else 'costings are'} outside the dates asked")
        raise InputError(problems, outcome=f"no costing could be used{dates}, so there is nothing to report")
    for item in report.left_out:
        for problem in item.problems:
            print(problem, file=sys.stderr)
    if report.left_out:
        print(f"copro-costing: warning: {left_out_words(report.left_out)} left out (listed on the report's first page)",
              file=sys.stderr)
    for warning in report.warnings():
        print(f"copro-costing: warning: {warning}", file=sys.stderr)
    with writing(args.output):
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
        left = f", {left_out_words(report.left_out)} left out" if report.left_out else ""
        print(f"Wrote {args.output}: {counted(report.reports)}{left}", file=sys.stderr)
    return EXIT_OK


def counted(reports: Mapping[str, Report]) -> str:
    """The costings in every currency's report: "12 costings (2 in EUR, reported apart)"."""
    from ..money import CURRENCY

    total = sum(r.total.costings for r in reports.values())
    apart = [f"{r.total.costings} in {c}" for c, r in reports.items() if c != CURRENCY and r.total.costings]
    noun = "costing" if total == 1 else "costings"
    return f"{total} {noun}" + (f" ({', '.join(apart)}, reported apart)" if apart else "")
