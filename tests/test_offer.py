"""The offer and the funder guides: generated from the rate tables, so they match the calculator."""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from copro_costing import format_money, load_rates
from copro_costing.catalogue import catalogue
from copro_costing.cli import main
from copro_costing.offer import guide_markdown, offer_html, offer_items, offer_markdown
from copro_costing.policy import funder_contribution

ON = date(2026, 1, 15)


@pytest.fixture
def rates(tmp_path: Path, rates_dir: Path) -> Path:
    target = tmp_path / "rates"
    shutil.copytree(rates_dir, target)
    return target


def test_offer_lists_every_service_with_its_prices_and_policy(book):
    text = offer_markdown(book, ON)
    for entry in catalogue(book, ON):
        s = entry.service
        assert s.name in text and s.description in text and f"Unit: one {s.unit}" in text
        assert format_money(entry.external_price) in text
        assert format_money(entry.internal_price) in text
    assert "| Initial consultation * | consultation | £285.00 | £190.00 | Free | Free |" in text
    assert "| Facilitation day * | day | £1,575.00 | £1,190.00 | Requested contribution | £420.00 + £770.00 requested |" in text
    assert "Case by case" in text
    assert "Includes: 0.25 days director; 1 day co-production manager; 1 day co-production officer; " \
           "2 co-producers × 7 h (6 h + 1 h preparation), paid" in text
    rate = book.coproducer_rate(ON)
    assert f"paid £30.00 per hour for their time, including preparation and follow-up. Source: {rate.source}." in text


def test_offer_flags_illustrative_figures(book):
    text = offer_markdown(book, ON)
    assert "> Illustrative figures: prices marked * rest on placeholder rates" in text
    items = offer_items(book, ON)
    assert all(i.illustrative for i in items)  # every shipped service has placeholder effort


def test_offer_without_placeholders_has_no_flag(rates: Path):
    for file in ("roles.toml", "services.toml"):
        path = rates / file
        path.write_text(re.sub(r'source = "illustrative[^"]*"', 'source = "Finance rate card 2025/26"',
                               path.read_text(encoding="utf-8")), encoding="utf-8")
    text = offer_markdown(load_rates(rates), ON)
    assert "Illustrative" not in text and " *" not in text


def test_offer_html_is_one_self_contained_printable_page_with_escaped_text(rates: Path):
    path = rates / "services.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'name = "Initial consultation"', 'name = "Initial <script>alert(1)</script> & chat"'), encoding="utf-8")
    page = offer_html(load_rates(rates), ON)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and "@media print" in page and "@page" in page
    assert "<script" not in page and "<link" not in page and "src=" not in page and "http" not in page
    assert "Initial &lt;script&gt;alert(1)&lt;/script&gt; &amp; chat" in page
    assert '<td class="num">£285.00</td>' in page


def test_offer_xlsx(book, tmp_path: Path, rates_dir: Path, capsys):
    out = tmp_path / "offer.xlsx"
    assert main(["offer", "--on", "2026-01-15", "-o", str(out), "--rates", str(rates_dir)]) == 0
    assert "illustrative" in capsys.readouterr().err
    ws = load_workbook(out)["Offer"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = rows.index(next(r for r in rows if r[0] == "id"))
    body = {r[0]: r for r in rows[header + 1:] if r[0]}
    for entry in catalogue(book, ON):
        row = body[entry.service.id]
        assert Decimal(str(row[5])) == entry.external_price
        assert Decimal(str(row[6])) == entry.internal_price
    assert ws.cell(row=header + 2, column=6).number_format == '"£"#,##0.00'


def test_offer_command_formats(rates_dir: Path, tmp_path: Path, capsys):
    assert main(["offer", "--on", "2026-01-15", "--rates", str(rates_dir)]) == 0
    assert capsys.readouterr().out.startswith("# Co-production services: our offer")
    page = tmp_path / "offer.html"
    assert main(["offer", "--on", "2026-01-15", "-o", str(page), "--rates", str(rates_dir)]) == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["offer", "--format", "xlsx", "--rates", str(rates_dir)]) == 2
    assert "needs an output file" in capsys.readouterr().err
    assert main(["offer", "-o", str(tmp_path / "offer.pdf"), "--rates", str(rates_dir)]) == 2
    assert main(["offer", "-o", str(tmp_path / "no" / "offer.md"), "--rates", str(rates_dir)]) == 2
    assert main(["offer", "--on", "2000-01-01", "--rates", str(rates_dir)]) == 2
    assert "in force on 2000-01-01" in capsys.readouterr().err


@pytest.mark.parametrize("funder_id", ["ukri", "nihr", "wellcome", "amrc-charity", "horizon-europe", "other"])
def test_guide_is_generated_from_the_funder_rules(book, funder_id: str):
    funder = book.funder(funder_id, ON)
    text = guide_markdown(book, funder_id, ON)
    assert text.startswith(f"# Costing co-production into a {funder.name} application")
    for heading in funder.headings:
        assert heading in text
    assert f"| The unit's services (its staff time, per unit of each service) | {funder.heading_for.service} |" in text
    pays = format_money(funder_contribution(Decimal("1000.00"), funder))
    assert f"it contributes {pays}" in text
    assert f"pays {funder.pays_percent.normalize():f}% of the costed price" in text
    assert "VAT at 20%" in text
    assert "Co-producers are paid £30.00 per hour" in text and "No costing may pay them less." in text
    if funder.prices == "current":
        assert "Cost every project year at current prices" in text
        assert "uplifted" not in text
    else:
        assert "uplifted by 3% a year, compounded: £1,000.00 in year 1 becomes £1,030.00 in year 2 and £1,060.90" in text
    assert "Illustrative figures" in text  # the shipped uplift, expenses and services are placeholders


def test_ukri_guide_says_80_percent_and_no_inflation(book):
    text = guide_markdown(book, "ukri", ON)
    assert "UK Research and Innovation (UKRI) pays 80% of the costed price" in text
    assert "for every £1,000.00 of co-production costs in the budget it contributes £800.00" in text


def test_guide_command(rates_dir: Path, tmp_path: Path, capsys):
    assert main(["guide", "--funder", "nihr", "--on", "2026-01-15", "--rates", str(rates_dir)]) == 0
    out, err = capsys.readouterr()
    assert "Patient and Public Involvement" in out and "illustrative" in err
    page = tmp_path / "nihr.html"
    assert main(["guide", "--funder", "nihr", "--format", "html", "-o", str(page), "--rates", str(rates_dir)]) == 0
    assert "<h2>VAT</h2>" in page.read_text(encoding="utf-8")
    assert main(["guide", "--funder", "nobody", "--rates", str(rates_dir)]) == 2
    err = capsys.readouterr().err
    assert "unknown funder 'nobody' (funders: amrc-charity, horizon-europe, nihr, other, ukri, wellcome)" in err
    with pytest.raises(SystemExit) as exc:  # argparse: not a choice
        main(["guide", "--funder", "nihr", "--format", "xlsx", "--rates", str(rates_dir)])
    assert exc.value.code == 2
