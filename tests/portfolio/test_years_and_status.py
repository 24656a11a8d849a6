"""Financial-year spreading is exact, and the [status] table is checked like every other field."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_costing import InputError, load_spec, parse_spec
from copro_costing.portfolio_report.years import (
    add_months,
    days_by_financial_year,
    financial_year,
    fy_label,
    project_years,
    spread,
    spread_each,
)

pennies = st.integers(min_value=-10**9, max_value=10**11).map(lambda p: Decimal(p) / 100)
starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(pennies, starts, st.integers(min_value=1, max_value=120))
def test_each_project_years_spread_sums_exactly_and_is_pro_rata_within_a_penny(amount, start, months):
    for _, first, after in project_years(start, months):
        days = days_by_financial_year(first, after)
        parts = spread(amount, days)
        assert sum(parts.values(), Decimal("0.00")) == amount
        total = sum(d for _, d in days)
        for fy, d in days:
            assert abs(parts[fy] - amount * d / total) < Decimal("0.01")
            assert parts[fy] == parts[fy].quantize(Decimal("0.01"))


def _by_the_rule(amount: Decimal, days: list[tuple[int, int]]) -> dict[int, Decimal]:
    """The remainder rule as the module states it, written plainly: whole pennies, shares rounded
    down, a penny each to the largest remainders, the earlier financial year first on a tie."""
    pennies, total = int(abs(amount) * 100), sum(d for _, d in days)
    exact = [(pennies * d // total, pennies * d % total, i) for i, (_, d) in enumerate(days)]
    left = pennies - sum(share for share, _, _ in exact)
    lucky = {i for _, _, i in sorted(exact, key=lambda e: (-e[1], e[2]))[:left]}
    sign = -1 if amount < 0 else 1
    return {fy: sign * (exact[i][0] + (i in lucky)) * Decimal("0.01") for i, (fy, _) in enumerate(days)}


@given(pennies, st.lists(st.integers(min_value=1, max_value=366), min_size=1, max_size=5))
def test_a_spread_follows_the_remainder_rule_over_any_number_of_financial_years(amount, lengths):
    days = [(2020 + i, d) for i, d in enumerate(lengths)]
    parts = spread(amount, days)
    assert parts == _by_the_rule(amount, days)
    assert all(re.fullmatch(r"-?\d+\.\d\d", str(part)) and str(part) != "-0.00" for part in parts.values())
    each = spread_each((amount, amount * 2), days)  # several amounts over the same years at once
    assert [fy for fy, _ in each] == [fy for fy, _ in days]
    assert [parts[0] for _, parts in each] == list(spread(amount, days).values())
    assert [parts[1] for _, parts in each] == list(spread(amount * 2, days).values())


@given(starts, st.integers(min_value=1, max_value=120))
def test_project_years_cover_the_project_without_gaps(start, months):
    periods = list(project_years(start, months))
    assert periods[0][1] == start and periods[-1][2] == add_months(start, months)
    assert all(a[2] == b[1] for a, b in itertools.pairwise(periods))
    assert len(periods) == -(-months // 12)


def test_financial_years_turn_on_1_august():
    assert financial_year(date(2026, 7, 31)) == 2025 and financial_year(date(2026, 8, 1)) == 2026
    assert fy_label(2026) == "2026-27" and fy_label(2099) == "2099-00"
    assert days_by_financial_year(date(2026, 7, 31), date(2026, 8, 2)) == [(2025, 1), (2026, 1)]
    assert spread(Decimal("0.01"), [(2025, 1), (2026, 1)]) == {2025: Decimal("0.01"), 2026: Decimal("0.00")}
    # a negative figure's empty share is 0.00, never -0.00 (which the JSON would print)
    assert [str(v) for v in spread(Decimal("-0.01"), [(2025, 1), (2026, 1)]).values()] == ["-0.01", "0.00"]
    # the pennies left over go to the largest remainders: 100 days of 366 of 10.00 is 2.732.., so 2.73 and 7.27
    assert spread(Decimal("10.00"), [(2025, 100), (2026, 266)]) == {2025: Decimal("2.73"), 2026: Decimal("7.27")}
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert date(2026, 8, 1) - timedelta(days=1) == date(2026, 7, 31)


def _spec(status: dict) -> dict:
    return {"project": {"title": "T", "client": "internal", "funder": "ukri", "start": date(2026, 9, 1),
                        "months": 12, "priced_on": date(2026, 8, 1)}, "status": status}


@pytest.mark.parametrize(("status", "message"), [
    ({"stage": "won"}, "expected 'draft', 'submitted'"),
    ({"stage": "submitted"}, "needs the submitted date"),
    ({"stage": "awarded", "submitted": date(2026, 1, 1)}, "needs the date of the decision"),
    ({"stage": "draft", "submitted": date(2026, 1, 1)}, "a draft has not been submitted"),
    ({"stage": "submitted", "submitted": date(2026, 1, 1), "decided": date(2026, 2, 1)}, "no decision yet"),
    ({"stage": "declined", "submitted": date(2026, 3, 1), "decided": date(2026, 2, 1)},
     "must be on or after the submitted date, 2026-03-01 (got 2026-02-01)"),
    ({"stage": "awarded", "submitted": date(1890, 3, 1), "decided": date(2026, 2, 1)}, "must be a date between"),
    ({"stage": "draft", "contact": "a\x07b"}, "control character"),
    ({"stage": "draft", "departmnt": "x"}, "unknown field"),
    ({"department": "x"}, "required field is missing"),
])
def test_status_mistakes_are_located_problems(status, message):
    with pytest.raises(InputError) as caught:
        parse_spec(_spec(status))
    assert any(p.field.startswith("status") and message in p.message for p in caught.value.problems), caught.value


def test_a_decision_before_the_submission_says_each_date_once():
    with pytest.raises(InputError) as caught:
        parse_spec(_spec({"stage": "declined", "submitted": date(2026, 3, 1), "decided": date(2026, 2, 20)}))
    [problem] = caught.value.problems
    assert problem.field == "status.decided"
    assert str(problem).count("2026-02-20") == 1 and str(problem).count("2026-03-01") == 1


def test_a_withdrawn_bid_needs_no_dates_and_a_file_without_status_is_a_draft(examples_dir):
    assert parse_spec(_spec({"stage": "withdrawn"})).status.stage == "withdrawn"
    assert load_spec(examples_dir / "hearing-checks.toml").status is None


def test_status_round_trips_through_save_and_load(tmp_path, examples_dir):
    spec = load_spec(examples_dir / "portfolio" / "phd-training.toml")
    assert spec.status is not None and spec.status.stage == "awarded"
    path = spec.save(tmp_path / "again.toml")
    assert load_spec(path) == spec
    assert "[status]" in path.read_text(encoding="utf-8")


def test_status_problems_name_their_line(tmp_path, examples_dir):
    text = (examples_dir / "phd-training.toml").read_text(encoding="utf-8")
    path = tmp_path / "bid.toml"
    path.write_text(text + '\n[status]\nstage = "submitted"\nsubmitted = 2026-13-01\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_spec(path)
    assert str(caught.value).startswith(f"{path}:")
