"""The offer and the funder guides: generated from the rate tables, so they match the calculator."""

from __future__ import annotations

import re
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from copro_costing import format_money, load_rates
from copro_costing.cli import main
from copro_costing.export.workbook import money_format
from copro_costing.pricing.catalogue import catalogue
from copro_costing.pricing.policy import POLICY_WORDS
from copro_costing.publishing.document import MARK, to_markdown
from copro_costing.publishing.guides import guide_document, guide_markdown
from copro_costing.publishing.offer import build_offer, offer_document, offer_html, offer_items, offer_markdown

GBP = money_format("GBP")
ON = date(2026, 1, 15)


def test_offer_lists_every_service_with_its_prices_and_policy(book):
    text = offer_markdown(book, ON)
    for entry in catalogue(book, ON):
        s = entry.service
        assert s.name in text and s.description in text and f"Unit: one {s.unit}" in text
        assert format_money(entry.external_price) in text
        assert format_money(entry.internal_price) in text
    assert "| Initial consultation * | consultation | £285.00 | £190.00 | Free | Free |" in text
    assert ("| Facilitation day * | day | £1,575.00 | £1,190.00 | Requested contribution (if there is budget) | "
            "£420.00 + £770.00 requested |") in text
    assert "Case by case" in text
    assert "Includes: 0.25 days director; 1 day co-production manager; 1 day co-production officer; " \
           "2 co-producers × 7 h (6 h + 1 h preparation), paid" in text
    rate = book.coproducer_rate(ON)
    assert f"paid £30.00 per hour for their time, including preparation and follow-up. Source: {rate.source}." in text


def test_offer_flags_illustrative_figures(book):
    text = offer_markdown(book, ON)
    assert "> Illustrative figures: figures marked * rest on placeholder rates" in text
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
    assert ws.cell(row=header + 2, column=6).number_format == GBP


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
        assert f"{heading.name} ({heading.category.replace('-', ' ')}" in text
    service = funder.heading_for_line("service", "internal", funder.unit_time)
    assert f"| The unit's services (its staff time, per unit of each service) | {service} |" in text
    for table, share in book.rows_in_force(ON):
        if table == "funder_shares" and share.funder == funder_id:
            assert f"- {share.applicant}: {share.source}" in text
    assert "standard-rated at 20%" in text and "grant-funded" not in text
    assert "Standard tier (tier = \"standard\"): £30.00 per hour" in text and "No costing may pay less." in text
    assert "What involvement budgets often miss" in text and "Accessible venues" in text
    if funder.inflation == "none":
        assert "Cost every project year at current prices" in text
        assert "uplifted by" not in text
    else:
        assert "staff rates step up on 1 August" in text
        assert "£1,000.00 today is £1,030.00 after one 1 August and £1,060.90 after two" in text
    assert "Illustrative figures" in text  # the shipped uplift, expenses and services are placeholders


def test_ukri_guide_says_80_percent_and_no_inflation(book):
    text = guide_markdown(book, "ukri", ON)
    assert "| university | 80% | 80% | 80% | 100% |" in text
    assert "Cost every project year at current prices" in text
    assert 'set unit_time = "staff"' in text and "Directly Allocated - Other" in text


def test_nihr_guide_gives_the_share_for_each_applicant_and_the_payment_caveats(book):
    text = guide_markdown(book, "nihr", ON)
    assert "| university | 80% | 80% | 80% | 80% |" in text and "| nhs | 100% | 100% | 0% | 100% |" in text
    assert "may decline payment or ask for less" in text and "public-sector salary" in text


def test_guide_command(rates_dir: Path, tmp_path: Path, capsys):
    assert main(["guide", "--funder", "nihr", "--on", "2026-01-15", "--rates", str(rates_dir)]) == 0
    out, err = capsys.readouterr()
    assert "Patient and public involvement, engagement and participation" in out and "illustrative" in err
    page = tmp_path / "nihr.html"
    assert main(["guide", "--funder", "nihr", "--format", "html", "-o", str(page), "--rates", str(rates_dir)]) == 0
    assert "<h2>VAT</h2>" in page.read_text(encoding="utf-8")
    assert main(["guide", "--funder", "nobody", "--rates", str(rates_dir)]) == 2
    err = capsys.readouterr().err
    assert ("unknown funder 'nobody': not in the rate tables (known: amrc-charity, horizon-europe, nihr, none, other, "
            "ukri, wellcome)") in err
    with pytest.raises(SystemExit) as exc:  # argparse: not a choice
        main(["guide", "--funder", "nihr", "--format", "xlsx", "--rates", str(rates_dir)])
    assert exc.value.code == 2


# One illustrative flag: the note, the marks, the workbook banner and the warning agree -----------

REAL_SOURCE = 'source = "Finance rate card 2025/26"'


def only_placeholder(rates: Path, file: str | None) -> None:
    """Give every row a real source, then make the first row of ``file`` a placeholder."""
    for path in rates.glob("*.toml"):
        path.write_text(re.sub(r'source = "illustrative[^"]*"', REAL_SOURCE, path.read_text(encoding="utf-8")),
                        encoding="utf-8")
    if file is not None:
        path = rates / file
        text = re.sub(r'(?m)^source = "', 'source = "illustrative: placeholder; ', path.read_text(encoding="utf-8"), count=1)
        path.write_text(text, encoding="utf-8")  # the first row, not a commented example


def flagged(text: str) -> tuple[bool, bool]:
    """(a figure is marked, the note is there)."""
    return f" {MARK}" in text, "Illustrative figures" in text


def run(args: list[str], capsys) -> bool:
    """Run the command; return whether it warned about illustrative figures."""
    assert main(args) == 0
    return "illustrative figures" in capsys.readouterr().err


def banner(path: Path) -> bool:
    return any("Illustrative figures" in str(c.value or "") for c in load_workbook(path)["Offer"]["A"])


def test_guide_marks_and_notes_an_illustrative_expense_allowance(rates: Path, capsys):
    # The first row of expenses.toml is the co-producer expenses allowance the guide quotes.
    only_placeholder(rates, "expenses.toml")
    book = load_rates(rates)
    assert book.expense_default("coproducer-expenses", ON).illustrative
    doc = guide_document(book, "ukri", ON)
    text = to_markdown(doc)
    assert f"the default allowance is £10.00 per person-session {MARK}; use actual figures" in text
    assert flagged(text) == (True, True) and doc.illustrative
    assert run(["guide", "--funder", "ukri", "--on", "2026-01-15", "--rates", str(rates)], capsys)


def test_offer_with_only_the_coproducer_rate_illustrative(rates: Path, tmp_path: Path, capsys):
    only_placeholder(rates, "coproducer.toml")
    services = rates / "services.toml"  # no service includes co-producers: the rate is still a figure shown
    services.write_text(re.sub(r"(?m)^coproducers = .*\n", "", services.read_text(encoding="utf-8")), encoding="utf-8")
    book = load_rates(rates)
    assert not any(i.illustrative for i in offer_items(book, ON))
    doc = offer_document(book, ON)
    assert doc.illustrative and flagged(to_markdown(doc)) == (True, True)
    assert f"until finance replaces it. {MARK}" in to_markdown(doc)
    assert run(["offer", "--on", "2026-01-15", "--rates", str(rates)], capsys)
    out = tmp_path / "offer.xlsx"
    assert run(["offer", "--on", "2026-01-15", "-o", str(out), "--rates", str(rates)], capsys)
    assert banner(out)


def test_offer_with_only_vat_illustrative(rates: Path, tmp_path: Path, capsys):
    only_placeholder(rates, "tax.toml")  # its first row is the VAT rate
    doc = offer_document(load_rates(rates), ON)
    text = to_markdown(doc)
    assert doc.illustrative and flagged(text) == (True, True)
    assert f"Internal clients pay no VAT. {MARK}" in text
    out = tmp_path / "offer.xlsx"
    assert run(["offer", "--on", "2026-01-15", "-o", str(out), "--rates", str(rates)], capsys)
    assert banner(out)


def test_no_placeholders_no_note_no_mark_no_warning_no_banner(rates: Path, tmp_path: Path, capsys):
    only_placeholder(rates, None)
    book = load_rates(rates)
    for doc in (offer_document(book, ON), *(guide_document(book, f, ON) for f in book.keys("funders"))):
        assert not doc.illustrative and flagged(to_markdown(doc)) == (False, False)
    assert not run(["offer", "--on", "2026-01-15", "--rates", str(rates)], capsys)
    assert not run(["guide", "--funder", "nihr", "--on", "2026-01-15", "--rates", str(rates)], capsys)
    out = tmp_path / "offer.xlsx"
    assert not run(["offer", "--on", "2026-01-15", "-o", str(out), "--rates", str(rates)], capsys)
    assert not banner(out)


@pytest.mark.parametrize("file", ["roles.toml", "services.toml", "coproducer.toml", "tax.toml", "funders.toml", "expenses.toml"])
def test_the_note_appears_exactly_when_a_figure_is_marked(rates: Path, file: str):
    only_placeholder(rates, file)
    book = load_rates(rates)
    for doc in (offer_document(book, ON), *(guide_document(book, f, ON) for f in book.keys("funders"))):
        marked, noted = flagged(to_markdown(doc))
        assert marked == noted == doc.illustrative, (file, doc.title)


# The offer workbook -------------------------------------------------------------------------------


def test_offer_workbook_is_written_under_export_with_the_costing_workbooks_money_format(book, tmp_path: Path):
    import copro_costing.publishing.offer as offer_module
    from copro_costing.export.offer_xlsx import write_offer_xlsx

    assert not hasattr(offer_module, "write_offer_xlsx")
    path = write_offer_xlsx(build_offer(book, ON), tmp_path / "offer.xlsx")
    ws = load_workbook(path)["Offer"]
    prices = [c for c in ws["F"] if isinstance(c.value, (int, float))]
    assert prices and all(c.number_format == GBP for c in prices)


def test_openpyxl_is_imported_only_under_export(root: Path):
    package = root / "src" / "copro_costing"
    outside = [p.relative_to(package).as_posix() for p in package.rglob("*.py")
               if "openpyxl" in p.read_text(encoding="utf-8") and "export" not in p.relative_to(package).parts]
    assert outside == []


def test_offer_workbook_gives_the_same_bytes_every_time(book, tmp_path: Path):
    from copro_costing.export.offer_xlsx import write_offer_xlsx

    first = write_offer_xlsx(build_offer(book, ON), tmp_path / "a.xlsx").read_bytes()
    time.sleep(1.1)
    second = write_offer_xlsx(build_offer(book, ON), tmp_path / "b.xlsx").read_bytes()
    assert first == second
    wb = load_workbook(tmp_path / "a.xlsx")
    assert wb.properties.modified == wb.properties.created == datetime(2026, 1, 15)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert len({info.date_time for info in archive.infolist()}) == 1, "one fixed time, not the clock"


def test_offer_workbook_prints_on_a4_with_its_header_on_every_page(book, tmp_path: Path):
    from copro_costing.export.offer_xlsx import write_offer_xlsx

    ws = load_workbook(write_offer_xlsx(build_offer(book, ON), tmp_path / "offer.xlsx"))["Offer"]
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "id")
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == f"${header}:${header}" and ws.print_area
    assert "Page &P of &N" in ws.oddFooter.right.text
    assert ws.row_dimensions[header + 1].height and ws.row_dimensions[header + 1].height >= 30


# One table of policy words; no dead code ------------------------------------------------------------


def test_offer_words_policies_as_the_policy_table_does(book):
    text = offer_markdown(book, ON)
    for service in book.rows("services"):
        words = POLICY_WORDS[service.internal_policy]
        assert f"| {words[0].upper()}{words[1:]} |" in text
    import copro_costing.publishing.offer as offer_module

    assert not hasattr(offer_module, "POLICY_LABEL")
    assert not hasattr(offer_module, "funder_ids")


def test_the_guides_vat_section_follows_the_vat_rules(book):
    text = guide_markdown(book, "ukri", ON)
    section = text[text.index("## VAT"):text.index("## Paying co-producers")]
    assert "Co-production training workshop carries no VAT" in section
    assert 'vat_position = "collaborator"' in section and 'vat_position = "overseas-business"' in section
    assert "follow that service's VAT category" in section
    assert "is not on its own a reason for no VAT" in section


def test_the_guide_for_a_direct_commission_is_titled_as_one(book):
    from copro_costing.publishing.guides import guide_document

    doc = guide_document(book, "none", date(2026, 11, 1))
    assert doc.title == "Costing co-production for a direct commission (no funder: the client pays)"
