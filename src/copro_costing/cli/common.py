"""Shared by the commands: the one date rule, the rates folder note, reading a costing file
so that every problem in it is reported in one run, and choosing, checking and writing an
output file."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Problem

if TYPE_CHECKING:  # the rate book's modules load when a command needs them
    from ..ratebook.models import RateBook


def date_arg(text: str) -> date:
    """A date from the command line, held to the same rule as a date in a file."""
    from ..dates import date_rule_message

    try:
        day = date.fromisoformat(text)
    except ValueError:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise argparse.ArgumentTypeError(f"not a day of the calendar (got {text!r})") from None
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD (got {text!r})") from None
    if message := date_rule_message(day):
        raise argparse.ArgumentTypeError(message)
    return day


def rates_note(folder: Path | None) -> Path:
    """Say on standard error which rates folder a command uses, and why; return it."""
    from ..ratebook.location import choose_rates

    choice = choose_rates(folder)
    print(f"copro-costing: {choice.note()}", file=sys.stderr)
    return choice.folder


def output_problem(output: Path) -> str | None:
    """Why ``output`` cannot be written (a missing folder, a folder, a device), or None."""
    from ..atomic import target_problem

    return target_problem(output)


def read_spec(path: Path, rates: Path | None) -> Any:
    """Read a costing file; when it has mistakes, report every one, with what the rate tables
    say about the rest of it (an unknown service, a rate below the floor)."""
    from ..pricing.problems import every_problem
    from ..pricing.spec import parse_spec
    from ..ratebook.folder import load_rates
    from ..ratebook.location import choose_rates
    from ..tomlfile import read_toml

    data, lines = read_toml(path, str(path))
    try:
        return parse_spec(data, str(path), lines)
    except InputError as exc:
        try:
            book = load_rates(choose_rates(rates).folder)
        except InputError:
            raise exc from None  # the rates' own problems are reported by the caller
        raise every_problem(exc, data, str(path), lines, book) from None


class UsageError(Exception):
    """A command-line mistake (exit 2)."""


def rate_book(folder: Path | None) -> RateBook:
    """The rate book a command uses (``--rates`` or the default), after saying which folder it is."""
    from ..ratebook.folder import load_rates
    return load_rates(rates_note(folder))


def output_format(
    args: argparse.Namespace, formats: Sequence[str], extensions: dict[str, str], default: str
) -> str:
    """--format if given, else the format named by -o's extension, else ``default``;
    an extension naming another format than --format is refused, not written over."""
    if args.format:
        named = extensions.get(args.output.suffix.lower()) if args.output is not None else None
        if named is not None and named != args.format:
            raise UsageError(
                f"{args.output}: the extension {args.output.suffix} is for {named} but --format is {args.format}: "
                "leave out --format, or give -o a name that ends as that format does"
            )
        return str(args.format)
    if args.output is not None:
        fmt = extensions.get(args.output.suffix.lower())
        if fmt not in formats:
            raise UsageError(
                f"{args.output}: cannot tell the format from the extension "
                f"{args.output.suffix or '(none)'}; use --format {{{','.join(formats)}}}"
            )
        return str(fmt)
    return default


def check_output(output: Path) -> None:
    """Refuse an output path that cannot be written (a missing folder, a folder, a device), before any work."""
    if message := output_problem(output):
        raise InputError([Problem(str(output), None, "", message)])


@contextmanager
def writing(output: Path | None) -> Iterator[None]:
    """Report a failure to write the output (no permission, disk full) as the user's problem."""
    try:
        yield
    except OSError as exc:
        if output is None or isinstance(exc, BrokenPipeError):
            raise
        raise InputError([Problem(str(output), None, "", f"cannot write: {exc.strerror or exc}")]) from None
