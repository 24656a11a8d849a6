"""rates show and diff, the JSON Schemas, reproducibility of old costings, and a fast command line."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from copro_costing import InputError, estimate, load_rates, load_spec
from copro_costing.cli import main
from copro_costing.export.rates_writer import write_rates_workbook
from copro_costing.ratebook.folder import FILES, TABLE_FILE
from copro_costing.ratebook.models import ROW_TYPES, RateBook
from copro_costing.ratebook.schema import all_schemas, schema_name, stale_schemas
from copro_costing.ratebook.view import diff, show_data
from snippets import append_rows

TODAY = date(2026, 1, 15)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


NEXT_YEAR = """
[[roles]]
id = "director"
name = "Director"
effective = 2026-10-01
internal_day_rate = 546.00
external_day_rate = 819.00
currency = "GBP"
source = "Finance rate card 2026/27"
"""
NEW_COPRODUCER_RATE = """
[[coproducer_rate]]
effective = 2026-10-01
hourly_rate = 33.00
currency = "GBP"
source = "Payment policy review 2026"
"""
NEW_UPLIFT = """
[[uplift]]
effective = 2026-10-01
percent = 3.5
source = "Finance inflation rate 2026"
"""
NEW_SERVICE_VERSION = """
[[services]]
id = "co-production-partner-day"
name = "Co-production partner day"
description = "Working as the project's co-production partner."
unit = "day"
effective = 2026-10-01
effort = { director = 0.5, co-production-manager = 1, co-production-officer = 1 }
coproducers = { people = 2, hours = 6, prep_hours = 1 }
internal_policy = "charge"
vat = "standard"
vat_source = "illustrative: test row"
source = "Unit review 2026"
"""


def add_next_year(folder: Path) -> None:
    append_rows(folder, "roles.toml", NEXT_YEAR)
    append_rows(folder, "coproducer.toml", NEW_COPRODUCER_RATE)
    append_rows(folder, "tax.toml", NEW_UPLIFT)
    append_rows(folder, "services.toml", NEW_SERVICE_VERSION)


# show ---------------------------------------------------------------------------------------


def test_show_table(rates_dir: Path, capsys):
    assert main(["rates", "show", "--on", "2026-01-15", "--rates", str(rates_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Rates in force on 2026-01-15")
    for table in ROW_TYPES:
        assert f"\n{table} ({TABLE_FILE[table]})\n" in out
    assert "co-production-manager" in out and "380.00" in out and "570.00" in out


def test_show_json_is_the_rows_in_force_and_their_fingerprint(rates_dir: Path, capsys):
    assert main(["rates", "show", "--on", "2026-01-15", "--format", "json", "--rates", str(rates_dir)]) == 0
    data = json.loads(capsys.readouterr().out)
    book = load_rates(rates_dir)
    assert data == json.loads(json.dumps(show_data(book, TODAY)))
    assert data["sha256"] == book.fingerprint(TODAY)
    assert len(data["rows"]) == len(list(book.rows_in_force(TODAY)))


def test_show_before_anything_is_in_force(rates_dir: Path, capsys):
    assert main(["rates", "show", "--on", "2000-01-01", "--rates", str(rates_dir)]) == 0
    out = capsys.readouterr().out
    assert "coproducer_rate (coproducer.toml)\n  (nothing in force on this date: the first row is in force from 2024-09-25)\n" \
        in out


# diff ---------------------------------------------------------------------------------------


def test_diff_lists_item_old_new_and_change(rates: Path, capsys):
    add_next_year(rates)
    assert main(["rates", "diff", "--from", "2026-09-30", "--to", "2026-10-01", str(rates)]) == 0
    out = capsys.readouterr().out
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in out.splitlines()[4:] if line.strip()}
    assert rows[("roles/director", "internal_day_rate")] == ["520.00", "546.00", "+5.0%"]
    assert rows[("roles/director", "external_day_rate")] == ["780.00", "819.00", "+5.0%"]
    assert rows[("coproducer_rate/standard", "hourly_rate")] == ["30.00", "33.00", "+10.0%"]
    assert rows[("uplift", "percent")] == ["3", "3.5", "+16.7%", "(+0.5", "points)"]
    assert rows[("services/co-production-partner-day", "effort.director")] == ["0.25", "0.5", "+100.0%"]
    assert rows[("roles/director", "effective")] == ["2025-08-01", "2026-10-01"]
    assert "4 items changed, 0 added, 0 removed." in out


def test_diff_shows_added_items_and_json(rates_dir: Path, capsys):
    book = load_rates(rates_dir)
    changes = diff(book, date(2025, 1, 1), TODAY)
    added = {c.item for c in changes if c.kind == "added"}
    assert "roles/director" in added and "services/initial-consultation" in added
    assert all(c.kind == "added" for c in changes)
    removed = diff(book, TODAY, date(2025, 1, 1))
    assert {c.item for c in removed} == added and all(c.kind == "removed" for c in removed)
    assert main(["rates", "diff", "--from", "2025-01-01", "--to", "2026-01-15", "--format", "json", str(rates_dir)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {c["item"] for c in data["changes"]} == added


def test_diff_with_no_changes(rates_dir: Path, capsys):
    assert main(["rates", "diff", "--from", "2026-01-01", "--to", "2026-01-15", str(rates_dir)]) == 0
    assert capsys.readouterr().out == "Rates in force on 2026-01-01 compared with 2026-01-15: no changes.\n"


# Reproducibility ----------------------------------------------------------------------------


@pytest.mark.parametrize("example", ["advisory-group.toml", "hearing-checks.toml"])
def test_newer_rates_never_change_an_earlier_costing(rates: Path, rates_dir: Path, examples_dir: Path, example: str):
    spec = load_spec(examples_dir / example)
    before = estimate(spec, load_rates(rates_dir))
    add_next_year(rates)
    newer = load_rates(rates)
    assert estimate(spec, newer).to_json() == before.to_json()  # to the byte

    later = spec.model_copy(update={"project": spec.project.model_copy(update={"priced_on": date(2026, 10, 15)})})
    after = estimate(later, newer)
    assert after.stamp.sha256 != before.stamp.sha256
    assert after.stamp.priced_on == date(2026, 10, 15)
    used = {(table, row.key, row.effective) for table, row in after.rates_used}
    assert ("coproducer_rate", "standard", date(2026, 10, 1)) in used  # the new standard co-producer rate
    # Priced on the same later day without the new rows, the figures are lower.
    assert after.totals.price > estimate(later, load_rates(rates_dir)).totals.price


def test_quote_priced_on_uses_the_rates_of_that_day(rates: Path, rates_dir: Path, examples_dir: Path, capsys):
    spec = str(examples_dir / "hearing-checks.toml")
    assert main(["quote", spec, "--format", "json", "--rates", str(rates_dir)]) == 0
    original = capsys.readouterr().out
    add_next_year(rates)
    assert main(["quote", spec, "--format", "json", "--rates", str(rates)]) == 0
    assert capsys.readouterr().out == original
    assert main(["quote", spec, "--format", "json", "--rates", str(rates), "--priced-on", "2026-10-15"]) == 0
    later = json.loads(capsys.readouterr().out)
    assert later["rates"]["priced_on"] == "2026-10-15"
    assert later["rates"]["sha256"] != json.loads(original)["rates"]["sha256"]


# JSON Schemas ---------------------------------------------------------------------------------


def test_committed_schemas_are_up_to_date(rates_dir: Path):
    stale = stale_schemas(rates_dir / "schema")
    assert stale == [], f"regenerate with: python -m copro_costing.ratebook.schema rates/schema (stale: {stale})"


def test_every_rates_file_points_at_its_schema(rates_dir: Path):
    for file in FILES:
        first = (rates_dir / file).read_text(encoding="utf-8").splitlines()[0]
        assert first == f"#:schema ./schema/{schema_name(file)}"
        assert (rates_dir / "schema" / schema_name(file)).is_file()


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def test_the_shipped_files_validate_against_their_schemas_and_bad_ones_do_not(rates_dir: Path):
    jsonschema = pytest.importorskip("jsonschema")
    schemas = {name: json.loads(text) for name, text in all_schemas().items()}
    for file in FILES:
        data = tomllib.loads((rates_dir / file).read_text(encoding="utf-8"), parse_float=Decimal)
        jsonschema.validate(_jsonable(data), schemas[schema_name(file)])
    roles = tomllib.loads((rates_dir / "roles.toml").read_text(encoding="utf-8"), parse_float=Decimal)
    for change in ({"internal_day_rate": -1}, {"colour": "red"}, {"currency": "EUR"}, {"id": "Not An Id"}):
        bad = {"roles": [{**roles["roles"][0], **change}]}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(_jsonable(bad), schemas["roles.schema.json"])


JSON_SCHEMA_KEYWORDS = {
    "$schema", "$ref", "$defs", "title", "description", "default", "type", "enum", "const", "format", "properties",
    "patternProperties", "additionalProperties", "propertyNames", "required", "items", "minItems", "maxItems",
    "minProperties", "maxProperties", "anyOf", "allOf", "oneOf", "minLength", "maxLength", "pattern", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
}


def schema_keywords(schema: dict) -> set[str]:
    """Every keyword used in a schema and its subschemas (property names are not keywords)."""
    found = set(schema)
    for key in ("properties", "patternProperties", "$defs"):
        for sub in schema.get(key, {}).values():
            found |= schema_keywords(sub)
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(schema.get(key), dict):
            found |= schema_keywords(schema[key])
    for key in ("anyOf", "allOf", "oneOf"):
        for sub in schema.get(key, ()):
            found |= schema_keywords(sub)
    return found


def test_schemas_use_only_json_schema_keywords():
    for name, text in all_schemas().items():
        unknown = schema_keywords(json.loads(text)) - JSON_SCHEMA_KEYWORDS
        assert not unknown, f"{name}: not JSON Schema: {sorted(unknown)}"


def test_schema_people_is_a_whole_number_above_zero(rates_dir: Path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(all_schemas()["services.schema.json"])
    data = tomllib.loads((rates_dir / "services.toml").read_text(encoding="utf-8"), parse_float=Decimal)
    row = next(r for r in data["services"] if "coproducers" in r)

    def valid(people) -> bool:
        service = {**row, "coproducers": {**row["coproducers"], "people": people}}
        return jsonschema.Draft202012Validator(schema).is_valid(_jsonable({"services": [service]}))

    assert valid(1) and valid(12)
    assert not valid(0) and not valid(-1) and not valid(1.5) and not valid(1_000_000)


def test_schema_bounds_and_places_match_the_models(rates_dir: Path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(all_schemas()["roles.schema.json"])
    row = tomllib.loads((rates_dir / "roles.toml").read_text(encoding="utf-8"), parse_float=Decimal)["roles"][0]

    def valid(rate) -> bool:
        return jsonschema.Draft202012Validator(schema).is_valid(_jsonable({"roles": [{**row, "internal_day_rate": rate}]}))

    # Every amount with two places is valid, including those binary floats cannot hold
    # exactly (a "multipleOf: 0.01" would wrongly refuse 0.07 and 546.07 in most validators).
    for amount in ("0.07", "1.15", "546.07", "28.29", "520", "0"):
        assert valid(Decimal(amount)) and valid(amount), amount
    assert not valid(Decimal("-0.01"))
    assert not valid("546.125") and not valid("£520")  # the string form limits places exactly


def test_schema_command_check_mode(rates_dir: Path, tmp_path: Path):
    from copro_costing.ratebook.schema import main as schema_main

    assert schema_main([str(rates_dir / "schema"), "--check"]) == 0
    assert schema_main([str(tmp_path / "schema"), "--check"]) == 1
    assert schema_main([str(tmp_path / "schema")]) == 0
    assert schema_main([str(tmp_path / "schema"), "--check"]) == 0


# The command line stays fast --------------------------------------------------------------------


def test_quote_json_does_not_import_openpyxl(examples_dir: Path, rates_dir: Path):
    code = (
        "import sys\n"
        "from copro_costing.cli import main\n"
        f"main(['quote', {str(examples_dir / 'advisory-group.toml')!r}, '--format', 'json', '--rates', {str(rates_dir)!r}])\n"
        "assert 'openpyxl' not in sys.modules, 'openpyxl imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_export_refuses_text_a_workbook_cannot_hold(rates_dir: Path, tmp_path: Path):
    book = load_rates(rates_dir)
    role = book.rows("roles")[0].model_copy(update={"name": "Dir\rector"})
    tables = {**book.tables, "roles": (role, *book.rows("roles")[1:])}
    with pytest.raises(InputError, match=r"roles\[0\]\.name: contains a control character"):
        write_rates_workbook(RateBook(tables, book.origin, book.files), tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()
