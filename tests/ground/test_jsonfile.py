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


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=30,
)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5), st.sampled_from([None, 0, 2]))
def test_any_document_is_indexed_without_error_and_each_top_key_at_its_line(document, indent):
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    index = JsonLineIndex(text)
    lines = text.split("\n")  # the lines JSON counts (a string may hold U+2028 or U+0085)
    for key in document:
        line = index.line((key,))
        assert line is not None and json.dumps(key, ensure_ascii=False) + ":" in lines[line - 1]
