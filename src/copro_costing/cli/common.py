"""Shared by the commands: the one date rule, the rates folder note, and reading a costing
file so that every problem in it is reported in one run."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError


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
