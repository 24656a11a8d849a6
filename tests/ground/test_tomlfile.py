"""Reading TOML exactly (no floats) and pointing problems at the line they were written on."""

from __future__ import annotations

from decimal import Decimal

import pytest
import tomli
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from copro_costing.errors import InputError, Problem
from copro_costing.fields import Money
from copro_costing.tomlfile import LineIndex, _deepest, field_path, parse_toml, problems_from, read_toml
from copro_costing.tomltext import dump_toml

DOC = """\
# a comment on line 1
[project]
title = "Test"
months = 36

[[services]]
service = "initial-consultation"
quantity = 1

[[services]]
service = "facilitation-day"
  quantity = 2.5
note = '''
quantity = 99
'''
years = [1, 2]

[project.extra]
"quoted key" = 1
dotted.key = 2
"""


def test_numbers_with_a_point_are_read_as_exact_decimals():
    data, _ = parse_toml("cost = 0.10\nhours = 2.5\npeople = 8\n", "x.toml")
    assert data["cost"] == Decimal("0.10")
    assert isinstance(data["cost"], Decimal)
    assert str(data["cost"]) == "0.10"  # the written places survive
    assert isinstance(data["people"], int)


def test_line_index_finds_tables_array_rows_and_keys():
    index = LineIndex(DOC)
    assert index.line(("project",)) == 2
    assert index.line(("project", "months")) == 4
    assert index.line(("services", 0)) == 6
    assert index.line(("services", 0, "quantity")) == 8
    assert index.line(("services", 1)) == 10
    assert index.line(("services", 1, "quantity")) == 12  # indented keys count too
    assert index.line(("services", 1, "years")) == 16


def test_text_inside_a_multiline_string_is_not_mistaken_for_a_key():
    # Line 14 reads "quantity = 99" but it is inside the note's ''' string.
    index = LineIndex(DOC)
    assert index.line(("services", 1, "note")) == 13
    assert index.line(("services", 1, "quantity")) == 12


def test_quoted_and_dotted_keys_and_sub_tables():
    index = LineIndex(DOC)
    assert index.line(("project", "extra")) == 18
    assert index.line(("project", "extra", "quoted key")) == 19
    assert index.line(("project", "extra", "dotted", "key")) == 20


def test_an_unwritten_field_falls_back_to_its_nearest_written_parent():
    index = LineIndex(DOC)
    # services entry 1 has no `years`: a "missing years" problem points at the row's header.
    assert index.line(("services", 0, "years")) == 6
    assert index.line(("services", 1, "effort", "director")) == 10
    assert index.line(("nowhere",)) is None


def test_a_syntax_error_names_the_file_and_the_line():
    text = '[project]\ntitle = "Test"\nmonths 36\n'
    with pytest.raises(InputError) as caught:
        parse_toml(text, "bid.toml")
    (problem,) = caught.value.problems
    assert problem.file == "bid.toml"
    assert problem.line == 3  # "months 36" is missing its "="
    assert problem.message.startswith("TOML syntax error")
    assert str(problem).startswith("bid.toml:3: TOML syntax error")


def test_a_duplicate_key_is_a_syntax_error_too():
    with pytest.raises(InputError) as caught:
        parse_toml("[project]\nmonths = 12\nmonths = 24\n", "bid.toml")
    assert caught.value.problems[0].line == 3


def test_read_toml_reports_a_missing_file_and_a_folder(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_toml(tmp_path / "absent.toml")
    with pytest.raises(InputError, match="expected a file, found a folder"):
        read_toml(tmp_path)


def test_read_toml_reports_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "Caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_toml(path)


def test_field_path_is_written_as_in_the_data():
    assert field_path(("services", 2, "quantity")) == "services entry 3: quantity"
    assert field_path(("project", "client")) == "project.client"
    assert field_path(("roles", 0, "effort", "director")) == "roles entry 1: effort.director"
    assert field_path(()) == ""


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    amount: Money
    name: str


def test_validation_errors_become_located_problems_one_per_error():
    text = '[[rows]]\nname = "a"\namount = 1.5\n\n[[rows]]\namout = 2.005\n'
    data, index = parse_toml(text, "rows.toml")
    problems: list[Problem] = []
    for i, row in enumerate(data["rows"]):
        try:
            _Row.model_validate(row)
        except ValidationError as exc:
            problems += problems_from(exc, "rows.toml", index, prefix=("rows", i))
    printed = sorted(str(p) for p in problems)
    # the second row misspells "amount" (line 6) and so also lacks amount and name (row header, line 5).
    assert printed == [
        "rows.toml:5: rows entry 2: amount: required field is missing",
        "rows.toml:5: rows entry 2: name: required field is missing",
        "rows.toml:6: rows entry 2: amout: unknown field (check the spelling; got 2.005)",
    ]


def test_a_problem_prints_file_line_field_message():
    assert str(Problem("a.toml", 7, "services entry 1: quantity", "must be greater than zero (got 0)")) == (
        "a.toml:7: services entry 1: quantity: must be greater than zero (got 0)"
    )
    assert str(Problem("a.toml", None, "", "file not found")) == "a.toml: file not found"
    error = InputError([Problem("a.toml", 1, "x", "one"), Problem("b.toml", 2, "y", "two")])
    assert str(error) == "a.toml:1: x: one\nb.toml:2: y: two"


keys = st.text(alphabet="abc.", min_size=1, max_size=3)
nested = st.recursive(
    st.integers(0, 9),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, min_size=1, max_size=3),
    max_leaves=40,
)


@given(st.dictionaries(keys, nested, min_size=1, max_size=3))
def test_a_file_cannot_nest_deeper_than_its_brackets_braces_and_dots_allow(data):
    # the reason a costing file with few of them is not walked through for its depth
    text = dump_toml(data)
    depth = _deepest(tomli.loads(text))
    assert depth <= 1 + text.count("[") + text.count("{") + text.count(".")


@pytest.mark.parametrize("text", [
    "[" + ".".join("t" * i for i in range(1, 34)) + "]\nx = 1\n",  # a table header of 33 dotted parts
    ".".join("k" * i for i in range(1, 34)) + " = 1\n",  # a dotted key 33 deep
    "x = " + "[" * 33 + "1" + "]" * 33 + "\n",  # arrays in arrays
])
def test_values_nested_past_the_limit_are_found_however_they_are_written(text):
    with pytest.raises(InputError, match="nested more than 32 deep"):
        parse_toml(text, "deep.toml")


def test_a_string_holding_a_unicode_line_separator_does_not_shift_later_lines():
    # U+2028 and U+0085 may sit inside a TOML string; only LF (or CRLF) ends a line.
    from copro_costing.pricing.spec import parse_spec

    for newline in ("\n", "\r\n"):
        text = newline.join(['[project]', 'title = "a\u2028b\x85c"', 'client = "internall"', ""])
        data, index = parse_toml(text, "x.toml")
        with pytest.raises(InputError) as caught:
            parse_spec(data, "x.toml", index)
        (client,) = [p for p in caught.value.problems if p.field == "project.client"]
        assert client.line == 3


def test_a_number_too_long_for_python_is_a_problem_at_its_line_not_a_fault():
    with pytest.raises(InputError) as caught:
        parse_toml("[project]\nmonths = " + "1" * 5000 + "\n", "x.toml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (2, "a number is far too long (over 4300 digits): type the figure itself")
