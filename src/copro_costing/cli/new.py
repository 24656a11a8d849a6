"""``copro-costing new``: a commented costing file to start from, that prices as it stands.

The file is written from the rate tables in use, so every id in it exists there: one
service (with a decision and a reason when an internal client must give one), one
co-producer activity and one expense, then a commented ``[status]`` for the portfolio
report. Before anything is written the text is read back and priced like any costing
file; a template that did not price would be a bug.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..errors import InputError, Problem, did_you_mean
from ..ratebook.models import RateBook
from ..tomltext import toml_string


def _next_month(today: date) -> date:
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


def _service_entry(book: RateBook, client: str, on: date) -> list[str]:
    ids = [key for key in book.keys("services") if book.versions("services", key)[0].effective <= on]
    if not ids:
        return ["# [[services]]  (no service is in force in these rate tables yet)"]
    service = book.service(ids[0], on)
    lines = [
        "[[services]]                 # a service from the catalogue: `copro-costing services` lists them",
        f"service = {toml_string(service.id)}   # {service.name}; other ids: {', '.join(ids[1:]) or 'none'}",
        f"quantity = 2                 # {service.unit}s in EACH year listed (up to 2 decimals)",
        "years = [1]                  # or: year = 1",
    ]
    if client == "internal" and service.internal_policy == "case-by-case":
        lines += [
            'decision = "charge"          # this service is decided case by case for internal clients: "charge" or "waive"',
            'reason = "Agreed with the unit\'s director (replace with who decided and why)"',
        ]
    else:
        lines += [
            '# decision = "waive"         # only for case-by-case services, internal clients',
            '# reason = "..."             # required with decision: who decided and why',
        ]
    return lines


def _expense_entry(book: RateBook, on: date) -> list[str]:
    defaults = [k for k in book.keys("expense_defaults") if k != "coproducer-expenses"
                and book.versions("expense_defaults", k)[0].effective <= on]
    lines = ["[[expenses]]                 # anything else", 'item = "Room hire for the launch event"']
    if defaults:
        lines += ["cost = 150.00                # per item; or instead a default from the rate tables:",
                  f"# default = {toml_string(defaults[0])}   # defaults: {', '.join(defaults)}"]
    else:
        lines.append("cost = 150.00                # per item")
    return [*lines, "quantity = 1                 # default 1", "year = 1",
            '# heading = "Other direct costs"   # optional: one of the funder\'s headings']


def template(book: RateBook, *, client: str, funder: str, today: date, title: str = "") -> str:
    """The text of a new costing file for ``client`` and ``funder``, priced on ``today``."""
    funders = book.keys("funders")
    if funder not in funders:
        raise InputError([Problem("--funder", None, "", f"unknown funder {funder!r}{did_you_mean(funder, funders)}")])
    name = book.funder(funder, today).name
    start = _next_month(today)
    return "\n".join([
        "# A costing file for copro-costing. Edit the values, then price it:",
        "#     copro-costing quote THIS-FILE            (a table; add -o costing.xlsx for the workbook)",
        "# Every field is checked and a misspelt one is an error. Amounts have at most two decimals.",
        "",
        "[project]",
        f"title = {toml_string(title or 'My research project')}",
        f'client = "{client}"' + " " * (19 - len(client)) + '# "internal" (same university) or "external"',
        'organisation = "Department of ..."',
        f"funder = {toml_string(funder)}" + " " * max(1, 19 - len(funder)) + f"# {name}; funders: {', '.join(funders)}",
        f"start = {start.isoformat()}           # first day of the project",
        "months = 24                  # length, 1 to 120; a part year counts as a project year",
        f"priced_on = {today.isoformat()}       # the date whose rates apply (leave out for: today)",
        '# reference = "..."          # optional: your own reference',
        *(['# vat = false                # external only: no VAT, with the reason finance gave',
           '# vat_reason = "Finance confirmed the work is outside the scope of VAT"'] if client == "external" else []),
        "",
        *_service_entry(book, client, today),
        "",
        "[[involvement]]              # co-producers' paid time: always paid, never below the co-producer rate",
        'activity = "Advisory group meetings"',
        "people = 6",
        "sessions = 4                 # per year listed",
        "hours = 2                    # per person per session",
        "prep_hours = 1               # per person per session (paid); default 0",
        "years = [1, 2]",
        "# expenses = 15.00           # per person per session; default from the rate tables",
        "# rate = 35.00               # an hourly rate above the co-producer rate, if agreed",
        "",
        *_expense_entry(book, today),
        "",
        *_status_entry(today, start, client),
        "",
    ])


def _status_entry(today: date, start: date, client: str) -> list[str]:
    """A commented ``[status]`` table, valid as it stands once uncommented (an awarded bid). The
    department and faculty are for internal clients only (the portfolio groups every external
    client as one and warns of an external costing that names them), so an external one has none."""
    inside = [
        '# department = "Department of ..."   # who it is for inside the university: the report adds up by department',
        '# faculty = "Faculty of ..."         # and by faculty',
    ]
    return [
        "# [status]                   # optional: where this costing stands, for `copro-costing portfolio`",
        '# stage = "awarded"          # draft, submitted, awarded, declined, withdrawn or delivered; '
        "no [status]: a draft",
        f"# submitted = {today.isoformat()}     # the day it went to the funder or client "
        "(needed from submitted on; none for a draft)",
        f"# decided = {start.isoformat()}       # the day they said yes or no "
        "(needed for awarded, declined, delivered; none before)",
        *(inside if client == "internal" else []),
        '# contact = "name@example.ac.uk"     # who to ask about this costing',
    ]


def write_new(book: RateBook, path: Path, *, client: str, funder: str, today: date, title: str, force: bool) -> None:
    """Write the template to ``path`` (atomically) after checking that it prices."""
    from ..atomic import write_text_atomic
    from ..pricing.engine import estimate
    from ..pricing.spec import parse_spec
    from ..tomlfile import parse_toml

    if path.exists() and not force:
        raise InputError([Problem(str(path), None, "", "already exists: choose another name, or add --force to replace it")])
    text = template(book, client=client, funder=funder, today=today, title=title)
    data, lines = parse_toml(text, str(path))
    estimate(parse_spec(data, str(path), lines), book)  # raises if the template does not price: a bug
    write_text_atomic(path, text)


def add_parser(commands: argparse._SubParsersAction, date_type: Callable[[str], date]) -> None:
    """``copro-costing new FILE [--client ...] [--funder ...]``; sets ``args.run``."""
    new = commands.add_parser(
        "new", help="write a commented costing file to start from",
        description="Write a commented costing file for an internal or external client and a funder, "
        "from the rate tables in use; it prices as it stands (try: copro-costing quote FILE).",
    )
    new.add_argument("file", type=Path, metavar="FILE", help="the costing file to write (e.g. my-bid.toml)")
    new.add_argument("--client", choices=("internal", "external"), default="internal",
                     help="internal (same university) or external (default internal)")
    new.add_argument("--funder", default="ukri", metavar="ID", help="funder id (default ukri; see `rates show`)")
    new.add_argument("--title", default="", help="the project title")
    new.add_argument("--rates", type=Path, metavar="DIR", help="rates folder (default: as for quote)")
    new.add_argument("--today", type=date_type, metavar="DATE", help="price on DATE (default: today)")
    new.add_argument("--force", action="store_true", help="replace FILE if it exists")
    new.set_defaults(run=run_new)


def run_new(args: argparse.Namespace) -> int:
    from .common import check_output, rate_book, writing
    from .main import EXIT_OK

    check_output(args.file)
    book = rate_book(args.rates)
    with writing(args.file):
        write_new(book, args.file, client=args.client, funder=args.funder, today=args.today or date.today(),
                  title=args.title, force=args.force)
    print(f"Wrote {args.file}: a costing for an {args.client} client, funder {args.funder}. "
          f"Price it with: copro-costing quote {args.file}")
    return EXIT_OK
