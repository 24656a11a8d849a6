"""The researcher's Python API: build a costing in code, see it, compare scenarios."""

from __future__ import annotations

import builtins
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

import copro_costing
from copro_costing import InputError, Project, Spec, compare, estimate, load_spec


def nihr_project(**changes: object) -> Project:
    fields = dict(
        title="Living well with hearing loss", client="internal", organisation="UCL Ear Institute",
        funder="nihr", start=date(2026, 4, 1), months=36, priced_on=date(2026, 4, 1),
    )
    fields.update(changes)
    return Project(**fields)


@pytest.fixture
def spec() -> Spec:
    return (
        Spec(project=nihr_project())
        .add_service("training-workshop", quantity=2, year=1)
        .add_involvement("Advisory group meetings", people=8, sessions=4, hours=2, prep_hours=1,
                         years=[1, 2, 3], expenses="15.00")
    )


def test_building_in_code_prices_like_the_file(spec, book):
    costing = estimate(spec, book)
    # Year 1 advisory group: 8 people x 4 sessions x 3 h x £30 = £2,880 and 32 x £15 = £480.
    year1 = {line.description: line.amount for line in costing.lines if line.year == 1}
    assert year1["Advisory group meetings"] == Decimal("2880.00")
    assert year1["Advisory group meetings: expenses"] == Decimal("480.00")
    # NIHR wants current prices: year 2 pays the same £30 an hour, 3 h a session = £90.00.
    year2 = next(ln for ln in costing.lines if ln.year == 2 and ln.description == "Advisory group meetings")
    assert year2.unit_price == Decimal("90.00")
    # Where the applicant adds inflation (an AMRC charity), year 2 is one 1 August later: £30.90 x 3 = £92.70.
    uplifted = estimate(spec.with_project(funder="amrc-charity"), book)
    year2 = next(ln for ln in uplifted.lines if ln.year == 2 and ln.description == "Advisory group meetings")
    assert year2.unit_price == Decimal("92.70")


def test_spec_is_immutable_and_each_add_returns_a_new_spec(spec):
    bigger = spec.add_expense("BSL interpreter", cost="300.00", quantity=2, year=1)
    assert len(spec.expenses) == 0 and len(bigger.expenses) == 1
    with pytest.raises(ValidationError, match="frozen"):
        spec.project = nihr_project(title="changed")  # type: ignore[misc]


def test_code_gets_the_same_validation_as_files(spec):
    with pytest.raises(InputError) as error:
        spec.add_involvement("Panel", people=8, sessions=4, hours=2, year=4)
    assert "involvement entry 2: year: year 4 is outside the project" in str(error.value)
    with pytest.raises(InputError, match="not a binary float"):
        spec.add_involvement("Panel", people=8, sessions=4, hours=2, year=1, expenses=0.1 + 0.2)
    with pytest.raises(InputError, match="unknown field"):
        spec.with_project(colour="red")


def test_rules_needing_rates_are_checked_by_estimate(spec, book):
    with pytest.raises(InputError, match=r"involvement entry 2: rate: co-producers are always paid"):
        estimate(spec.add_involvement("Cheap", people=1, sessions=1, hours=1, year=1, rate="20.00"), book)


def test_spec_saves_as_a_costing_file_and_loads_back_unchanged(spec, tmp_path):
    spec = spec.add_expense("Room hire", default="room-hire", quantity=2, years=[1, 2], note="=cheap")
    path = spec.save(tmp_path / "bid.toml")
    assert load_spec(path) == spec
    assert path.read_text().startswith("# Costing file for: Living well with hearing loss")


EXAMPLES = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "examples").glob("*.toml"))


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_round_trip_through_save_and_price_the_same(examples_dir, tmp_path, example, book):
    original = load_spec(examples_dir / example)
    again = load_spec(original.save(tmp_path / example))
    assert again == original
    assert estimate(again, book).as_json() == estimate(original, book).as_json()


def test_examples_are_realistic_bids(examples_dir, book):
    """1 to 5 years and roughly £2k to £150k, as the unit's real work is."""
    assert len(EXAMPLES) >= 5
    for example in EXAMPLES:
        costing = estimate(load_spec(examples_dir / example), book)
        assert 1 <= costing.years <= 5, example
        assert Decimal("2000") <= costing.totals.price <= Decimal("150000"), example


def test_with_project_changes_one_thing(spec, book):
    external = estimate(spec.with_project(client="external"), book)
    internal = estimate(spec, book)
    assert internal.totals.vat == Decimal("0.00")
    assert external.totals.vat > 0


def test_html_display_escapes_user_text(book):
    spec = Spec(project=nihr_project(title="<script>alert(1)</script>")).add_involvement(
        "A & B <panel>", people=2, sessions=1, hours=1, year=1)
    html = estimate(spec, book)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "A &amp; B &lt;panel&gt;" in html
    # 2 people x 1 session x 1 h x £30 = £60, and 2 person-sessions x £10 default expenses = £20.
    assert "£60.00" in html and "£20.00" in html


def test_displays_show_lines_by_year_and_totals(spec, book):
    costing = estimate(spec, book)
    html = costing._repr_html_()
    for year in (1, 2, 3):
        assert f"Year {year} price" in html
    price = copro_costing.format_money(costing.totals.price)
    assert price in html and price in costing._repr_markdown_() and price in str(costing)
    assert repr(costing).startswith("<Costing 'Living well with hearing loss'")


def test_dataframe_has_one_row_per_line_with_exact_money(spec, book):
    pytest.importorskip("pandas")
    costing = estimate(spec, book)
    df = costing.to_dataframe()
    assert len(df) == len(costing.lines)
    assert sum(df["price"]) == costing.totals.price
    assert isinstance(df["amount"].iloc[0], Decimal)


def test_missing_pandas_names_the_extra(spec, book, monkeypatch):
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    monkeypatch.delitem(__import__("sys").modules, "pandas", raising=False)
    with pytest.raises(ImportError, match=r'pip install "copro-costing\[notebook\]"'):
        estimate(spec, book).to_dataframe()


def test_plot_stacks_price_by_year_and_kind(spec, book):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    costing = estimate(spec, book)
    ax = costing.plot()
    heights_by_year: dict[float, float] = {}
    for patch in ax.patches:
        x = round(patch.get_x() + patch.get_width() / 2)
        heights_by_year[x] = heights_by_year.get(x, 0.0) + patch.get_height()
    for year, total in costing.totals.by_year.items():
        assert heights_by_year[year] == pytest.approx(float(total))
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"Unit services", "Co-producer payments"}


def test_compare_shows_scenarios_and_differences(spec, book):
    internal = estimate(spec, book)
    external = estimate(spec.with_project(client="external"), book)
    comparison = compare(internal, external, labels=["Internal", "External"])
    rows = dict(comparison.rows)
    assert rows["Price (the bid asks for)"] == (internal.totals.price, external.totals.price)
    header, body = comparison.table()
    assert header == ["", "Internal", "External", "External - Internal"]
    price_row = next(r for r in body if r[0].startswith("Price"))
    diff = external.totals.price - internal.totals.price
    assert price_row[3] == "+" + copro_costing.format_money(diff)
    assert "External - Internal" in comparison._repr_html_()
    assert "| Price (the bid asks for) |" in comparison._repr_markdown_()


def test_compare_needs_two_costings_and_matching_labels(spec, book):
    costing = estimate(spec, book)
    with pytest.raises(ValueError, match="at least two"):
        compare(costing)
    with pytest.raises(ValueError, match="labels"):
        compare(costing, costing, labels=["only one"])


def test_public_names_are_importable_and_typed(root):
    for name in copro_costing.__all__:
        assert hasattr(copro_costing, name), name
    assert (root / "src" / "copro_costing" / "py.typed").is_file()


def test_every_public_name_is_what_it_says_whatever_was_imported_first():
    """Lazy exports must not be shadowed by submodules of the same name."""
    import subprocess
    import sys

    code = (
        "import copro_costing as c\n"
        "for name in c.__all__:\n"
        "    getattr(c, name)\n"
        "assert callable(c.compare) and callable(c.estimate) and isinstance(c.Comparison, type)\n"
    )
    for order in ("", "from copro_costing import Comparison\n"):
        subprocess.run([sys.executable, "-c", order + code], check=True)
