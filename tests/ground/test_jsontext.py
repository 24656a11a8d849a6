"""The fast indented JSON writer gives exactly the standard library's text."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro_costing import RateBook, estimate, jsontext, load_spec

PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.sampled_from(["\ud800", "\x7f\u2028", "é✓"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)
ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text() | st.integers() | st.booleans(), inner, max_size=4),
    max_leaves=30,
)


def stdlib(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


@given(PLAIN)
def test_plain_data_is_written_as_the_standard_library_writes_it(data: object) -> None:
    assert jsontext.dumps(data) == stdlib(data)
    assert jsontext.dumps_plain(data) == stdlib(data)  # with the web extra: by orjson where it can


@given(PLAIN)
def test_without_the_web_extra_plain_data_is_written_the_same(data: object) -> None:
    from unittest import mock

    with mock.patch.object(jsontext, "_orjson", None):
        assert jsontext.dumps_plain(data) == stdlib(data)


def test_the_tests_run_with_the_web_extras_orjson_so_its_path_is_the_one_checked() -> None:
    assert jsontext._orjson is not None


@pytest.mark.parametrize("data", [{1: "a"}, {"n": 2**70}, {"when": date(2027, 1, 1)}, {"x": Decimal("1")}])
def test_data_orjson_would_write_its_own_way_is_left_to_the_standard_library(data: object) -> None:
    try:
        expected = stdlib(data)
    except TypeError:
        with pytest.raises(TypeError):
            jsontext.dumps_plain(data)
    else:
        assert jsontext.dumps_plain(data) == expected


@given(ANY)
def test_floats_odd_keys_and_tuples_give_the_same_text_too(data: object) -> None:
    assert jsontext.dumps(data) == stdlib(data)


def test_text_keeps_non_ascii_and_escapes_controls_quotes_and_backslashes() -> None:
    data = {"title": 'Café "co-design"\n\\ \x00 \u2028 ✓', "lines": [], "totals": {}}
    assert jsontext.dumps(data) == stdlib(data)
    assert "Café" in jsontext.dumps(data)


def test_every_example_costing_is_written_as_the_standard_library_writes_it(examples_dir: Path, book: RateBook) -> None:
    for path in sorted(examples_dir.glob("*.toml")):
        costing = estimate(load_spec(path), book)
        assert costing.to_json() == stdlib(costing.as_json()) + "\n", path.name


def test_what_json_cannot_write_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError):
        jsontext.dumps({"amount": Decimal("1.00")})
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        jsontext.dumps(loop)
