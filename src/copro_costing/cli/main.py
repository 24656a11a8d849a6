"""The ``copro-costing`` command: a thin face over the library.

Exit codes: 0 success; 2 bad input (every problem on stderr as ``FILE:LINE: field:
message``, no traceback); 1 an unexpected fault (a bug: please report it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TypeVar

from .. import __version__
from ..errors import InputError, Problem, RateLookupError
from ..money import DEFAULT_LOCALE
from . import serve
from .common import UsageError, check_output, output_format, rate_book, writing
from .parsers import _date, _rates_parser, letter_parser, run_letter

EXIT_OK, EXIT_FAULT, EXIT_INPUT = 0, 1, 2

A = TypeVar("A")
B = TypeVar("B")

FORMATS = ("text", "json", "csv", "md", "xlsx")
EXTENSIONS = {".json": "json", ".csv": "csv", ".md": "md", ".markdown": "md", ".xlsx": "xlsx", ".txt": "text"}


def _locale(text: str) -> str:
    """A locale Babel knows, such as en_GB or cy_GB."""
    if text == DEFAULT_LOCALE:  # argparse converts the default too: keep start-up free of Babel
        return text
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(text)
    except (UnknownLocaleError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown locale {text!r} (for example en_GB, cy_GB, fr_FR)") from None
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copro-costing",
        description="Cost co-production into research funding applications.",
    )
    parser.add_argument("--version", action="version", version=f"copro-costing {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    rates_help = "rates folder (default: $COPRO_COSTING_RATES, else the bundled tables)"

    quote = commands.add_parser("quote", help="price a costing file", description="Price a costing file.")
    quote.add_argument("spec", type=Path, metavar="SPEC", help="costing file (TOML)")
    quote.add_argument("--format", "-f", choices=FORMATS, help="output format (default: from -o's extension, else text)")
    quote.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    quote.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)
    quote.add_argument("--priced-on", type=_date, metavar="DATE", help="price with the rates in force on DATE (YYYY-MM-DD)")
    quote.add_argument("--locale", default=DEFAULT_LOCALE, type=_locale,
                       help="locale for amounts shown to people (default en_GB)")

    services = commands.add_parser("services", help="list the service catalogue", description="List the service catalogue.")
    services.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)
    services.add_argument("--on", type=_date, metavar="DATE", help="the catalogue in force on DATE (default today)")
    services.add_argument("--locale", default=DEFAULT_LOCALE, type=_locale, help="locale for amounts (default en_GB)")

    _rates_parser(commands, rates_help)
    letter_parser(commands, rates_help, _locale)

    offer = commands.add_parser(
        "offer", help="the unit's offer: every service with its prices",
        description="Publish the unit's offer from the rate tables: every service, what it includes, its "
        "external and internal price and internal policy, and the co-producer payment rate.",
    )
    offer.add_argument("--on", type=_date, metavar="DATE", help="prices in force on DATE (default today)")
    offer.add_argument("--format", "-f", choices=OFFER_FORMATS, help="output format (default: from -o's extension, else md)")
    offer.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    offer.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)
    offer.add_argument("--locale", default=DEFAULT_LOCALE, type=_locale, help="locale for amounts (default en_GB)")

    guide = commands.add_parser(
        "guide", help="how to cost co-production into an application to a funder",
        description="A guide to costing co-production into an application to one funder, generated from its "
        "rules in the rate tables: headings, what it pays, VAT, prices and inflation, co-producer payments.",
    )
    guide.add_argument("--funder", required=True, metavar="ID", help="funder id, e.g. ukri or nihr (see `rates show`)")
    guide.add_argument("--on", type=_date, metavar="DATE", help="rates in force on DATE (default today)")
    guide.add_argument("--format", "-f", choices=GUIDE_FORMATS, help="output format (default: from -o's extension, else md)")
    guide.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    guide.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)
    guide.add_argument("--locale", default=DEFAULT_LOCALE, type=_locale, help="locale for amounts (default en_GB)")
    from . import new, portfolio
    portfolio.add_parser(commands, _date, _locale, rates_help)  # sets args.run
    serve.add_parser(commands, rates_help)  # sets args.run
    new.add_parser(commands, _date)  # sets args.run
    return parser


OFFER_FORMATS = ("md", "html", "xlsx")
GUIDE_FORMATS = ("md", "html")
DOC_EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "quote":
            return _quote(args)
        if args.command == "services":
            return _services(args)
        if args.command == "rates":
            return _rates(args)
        if args.command in ("offer", "guide"):
            return _document(args)
        if args.command == "letter":
            return run_letter(args)
        if "run" in args:  # subcommands in their own modules
            return int(args.run(args))
        parser.error(f"unknown command {args.command!r}")
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        noun = "problem" if len(exc.problems) == 1 else "problems"
        outcome = f": {exc.outcome}" if exc.outcome else ""
        print(f"copro-costing: {len(exc.problems)} {noun}{outcome}; nothing was written", file=sys.stderr)
        return EXIT_INPUT
    except (UsageError, RateLookupError, serve.MissingExtra) as exc:  # RateLookupError: no rate in force on that date
        print(f"copro-costing: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except RecursionError as exc:  # input nested far past anything real
        print(f"copro-costing: the input is nested too deeply to read ({type(exc).__name__}); nothing was written",
              file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # a bug, not the user's mistake
        if os.environ.get("COPRO_COSTING_DEBUG"):
            raise
        print(
            f"copro-costing: unexpected error: {type(exc).__name__}: {exc}\n"
            "This is a fault in copro-costing; set COPRO_COSTING_DEBUG=1 for details and please report it.",
            file=sys.stderr,
        )
        return EXIT_FAULT
    return EXIT_OK


def _quote(args: argparse.Namespace) -> int:
    from ..pricing.engine import estimate
    from .common import read_spec
    from .render import render, wrote_line

    fmt = output_format(args, FORMATS, EXTENSIONS, "text")
    if fmt == "xlsx" and args.output is None:
        raise UsageError("an xlsx workbook needs an output file: add -o costing.xlsx")
    if fmt == "xlsx" and args.output.suffix.lower() not in ("", ".xlsx"):
        raise UsageError(f"{args.output}: a workbook is written as .xlsx: give -o a name ending .xlsx")
    if args.output is not None:
        check_output(args.output)
    book, spec = _both(lambda: rate_book(args.rates), lambda: read_spec(args.spec, args.rates))
    if args.priced_on is not None:
        # model_copy keeps the file name and line index, so problems still point at lines
        spec = spec.model_copy(update={"project": spec.project.model_copy(update={"priced_on": args.priced_on})})
    costing = estimate(spec, book)
    if costing.illustrative:
        print(
            "copro-costing: warning: contains illustrative rates: confirm with finance before submitting",
            file=sys.stderr,
        )
    for warning in costing.warnings:
        print(f"copro-costing: warning: {warning}", file=sys.stderr)
    with writing(args.output):
        render(costing, fmt, args.output, locale=args.locale)
    if args.output is not None:
        print(wrote_line(args.output, costing, args.locale))
    return EXIT_OK


def _services(args: argparse.Namespace) -> int:
    from ..pricing.catalogue import catalogue_table

    book = rate_book(args.rates)
    on = args.on or date.today()
    sys.stdout.write(catalogue_table(book, on, locale=args.locale))
    if any(row.illustrative for _, row in book.rows_in_force(on)):
        print("copro-costing: warning: contains illustrative rates: confirm the prices with finance "
              "before quoting them", file=sys.stderr)
    return EXIT_OK


def _rates_folder(folder: Path | None) -> Path:
    from ..ratebook.folder import default_rates_dir
    return folder if folder is not None else default_rates_dir()


def _rates(args: argparse.Namespace) -> int:
    action = args.rates_command
    if action == "check":
        return _rates_check(args)
    if action == "show":
        from ..ratebook.view import show, show_json

        book = rate_book(args.rates)
        on = args.on or date.today()
        sys.stdout.write(show_json(book, on) if args.format == "json" else show(book, on))
        return EXIT_OK
    if action == "diff":
        from ..ratebook.view import diff_json, diff_text

        book = rate_book(args.folder)
        to_date = args.to_date or date.today()
        render = diff_json if args.format == "json" else diff_text
        sys.stdout.write(render(book, args.from_date, to_date))
        return EXIT_OK
    if action == "export":
        return _rates_export(args)
    if action == "import":
        return _rates_import(args)
    raise UsageError(f"unknown rates action {action!r}")


def _rates_check(args: argparse.Namespace) -> int:
    from ..ratebook.check import check_folder
    from .common import rates_note

    result = check_folder(rates_note(args.folder), today=args.today)
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print(f"copro-costing: {result.summary()}", file=sys.stderr)
        return EXIT_INPUT
    print(result.summary())
    return EXIT_OK


def _both(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Run two readers and report the problems of both at once."""
    problems: list[Problem] = []
    try:
        one = first()
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        other = second()
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return one, other


def _rates_export(args: argparse.Namespace) -> int:
    from ..export.rates_writer import write_rates_workbook

    if args.workbook.suffix.lower() != ".xlsx":
        raise UsageError(f"{args.workbook}: the workbook must end in .xlsx")
    check_output(args.workbook)
    book = rate_book(args.rates)
    with writing(args.workbook):
        write_rates_workbook(book, args.workbook)
    rows = sum(len(book.rows(t)) for t in book.tables)
    print(f"Wrote {args.workbook}: {len(book.tables)} sheets, {rows} rows (the whole history).")
    print(f"Edit it, then: copro-costing rates import {args.workbook} DIR  (DIR: the rates folder to update)")
    return EXIT_OK


def _rates_import(args: argparse.Namespace) -> int:
    from ..export.rates_import import history_warnings, import_workbook

    with writing(args.folder):
        result = import_workbook(
            args.workbook, _rates_folder(args.folder), today=args.today, allow_history_edit=args.allow_history_edit,
        )
    for warning in history_warnings(result):
        print(f"copro-costing: warning: {warning}", file=sys.stderr)
    sys.stdout.write(result.summary())
    return EXIT_OK


def _document(args: argparse.Namespace) -> int:
    formats = OFFER_FORMATS if args.command == "offer" else GUIDE_FORMATS
    fmt = output_format(args, formats, DOC_EXTENSIONS, "md")
    if fmt == "xlsx" and args.output is None:
        raise UsageError("an xlsx workbook needs an output file: add -o offer.xlsx")
    if args.output is not None:
        check_output(args.output)
    from ..publishing import document, guides, offer

    book = rate_book(args.rates)
    on = args.on or date.today()
    text: str | None = None
    if args.command == "offer" and fmt == "xlsx":
        from ..export.offer_xlsx import write_offer_xlsx

        the_offer = offer.build_offer(book, on)
        with writing(args.output):
            write_offer_xlsx(the_offer, args.output, locale=args.locale)
        illustrative = the_offer.illustrative
    else:
        if args.command == "offer":
            doc = offer.offer_document(book, on, args.locale)
        else:
            if not book.has("funders", args.funder):  # one not in force on the date: the guide says why
                from ..errors import did_you_mean

                hint = did_you_mean(args.funder, book.keys_in_force("funders", on)) or f" (no funder is in force on {on})"
                raise UsageError(f"unknown funder {args.funder!r}: not in the rate tables{hint}")
            doc = guides.guide_document(book, args.funder, on, args.locale)
        text = document.to_html(doc) if fmt == "html" else document.to_markdown(doc)
        illustrative = doc.illustrative
    if illustrative:
        print("copro-costing: warning: contains illustrative figures (marked *): replace them with "
              "finance-approved rates before relying on them", file=sys.stderr)
    if text is not None:
        if args.output is None:
            sys.stdout.write(text)
        else:
            from ..atomic import write_text_atomic

            with writing(args.output):
                write_text_atomic(args.output, text)
    if args.output is not None:
        print(f"Wrote {args.output}", file=sys.stderr)
    return EXIT_OK
