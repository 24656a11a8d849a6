"""The quote letter: what a purchasing department raises an order from, and the internal-charge quote."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from copro_costing import estimate, load_spec
from copro_costing.cli import main
from copro_costing.money import format_money
from copro_costing.publishing.letter import letter_html
from copro_costing.ratebook.unit import load_unit


@pytest.fixture(scope="module")
def unit(rates_dir):
    return load_unit(rates_dir)


def test_an_external_quote_has_what_a_purchase_order_needs(examples_dir, book, unit):
    costing = estimate(load_spec(examples_dir / "hearing-checks.toml"), book)
    page = letter_html(costing, unit)
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page and "<script" not in page
    for text in (unit.name.value, *unit.address.value, unit.contact.value, unit.vat_registration.value,
                 unit.payment_terms.value, costing.spec.project.reference, "Valid until", "2026-11-30"):
        assert text in page, text
    for line in costing.lines:
        assert line.description in page
    assert format_money(costing.totals.price) in page and format_money(costing.totals.vat) in page
    assert "Draft: this quote rests on illustrative placeholder figures" in page


def test_an_internal_quote_shows_how_the_charge_was_calculated(examples_dir, book, unit):
    costing = estimate(load_spec(examples_dir / "advisory-group.toml"), book)
    assert costing.spec.project.client == "internal"
    page = letter_html(costing, unit)
    assert "Internal charge quote" in page and "How the charge was calculated" in page
    assert "Co-producer hourly rate" in page and "£30.00" in page
    assert unit.internal_transfer.value in page and unit.vat_registration.value not in page


def test_letter_writes_html_and_a_pdf_with_the_same_figures(examples_dir, tmp_path, capsys):
    pdfplumber = pytest.importorskip("pdfplumber")
    costing = estimate(load_spec(examples_dir / "hearing-checks.toml"))
    pdf = tmp_path / "quote.pdf"
    assert main(["letter", str(examples_dir / "hearing-checks.toml"), "-o", str(pdf)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(f"Wrote {pdf}:") and "illustrative" in out.err
    with pdfplumber.open(pdf) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
        assert all(abs(page.width - 595.3) < 1 and abs(page.height - 841.9) < 1 for page in document.pages), "A4"
    assert format_money(costing.totals.price) in text and "Quotation" in text
    again = tmp_path / "again.pdf"
    assert main(["letter", str(examples_dir / "hearing-checks.toml"), "-o", str(again)]) == 0
    assert again.read_bytes() == pdf.read_bytes(), "the same costing gives the same PDF"


def test_letter_mistakes_exit_2_and_write_nothing(examples_dir, rates_dir, tmp_path, capsys):
    assert main(["letter", str(examples_dir / "hearing-checks.toml"), "-o", str(tmp_path / "quote.docx")]) == 2
    assert "a quote is written as .html or .pdf" in capsys.readouterr().err
    rates = tmp_path / "rates"
    shutil.copytree(rates_dir, rates)
    (rates / "unit.toml").write_text((rates / "unit.toml").read_text(encoding="utf-8").replace(
        "value = 90", "value = 0"), encoding="utf-8")
    target = tmp_path / "quote.html"
    assert main(["letter", str(examples_dir / "hearing-checks.toml"), "--rates", str(rates), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"{rates / 'unit.toml'}:" in err and "validity_days.value" in err
    assert not target.exists()
    (rates / "unit.toml").unlink()
    assert main(["letter", str(examples_dir / "hearing-checks.toml"), "--rates", str(rates), "-o", str(target)]) == 2
    assert "unit.toml" in capsys.readouterr().err and not target.exists()


def test_unit_values_all_carry_a_source(rates_dir: Path):
    unit = load_unit(rates_dir)
    assert all(getattr(unit, name).source for name in type(unit).model_fields if getattr(unit, name) is not None)
