"""VAT as finance decides it: each line by its service's category and the client's position.

The worked examples of the VAT issue, priced on 2026-04-01 with the bundled tables.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from copro_costing import estimate, load_spec
from copro_costing.cli import main
from copro_costing.money import percent_of
from copro_costing.ratebook.models import RateBook, Vat

SERVICE = """
[[services]]
service = "{service}"
quantity = {quantity}
year = 1
"""

COLLABORATOR = 'vat_position = "collaborator"\nvat_reason = "A partner named on the grant, receiving grant funds"'


def service(name: str, quantity: int = 1) -> str:
    return SERVICE.format(service=name, quantity=quantity)


def test_a_training_workshop_for_an_external_client_is_exempt_with_its_coproducer_payments(quote, spec_toml):
    costing = quote(spec_toml(service("training-workshop"), client="external", funder="other"))
    assert {line.vat_treatment for line in costing.lines} == {"exempt"}
    assert all(line.vat == 0 for line in costing.lines)
    assert "education and vocational training" in costing.lines[0].note
    assert costing.totals.vat_by_treatment == {"exempt": Decimal("0.00")}


def test_a_co_evaluation_day_is_standard_rated_per_line(quote, spec_toml):
    costing = quote(spec_toml(service("co-evaluation-day", 3), client="external", funder="other"))
    assert {line.vat_treatment for line in costing.lines} == {"standard"}
    for line in costing.lines:
        assert line.vat == percent_of(line.charged, Decimal(20))
    assert costing.totals.vat == sum(line.vat for line in costing.lines)
    assert costing.totals.vat_by_treatment == {"standard": costing.totals.vat}


def test_a_collaborator_named_on_the_grant_is_outside_the_scope(quote, spec_toml):
    body = service("co-evaluation-day") + service("training-workshop")
    costing = quote(spec_toml(body, client="external", funder="other", extra=COLLABORATOR))
    assert {line.vat_treatment for line in costing.lines} == {"outside-scope"}
    assert costing.totals.vat == 0
    assert "collaborator named on the grant" in costing.lines[0].note
    assert costing.as_json()["project"]["vat_position"] == "collaborator"


def test_an_overseas_business_customer_is_outside_the_scope(quote, spec_toml):
    extra = 'vat_position = "overseas-business"\nvat_reason = "Customer belongs in Ireland (finance, March 2027)"'
    costing = quote(spec_toml(service("co-evaluation-day"), client="external", funder="other", extra=extra))
    assert {line.vat_treatment for line in costing.lines} == {"outside-scope"}
    assert "business customer overseas" in costing.lines[0].note


def test_an_old_file_with_vat_false_prices_as_outside_the_scope(quote, spec_toml):
    old = quote(spec_toml(service("co-evaluation-day"), client="external", funder="other",
                          extra='vat = false\nvat_reason = "Finance confirmed no VAT"'))
    assert old.totals.vat == 0 and {line.vat_treatment for line in old.lines} == {"outside-scope"}
    assert old.as_json()["project"]["vat_position"] == "outside-scope"


def test_internal_clients_pay_no_vat(quote, spec_toml):
    costing = quote(spec_toml(service("co-evaluation-day"), client="internal", funder="other"))
    assert {line.vat_treatment for line in costing.lines} == {"none"}
    assert costing.as_json()["totals"]["vat_by_treatment"] == {"none": "0.00"}


def test_the_json_carries_the_contract(quote, spec_toml):
    data = quote(spec_toml(service("training-workshop") + service("co-evaluation-day"),
                           client="external", funder="other")).as_json()
    assert data["project"]["vat_position"] == "uk"
    assert [line["vat_treatment"] for line in data["lines"]] == ["exempt", "exempt", "standard", "standard"]
    assert set(data["totals"]["vat_by_treatment"]) == {"exempt", "standard"}


def test_a_future_vat_rate_applies_to_the_years_it_covers(book: RateBook, spec_toml, write_spec):
    changed = RateBook(
        tables={**book.tables, "vat": (*book.rows("vat"), Vat(effective=date(2027, 4, 1), percent=Decimal(25),
                                                               source="illustrative: a test rate"))},
        origin=book.origin, files=book.files,
    )
    body = SERVICE.format(service="co-evaluation-day", quantity=1).replace("year = 1", "years = [1, 2]")
    spec = load_spec(write_spec(spec_toml(body, client="external", funder="amrc-charity",
                                          extra='applicant = "university"')))
    costing = estimate(spec, changed)
    by_year = {line.year: line for line in costing.lines if line.kind == "service"}
    assert by_year[1].vat == percent_of(by_year[1].charged, Decimal(20))  # year 1 starts 2026-04-01
    assert by_year[2].vat == percent_of(by_year[2].charged, Decimal(25))  # year 2 starts 2027-04-01


@pytest.mark.parametrize(("extra", "client", "expected"), [
    ('vat_position = "abroad"', "external", "vat_position"),
    ('vat_position = "collaborator"', "external", "needs a vat_reason"),
    ('vat_position = "overseas-business"', "external", "needs a vat_reason"),
    ('vat_position = "uk"', "internal", 'an internal client\'s VAT position is "internal"'),
    ('vat_position = "internal"', "external", "only for internal clients"),
])
def test_bad_vat_positions_exit_2_with_the_field_and_line(extra, client, expected, spec_toml, write_spec, capsys,
                                                         tmp_path: Path):
    path = write_spec(spec_toml(service("co-evaluation-day"), client=client, funder="other", extra=extra))
    out = tmp_path / "out.json"
    assert main(["quote", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and expected in err
    assert not out.exists()


def test_a_service_without_a_vat_category_is_a_rates_error_with_its_line(rates_dir: Path, tmp_path: Path, capsys):
    import shutil

    rates = tmp_path / "rates"
    shutil.copytree(rates_dir, rates)
    text = (rates / "services.toml").read_text(encoding="utf-8")
    (rates / "services.toml").write_text(text.replace('vat = "exempt"\n', "", 1), encoding="utf-8")
    assert main(["rates", "check", str(rates)]) == 2
    err = capsys.readouterr().err
    assert "services.toml:" in err and "vat" in err
