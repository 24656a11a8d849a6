"""The costing form's way to and from a costing file: nothing lost, and problems land on their controls."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from copro_costing import estimate, load_spec
from copro_costing.pricing.spec import parse_spec
from copro_costing.web.form import FormState, blank_row, control_for, fields_not_on_the_form, from_data, to_data
from copro_costing.web.quoting import FORM_ORIGIN, price_form

EXAMPLES = sorted(p.relative_to(Path(__file__).resolve().parents[2] / "examples").as_posix()
                  for p in (Path(__file__).resolve().parents[2] / "examples").rglob("*.toml"))


def test_every_field_of_a_costing_file_has_a_control():
    assert fields_not_on_the_form() == []


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_goes_through_the_form_unchanged(examples_dir, book, example):
    path = examples_dir / example
    spec = load_spec(path)
    data, _ = to_data(from_data(tomllib.loads(path.read_text(encoding="utf-8"))))
    again = parse_spec(data, FORM_ORIGIN)
    assert again == spec
    assert estimate(again, book).to_json() == estimate(spec, book).to_json()


def state(**project: str) -> FormState:
    s = FormState()
    s.project.update({"title": "Panel", "client": "internal", "funder": "ukri", "start": "2026-04-01",
                      "months": "24", "priced_on": "2026-04-01", **project})
    return s


def test_different_quantities_in_different_years_are_one_row_and_two_entries():
    s = state()
    row = blank_row("services")
    row.update(service="training-workshop", quantity={1: "2", 2: "1"})
    s.rows["services"].append(row)
    data, controls = to_data(s)
    assert data["services"] == [{"service": "training-workshop", "quantity": 2, "year": 1},
                                {"service": "training-workshop", "quantity": 1, "year": 2}]
    assert control_for("services entry 2: quantity", controls) == "services-0-quantity-2"


def test_blank_rows_are_left_out_and_years_beyond_the_project_are_not_read():
    s = state(months="12")
    s.rows["involvement"].append(blank_row("involvement"))
    row = blank_row("services")
    row.update(service="training-workshop", quantity={1: "1", 2: "5"})
    s.rows["services"].append(row)
    data, _ = to_data(s)
    assert "involvement" not in data
    assert data["services"] == [{"service": "training-workshop", "quantity": 1, "year": 1}]


def test_a_field_needed_because_of_another_is_shown_by_its_own_control(book):
    s = state()
    row = blank_row("expenses")
    row.update(item="Room hire", years={1})  # neither a cost nor a standard cost
    s.rows["expenses"].append(row)
    outcome = price_form(s, book)
    [problem] = outcome.problems
    assert problem.control == "expenses-0-cost"
    assert problem.problem.message == "give a cost, or a default from the rate tables' expense defaults"
    assert problem.label == "Other expense 1, Cost per item (£)"


def test_typed_text_becomes_what_a_costing_file_holds():
    data, _ = to_data(state(months="24", vat="false", vat_reason="Finance said so"))
    project = data["project"]
    assert project["months"] == 24 and project["vat"] is False
    assert str(project["start"]) == "2026-04-01" and type(project["start"]).__name__ == "date"
