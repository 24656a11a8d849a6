"""A costing sent as JSON: exact decimals, and the line each field was written on."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_costing.errors import InputError
from copro_costing.jsonfile import JsonLineIndex, parse_json

TEXT = """{
  "project": {"title": "A \\"quoted\\" title, with [brackets] and {braces}: still one line",
              "months": 24},
  "services": [
    {"service": "training-workshop", "quantity": 1.50},
    {
      "service": "facilitation-day",
      "years": [1, 2]
    }
  ]
}"""


def test_each_key_and_list_item_is_found_on_its_line():
    data, index = parse_json(TEXT, "request")
    assert data["services"][0]["quantity"] == Decimal("1.50")  # never a binary float
    assert index.line(("project", "title")) == 2
    assert index.line(("project", "months")) == 3
    assert index.line(("services", 0)) == 5
    assert index.line(("services", 0, "quantity")) == 5
    assert index.line(("services", 1)) == 6
    assert index.line(("services", 1, "years")) == 8
    assert index.line(("services", 1, "years", 1)) == 8
    assert index.line(("services", 1, "note")) == 6  # not written: its entry's line


def test_a_syntax_error_names_its_line():
    with pytest.raises(InputError) as caught:
        parse_json('{\n  "project": {"title": "x",}\n}', "request")
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (2, "JSON syntax error: Expecting property name enclosed in double quotes")


def test_a_key_written_twice_in_one_object_is_refused_at_its_second_line():
    with pytest.raises(InputError) as caught:
        parse_json('{"project": {"title": "x",\n  "months": 12,\n  "months": 0}}', "request")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field, problem.message) == (
        3, "project.months", "written twice: give each key once in its object")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_numbers_json_allows(constant):
    with pytest.raises(InputError) as caught:
        parse_json(f'{{"project":\n {{"months": {constant}}}}}', "request")
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (2, f"JSON syntax error: {constant} is not a number JSON allows")


def test_a_number_too_long_for_python_is_a_problem_at_its_line():
    with pytest.raises(InputError) as caught:
        parse_json('{"project":\n {"months": ' + "1" * 5000 + "}}", "request")
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (2, "a number is far too long (over 4300 digits): type the figure itself")


def test_a_byte_order_mark_and_old_mac_line_ends_are_read_as_in_toml():
    data, index = parse_json('\ufeff{"project": {\r"title": "x",\r"months": 12}}', "request")
    assert data["project"]["months"] == 12 and index.line(("project", "months")) == 3


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=30,
)


def _keys(value: object, path: tuple = ()):
    """Every (path, key) of the dicts in a JSON value, at any depth."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key), key
            yield from _keys(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _keys(child, (*path, i))


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_any_document_written_one_field_to_a_line_has_each_key_found_at_its_line(document):
    text = json.dumps(document, indent=2, ensure_ascii=False)
    index = JsonLineIndex(text)
    lines = text.split("\n")  # the lines JSON counts (a string may hold U+2028 or U+0085)
    for path, key in _keys(document):
        line = index.line(path)
        assert line is not None and lines[line - 1].lstrip().startswith(json.dumps(key, ensure_ascii=False) + ":")


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_any_document_on_one_line_is_indexed_without_error(document):
    index = JsonLineIndex(json.dumps(document))
    assert all(index.line(path) == 1 for path, _ in _keys(document))
