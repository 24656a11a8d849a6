"""Mistakes a researcher makes in a notebook get an error that names the argument and the fix,
never an AttributeError from inside the library, and never a misnamed file."""

from __future__ import annotations

from datetime import date

import pytest

from copro_costing import compare, estimate, load_rates, load_spec, portfolio


@pytest.fixture(scope="module")
def costing(examples_dir):
    return estimate(load_spec(examples_dir / "hearing-checks.toml"))


def test_a_rates_folder_given_as_a_path_is_read(examples_dir, rates_dir):
    spec = load_spec(examples_dir / "hearing-checks.toml")
    assert estimate(spec, str(rates_dir)).totals == estimate(spec, load_rates(rates_dir)).totals
    assert portfolio(examples_dir / "portfolio", rates=rates_dir).report.total == \
        portfolio(examples_dir / "portfolio", rates=load_rates(rates_dir)).report.total


def test_estimate_given_a_path_instead_of_a_spec_says_to_load_it(examples_dir):
    with pytest.raises(TypeError, match=r"estimate: expected a Spec \(read a costing file with load_spec\(path\)\), got str"):
        estimate(str(examples_dir / "hearing-checks.toml"))


def test_rates_of_another_kind_are_named(examples_dir):
    said = r"rates: expected a RateBook from load_rates\(DIR\) or a rates folder's path \(got int\)"
    with pytest.raises(TypeError, match=said):
        estimate(load_spec(examples_dir / "hearing-checks.toml"), 42)


def test_compare_given_a_spec_says_to_estimate_it(costing):
    with pytest.raises(TypeError, match=r"compare: argument 2 is a Spec, not a Costing: estimate\(\) it first"):
        compare(costing, costing.spec)


def test_portfolio_dates_may_be_written_as_text_and_bad_ones_are_named(examples_dir):
    folder = examples_dir / "portfolio"
    as_text = portfolio(folder, date_from="2026-08-01", date_to="2027-07-31")
    assert as_text.report.total == portfolio(folder, date_from=date(2026, 8, 1), date_to=date(2027, 7, 31)).report.total
    with pytest.raises(ValueError, match=r"date_from: expected a date as YYYY-MM-DD \(got '1 August'\)"):
        portfolio(folder, date_from="1 August")


@pytest.mark.parametrize("jobs", [0, -1, "2", 1.5, True])
def test_portfolio_jobs_must_be_a_number_of_processes(examples_dir, jobs):
    with pytest.raises(ValueError, match="jobs: expected a whole number of processes"):
        portfolio(examples_dir / "portfolio", jobs=jobs)


def test_a_workbook_is_not_written_under_another_formats_name(costing, tmp_path):
    with pytest.raises(ValueError, match=r"x\.csv: a costing workbook is written as \.xlsx \(got \.csv\)"):
        costing.to_excel(tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
