"""The ``copro-costing`` command: a thin face over the library.

Exit codes: 0 success; 2 bad input (every problem on stderr as ``FILE:LINE: field:
message``, no traceback); 1 an unexpected fault (a bug: please report it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from . import __version__
from .errors import InputError, Problem

EXIT_OK, EXIT_FAULT, EXIT_INPUT = 0, 1, 2

FORMATS = ("text", "json", "csv", "md", "xlsx")
EXTENSIONS = {".json": "json", ".csv": "csv", ".md": "md", ".markdown": "md", ".xlsx": "xlsx", ".txt": "text"}


class UsageError(Exception):
    """A command-line mistake (exit 2)."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD (got {text!r})") from None


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
    quote.add_argument("--locale", default="en_GB", help="locale for amounts shown to people (default en_GB)")

    services = commands.add_parser("services", help="list the service catalogue", description="List the service catalogue.")
    services.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)
    services.add_argument("--on", type=_date, metavar="DATE", help="the catalogue in force on DATE (default today)")
    services.add_argument("--locale", default="en_GB", help="locale for amounts (default en_GB)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "quote":
            return _quote(args)
        if args.command == "services":
            return _services(args)
        parser.error(f"unknown command {args.command!r}")
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        noun = "problem" if len(exc.problems) == 1 else "problems"
        print(f"copro-costing: {len(exc.problems)} {noun}; nothing was written", file=sys.stderr)
        return EXIT_INPUT
    except UsageError as exc:
        print(f"copro-costing: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
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


def _book(folder: Path | None):
    from .tables import load_rates

    return load_rates(folder)


def _output_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output is not None:
        fmt = EXTENSIONS.get(args.output.suffix.lower())
        if fmt is None:
            raise UsageError(
                f"{args.output}: cannot tell the format from the extension "
                f"{args.output.suffix or '(none)'}; use --format {{{','.join(FORMATS)}}}"
            )
        return fmt
    return "text"


def _quote(args: argparse.Namespace) -> int:
    from .engine import estimate
    from .render import render
    from .spec import load_spec

    fmt = _output_format(args)
    if fmt == "xlsx" and args.output is None:
        raise UsageError("an xlsx workbook needs an output file: add -o costing.xlsx")
    if args.output is not None and not args.output.parent.is_dir():
        raise InputError([Problem(str(args.output), None, "", "output folder does not exist")])
    book = _book(args.rates)
    spec = load_spec(args.spec)
    if args.priced_on is not None:
        spec = spec.model_copy(update={"project": spec.project.model_copy(update={"priced_on": args.priced_on})})
        spec.with_origin(str(args.spec), None)
    costing = estimate(spec, book)
    if costing.illustrative:
        print(
            "copro-costing: warning: contains illustrative rates: confirm with finance before submitting",
            file=sys.stderr,
        )
    for warning in costing.warnings:
        print(f"copro-costing: warning: {warning}", file=sys.stderr)
    render(costing, fmt, args.output, locale=args.locale)
    return EXIT_OK


def _services(args: argparse.Namespace) -> int:
    from .catalogue import catalogue_table

    book = _book(args.rates)
    sys.stdout.write(catalogue_table(book, args.on or date.today(), locale=args.locale))
    return EXIT_OK
