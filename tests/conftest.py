"""Shared fixtures: the repository's folders, the bundled rate tables, and small helpers.

Helpers are fixtures that return functions, so a test reads as an example:

    costing = quote(spec_toml(INVOLVEMENT, client="external"))
    check_totals(costing)
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from copro_costing import Costing, InputError, RateBook, estimate, load_rates, load_spec
from snippets import append_rows

ROOT = Path(__file__).resolve().parent.parent

MONEY_TEXT = re.compile(r"^-?\d+\.\d{2}$")
"""A money string as it appears in JSON and CSV: exactly two decimals, no separators."""


@pytest.fixture(autouse=True)
def _bundled_rates_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the bundled rates and no debug tracebacks, whatever the shell has set."""
    from copro_costing.ratebook.folder import ENV_VAR

    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("COPRO_COSTING_DEBUG", raising=False)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """``run("quote", path, ...)`` -> (exit code, stdout, stderr), the command line in-process."""
    from copro_costing import cli

    def call(*args: object) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return ROOT / "examples"


@pytest.fixture(scope="session")
def rates_dir() -> Path:
    return ROOT / "rates"


@pytest.fixture(scope="session")
def book() -> RateBook:
    return load_rates(ROOT / "rates")


# --- costing specs ------------------------------------------------------------------


def _spec_toml(
    body: str = "",
    *,
    client: str = "internal",
    funder: str = "ukri",
    start: str = "2026-04-01",
    months: int = 36,
    priced_on: str | None = "2026-04-01",
    extra: str = "",
) -> str:
    """A whole costing file: a ``[project]`` table with these values, then ``body``."""
    lines = [
        "[project]",
        'title = "Test project"',
        f'client = "{client}"',
        f'funder = "{funder}"',
        f"start = {start}",
        f"months = {months}",
    ]
    if priced_on is not None:
        lines.append(f"priced_on = {priced_on}")
    if extra:
        lines.append(extra.strip("\n"))
    return "\n".join(lines) + "\n" + body


@pytest.fixture(scope="session")
def spec_toml() -> Callable[..., str]:
    """Build costing-file text: ``spec_toml(body, client=..., funder=..., months=...)``."""
    return _spec_toml


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An empty folder for the web calculator's saved costings (``serve --store``)."""
    folder = tmp_path / "store"
    folder.mkdir()
    return folder


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write costing-file text to a file in ``tmp_path`` and return its path."""

    def write(text: str, name: str = "spec.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def quote(book: RateBook, write_spec: Callable[..., Path]) -> Callable[..., Costing]:
    """Write costing-file text, read it back and price it (bundled rates unless given)."""

    def run(text: str, rates: RateBook | None = None) -> Costing:
        return estimate(load_spec(write_spec(text)), rates or book)

    return run


@pytest.fixture
def problems_of(book: RateBook, write_spec: Callable[..., Path]) -> Callable[..., list[str]]:
    """Write costing-file text, try to price it, and return its problems as printed.

    Fails the test if the file is accepted: every caller expects a mistake.
    """

    def run(text: str, rates: RateBook | None = None) -> list[str]:
        path = write_spec(text)
        with pytest.raises(InputError) as caught:
            estimate(load_spec(path), rates or book)
        return [str(p) for p in caught.value.problems]

    return run


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based number of the line of ``text`` holding ``fragment`` (its n-th occurrence)."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(found) >= occurrence, f"{fragment!r} occurs {len(found)} times in the text"
    return found[occurrence - 1]


@pytest.fixture(scope="session")
def find_line() -> Callable[..., int]:
    """``find_line(text, 'quantity = 0')``: the line a problem should point at."""
    return line_of


# --- rate tables ----------------------------------------------------------------------


@pytest.fixture
def rates_copy(tmp_path: Path, rates_dir: Path) -> Path:
    """A private copy of the bundled rate tables that a test may edit."""
    folder = tmp_path / "rates"
    shutil.copytree(rates_dir, folder)
    return folder


CONFIRMED = "Finance confirmed NIHR's rules for the unit's bids, 2026"


@pytest.fixture(scope="session")
def confirmed_rates(tmp_path_factory: pytest.TempPathFactory, rates_dir: Path) -> Path:
    """The bundled tables with NIHR's rules confirmed by finance (their source no longer illustrative).

    With the published £30 co-producer rate and NIHR's sourced shares, an involvement-only NIHR
    costing then rests on no illustrative figure: the case for "no illustrative rates".
    """
    folder = tmp_path_factory.mktemp("confirmed") / "rates"
    shutil.copytree(rates_dir, folder)
    path = folder / "funders.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('id = "nihr"')
    at = text.index('source = "', start)
    end = text.index("\n", at)
    path.write_text(text[:at] + f'source = "{CONFIRMED}"' + text[end:], encoding="utf-8")
    return folder


@pytest.fixture
def rates(rates_copy: Path) -> Path:
    """The same private copy, under the short name the rates-tool tests use."""
    return rates_copy


@pytest.fixture(scope="session")
def append() -> Callable[[Path, str, str], None]:
    """``append(folder, "roles.toml", '[[roles]] ...')``: add rows to a copied rates file."""
    return append_rows


# --- domain assertions ----------------------------------------------------------------


def money_values(costing: Costing) -> list[tuple[str, Decimal]]:
    """Every money value of a costing, named, for checks on their form."""
    out: list[tuple[str, Decimal]] = []
    for n, line in enumerate(costing.lines):
        for name in ("unit_price", "amount", "vat", "waived", "charged", "price", "cost", "surplus", "requested"):
            out.append((f"lines[{n}].{name}", getattr(line, name)))
    t = costing.totals
    for name in ("value", "waived", "vat", "price", "funder_contribution", "cost", "surplus", "requested", "indirect"):
        out.append((f"totals.{name}", getattr(t, name)))
    out += [(f"totals.by_year[{y}]", v) for y, v in t.by_year.items()]
    out += [(f"totals.by_heading[{h!r}]", v) for h, v in t.by_heading.items()]
    return out


def assert_reconciles(costing: Costing) -> None:
    """Every view of the totals is the sum of the same rounded lines, to the penny."""
    lines, t = costing.lines, costing.totals
    assert t.value == sum((line.amount for line in lines), Decimal(0)), "value is not the sum of line amounts"
    assert t.waived == sum((line.waived for line in lines), Decimal(0)), "waived is not the sum of waived lines"
    assert t.vat == sum((line.vat for line in lines), Decimal(0)), "vat is not the sum of line VAT"
    assert t.price == t.value - t.waived + t.vat, "price is not value - waived + vat"
    assert sum(t.by_year.values(), Decimal(0)) == t.price, f"by_year {t.by_year} does not add up to {t.price}"
    assert t.cost == sum((line.cost for line in lines), Decimal(0)), "cost is not the sum of line costs"
    assert t.requested == sum((line.requested for line in lines), Decimal(0)), "requested is not the sum of lines"
    assert t.surplus == t.price - t.vat - t.cost, "surplus is not what the unit is paid (VAT aside) minus cost"
    if costing.funder.direct_commission:  # no funder: no headings, nothing contributed
        assert t.by_heading == {} and {line.heading for line in lines} <= {""}, "a direct commission has headings"
        assert t.funder_contribution == Decimal("0.00")
    else:
        assert sum(t.by_heading.values(), Decimal(0)) == t.price, f"by_heading {t.by_heading} does not add up"
    for year, amount in t.by_year.items():
        assert amount == sum((line.price for line in lines if line.year == year), Decimal(0)), f"year {year}"
    for heading, amount in t.by_heading.items():
        assert amount == sum((line.price for line in lines if line.heading == heading), Decimal(0)), heading
    assert set(t.by_year) == set(range(1, costing.years + 1)), "by_year must list every project year"
    if not costing.funder.direct_commission:
        assert {line.heading for line in lines} <= set(t.by_heading), "a line's heading is missing from by_heading"
    for name, value in money_values(costing):
        assert value.as_tuple().exponent == -2, f"{name} = {value!r} does not have exactly two decimals"


@pytest.fixture(scope="session")
def check_totals() -> Callable[[Costing], None]:
    """Assert that a costing's totals reconcile with its lines in every view."""
    return assert_reconciles


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice for the spreadsheet-engine tests: skipped outside CI when absent, a failure under CI."""
    from spreadsheet import find_soffice, in_ci

    found = find_soffice()
    if found is None:
        message = (
            "LibreOffice (soffice) is not installed: the spreadsheet-engine tests need it "
            "(Debian: apt-get install libreoffice-calc-nogui)"
        )
        if in_ci():
            pytest.fail(message + "; under CI=true they must run")
        pytest.skip(message + "; skipped because this is not CI")
    return found
