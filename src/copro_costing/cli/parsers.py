"""Command-line parsers kept out of :mod:`.main`: the rates commands and the quote letter."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..money import DEFAULT_LOCALE


def _date(text: str) -> date:
    """A date from the command line, held to the same rule as a date in a file (see dates.py)."""
    from .common import date_arg

    return date_arg(text)



def _rates_parser(commands: argparse._SubParsersAction, rates_help: str) -> None:
    rates = commands.add_parser(
        "rates", help="check, show, compare, export and import the rate tables",
        description="Work with the rate tables (the rates folder): check them, show the rates in force on a "
        "date, see what changed between two dates, and edit them in Excel.",
    )
    sub = rates.add_subparsers(dest="rates_command", metavar="ACTION", required=True)
    folder_help = "rates folder (default: $COPRO_COSTING_RATES, else the bundled tables)"

    check = sub.add_parser("check", help="report every problem in a rates folder",
                           description="Validate a rates folder and report every problem as FILE:LINE: field: message.")
    check.add_argument("folder", type=Path, nargs="?", metavar="DIR", help=folder_help)
    check.add_argument("--today", type=_date, metavar="DATE", help="check as if today were DATE (default: today)")

    show = sub.add_parser("show", help="the rates in force on a date", description="Show the rates in force on a date.")
    show.add_argument("--on", type=_date, metavar="DATE", help="default today")
    show.add_argument("--format", "-f", choices=("table", "json"), default="table")
    show.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)

    diff = sub.add_parser("diff", help="what changed between the rates in force on two dates",
                          description="Compare the rates in force on two dates: item, field, old, new, change in per cent.")
    diff.add_argument("--from", dest="from_date", type=_date, required=True, metavar="DATE")
    diff.add_argument("--to", dest="to_date", type=_date, metavar="DATE", help="default today")
    diff.add_argument("folder", type=Path, nargs="?", metavar="DIR", help=folder_help)
    diff.add_argument("--format", "-f", choices=("table", "json"), default="table")

    export = sub.add_parser("export", help="write the rate tables to an Excel workbook",
                            description="Write every rate table, history included, to a workbook: one sheet per table.")
    export.add_argument("workbook", type=Path, metavar="FILE.xlsx")
    export.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)

    imp = sub.add_parser("import", help="validate a workbook and write it back to the rates folder",
                         description="Validate a rates workbook exactly like `rates check`; write the TOML files "
                         "only if there is no problem at all. New rows are always welcome; changing or removing "
                         "a row already in the folder is refused unless --allow-history-edit is given.")
    imp.add_argument("workbook", type=Path, metavar="FILE.xlsx")
    imp.add_argument("folder", type=Path, metavar="DIR",
                     help="the rates folder to write (required, so an installed package is never changed)")
    imp.add_argument("--today", type=_date, metavar="DATE", help="check as if today were DATE (default: today)")
    imp.add_argument("--allow-history-edit", action="store_true",
                     help="allow changing or removing rows already in the folder (a deliberate correction: "
                     "costings priced with those rows will no longer reproduce)")



def letter_parser(commands: argparse._SubParsersAction, rates_help: str, locale: Callable[[str], str]) -> None:
    letter = commands.add_parser(
        "letter", help="the quote a client receives, as HTML or PDF",
        description="Write the quote for a costing: for an external client a quotation a purchasing department "
        "can raise an order from; for an internal client the internal-charge quote funders ask for. Who it is "
        "from comes from unit.toml in the rates folder.",
    )
    letter.add_argument("spec", type=Path, metavar="SPEC", help="costing file (TOML)")
    letter.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="quote.html or quote.pdf")
    letter.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)
    letter.add_argument("--locale", default=DEFAULT_LOCALE, type=locale, help="locale for amounts (default en_GB)")


def run_letter(args: argparse.Namespace) -> int:
    """``letter SPEC -o FILE``: price the costing, then write its quote (HTML, or PDF with WeasyPrint)."""
    from ..atomic import write_bytes_atomic
    from ..pricing.engine import estimate
    from ..pricing.problems import checked_spec
    from ..publishing.letter import letter_html
    from ..ratebook.folder import default_rates_dir, load_rates
    from ..ratebook.unit import load_unit
    from ..tomlfile import read_toml
    from .common import UsageError, check_output, writing
    from .render import wrote_line

    suffix = args.output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise UsageError(f"{args.output}: a quote is written as .html or .pdf (got {suffix or 'no extension'})")
    if suffix == ".pdf":
        try:
            import weasyprint  # noqa: F401
        except ImportError:
            raise UsageError('a PDF quote needs WeasyPrint: pip install "copro-costing[pdf]", or write quote.html') from None
    check_output(args.output)
    folder = args.rates if args.rates is not None else default_rates_dir()
    data, lines = read_toml(args.spec, str(args.spec))
    book = load_rates(folder)
    costing = estimate(checked_spec(data, str(args.spec), lines, book), book)
    unit = load_unit(folder)
    if costing.illustrative or unit.illustrative:
        print("copro-costing: warning: the quote rests on illustrative figures: confirm them with finance before "
              "sending it", file=sys.stderr)
    with writing(args.output):
        if suffix == ".pdf":
            from ..publishing.letter import letter_pdf

            write_bytes_atomic(args.output, letter_pdf(costing, unit, args.locale))
        else:
            write_bytes_atomic(args.output, letter_html(costing, unit, args.locale).encode("utf-8"))
    print(wrote_line(args.output, costing, args.locale))
    return 0
