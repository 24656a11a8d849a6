"""Hostile costing files: each gives exit 2, a located message and nothing written.

Every test here was written from a defect found by feeding the command line broken
input; before the fix each one crashed (exit 1), wrote a broken file or lost its line.
"""

from __future__ import annotations

import re
import zipfile

import pytest

from copro_costing import cli
from snippets import INVOLVEMENT


@pytest.fixture
def run(capsys):
    def call(*args: object) -> tuple[int, str, str]:
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse's own refusals (exit 2, with the usage line)
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def refused(run, tmp_path):
    """``refused(text, *extra_args)``: quote it to x.xlsx; assert exit 2, no traceback, nothing written."""

    def call(text: str, *extra: object, name: str = "spec.toml") -> str:
        spec = tmp_path / name
        spec.write_text(text, encoding="utf-8")
        out = tmp_path / "x.xlsx"
        code, _, err = run("quote", spec, "-o", out, *extra)
        assert code == 2, err
        assert "Traceback" not in err and "unexpected error" not in err
        assert not out.exists()
        assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary left behind either
        return err

    return call


# --- noncharacters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"])
def test_a_unicode_noncharacter_in_text_is_refused_with_its_line(refused, spec_toml, find_line, char):
    text = spec_toml(INVOLVEMENT.replace("Advisory group meetings", f"Advisory{char}group"))
    err = refused(text)
    line = find_line(text, "activity =")
    assert f"spec.toml:{line}: involvement entry 1: activity: " in err
    assert "noncharacter" in err


def test_a_noncharacter_typed_from_python_is_refused_too(spec_toml):
    from copro_costing import InputError, parse_spec
    from copro_costing.tomlfile import parse_toml

    data, _ = parse_toml(spec_toml(), "spec.toml")
    data["project"]["title"] = "A\uffffB"
    with pytest.raises(InputError, match="noncharacter"):
        parse_spec(data)


# --- numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["people", "sessions"])
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "+nan"])
def test_inf_or_nan_in_a_whole_number_field_is_refused(refused, spec_toml, find_line, field, value):
    text = spec_toml(re.sub(rf"^{field} = \d+", f"{field} = {value}", INVOLVEMENT, flags=re.M))
    err = refused(text)
    assert f"spec.toml:{find_line(text, f'{field} =')}: involvement entry 1: {field}: must be a whole number" in err


@pytest.mark.parametrize(("body", "field"), [
    ('[[services]]\nservice = "advisory-group-meeting"\nquantity = 1\nyear = inf\n', "year"),
    ('[[services]]\nservice = "advisory-group-meeting"\nquantity = 1\nyears = [1, nan]\n', "years"),
])
def test_inf_or_nan_in_a_year_is_refused(refused, spec_toml, body, field):
    err = refused(spec_toml(body))
    assert f"services entry 1: {field}" in err
    assert "whole number" in err


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_inf_or_nan_months_is_refused(refused, spec_toml, value):
    err = refused(spec_toml().replace("months = 36", f"months = {value}"))
    assert "spec.toml:6: project.months: must be a whole number" in err


@pytest.mark.parametrize("changes", [
    {"people": "999999", "sessions": "999999"},
    {"hours": "999999999.99"},
    {"people": "999999", "sessions": "999999", "hours": "999999999.99", "rate": "100000.00"},
])
def test_figures_inside_the_limits_whose_products_are_too_large_are_refused_at_the_entry(
    refused, spec_toml, find_line, changes
):
    body = INVOLVEMENT
    for field, value in changes.items():
        if f"\n{field} =" in body:
            body = re.sub(rf"^{field} = .*$", f"{field} = {value}", body, flags=re.M)
        else:
            body += f"{field} = {value}\n"
    text = spec_toml(body)
    err = refused(text)
    assert f"spec.toml:{find_line(text, '[[involvement]]')}: involvement entry 1: " in err
    assert "too large" in err


# --- deep nesting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("nested", ["[" * 400 + "]" * 400, "{ a = " * 400 + "1" + " }" * 400])
def test_values_nested_hundreds_deep_are_refused(refused, spec_toml, nested):
    text = spec_toml(extra=f"reference = {nested}")
    err = refused(text)
    assert "spec.toml:" in err and "nested" in err


# --- line numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("string", ['"a \'\'\' b"', "'a \"\"\" b'", '"a \\"\\"\\" b"'])
def test_triple_quotes_inside_an_ordinary_string_keep_later_lines(refused, spec_toml, find_line, string):
    text = spec_toml(INVOLVEMENT.replace("people = 8", "people = 0"), extra=f"reference = {string}")
    err = refused(text)
    assert f"spec.toml:{find_line(text, 'people =')}: involvement entry 1: people: " in err


def test_a_multiline_string_still_hides_its_lines(refused, spec_toml, find_line):
    text = spec_toml(INVOLVEMENT.replace("people = 8", "people = 0"),
                     extra='reference = """first\npeople = 3\n"""')
    err = refused(text)
    assert f"spec.toml:{find_line(text, 'people = 0')}: involvement entry 1: people: " in err


def test_an_unterminated_string_at_the_end_of_the_file_has_a_line(refused, spec_toml):
    text = spec_toml() + 'reference = "never closed'
    err = refused(text)
    assert f"spec.toml:{text.count(chr(10)) + 1}: TOML syntax error" in err


def test_a_utf8_byte_order_mark_is_read(run, tmp_path, spec_toml):
    spec = tmp_path / "spec.toml"
    spec.write_bytes(b"\xef\xbb\xbf" + spec_toml(INVOLVEMENT).encode())
    code, _out, err = run("quote", spec, "--format", "json")
    assert code == 0, err


def test_old_mac_line_endings_are_read(run, tmp_path, spec_toml):
    spec = tmp_path / "spec.toml"
    spec.write_bytes(spec_toml(INVOLVEMENT).replace("\n", "\r").encode())
    code, _out, err = run("quote", spec, "--format", "json")
    assert code == 0, err


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2108-01-01", "2101-01-01", "1989-12-31", "9999-12-31"])
def test_priced_on_from_the_command_line_gets_the_same_date_rule(run, tmp_path, spec_toml, day):
    spec = tmp_path / "spec.toml"
    spec.write_text(spec_toml(INVOLVEMENT))
    out = tmp_path / "x.xlsx"
    code, _, err = run("quote", spec, "--priced-on", day, "-o", out)
    assert code == 2, err
    assert "between 1990-01-01 and 2100-12-31" in err
    assert not out.exists()


@pytest.mark.parametrize("command", [["offer", "--format", "xlsx"], ["services"], ["rates", "show"]])
def test_on_after_2100_is_refused_everywhere(run, tmp_path, command):
    code, _, err = run(*command, "--on", "2108-01-01", *(["-o", tmp_path / "o.xlsx"] if "offer" in command else []))
    assert code == 2, err
    assert "between 1990-01-01 and 2100-12-31" in err
    assert list(tmp_path.iterdir()) == []


def test_the_latest_allowed_pricing_date_still_writes_a_workbook(run, tmp_path, spec_toml):
    """The zip format ends in 2107; the date rule keeps every workbook well inside it."""
    spec = tmp_path / "spec.toml"
    spec.write_text(spec_toml(INVOLVEMENT, start="2100-01-01", priced_on="2100-12-31"))
    out = tmp_path / "late.xlsx"
    code, _, err = run("quote", spec, "-o", out)
    assert code == 0, err
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
