"""The must-hold figures of the foundation issue, end to end through the library."""

from decimal import Decimal

from copro_costing import estimate, load_rates, load_spec


def test_advisory_group_example_internal_ukri(examples_dir):
    costing = estimate(load_spec(examples_dir / "advisory-group.toml"), load_rates())
    t = costing.totals
    assert t.value == t.price == Decimal("10080.00")
    assert list(t.by_year.values()) == [Decimal("3360.00")] * 3
    assert t.vat == Decimal("0.00")
    assert t.funder_contribution == Decimal("8064.00")
