"""The text renderings: the justification a researcher pastes into an application."""

from __future__ import annotations

from datetime import date

from copro_costing import estimate, parse_spec

ON = date(2026, 4, 1)


def costing_with(services, book, client="internal"):
    spec = parse_spec({
        "project": {"title": "T", "client": client, "funder": "ukri", "start": ON, "months": 12, "priced_on": ON},
        "services": services,
    })
    return estimate(spec, book)


def test_a_charged_and_a_waived_entry_of_one_service_are_justified_separately(book):
    costing = costing_with([
        {"service": "advisory-group-meeting", "quantity": 2, "year": 1, "decision": "charge", "reason": "A said"},
        {"service": "advisory-group-meeting", "quantity": 2, "year": 1, "decision": "waive", "reason": "B said"},
    ], book)
    paragraphs = [p for p in costing.justification().split("\n\n") if p.startswith("Advisory group")]
    assert len(paragraphs) == 2
    charged, waived = paragraphs
    assert "gives this free" not in charged
    assert "The unit gives this free: its full value is shown and not requested. Waived (case by case): B said." in waived


def test_a_requested_contribution_says_so(book):
    costing = costing_with([{"service": "facilitation-day", "quantity": 1, "year": 1}], book)
    assert "a contribution is requested if there is budget" in costing.justification()


def test_markdown_escapes_table_pipes_in_user_text(book):
    spec = parse_spec({
        "project": {"title": "A | B", "client": "internal", "funder": "ukri", "start": ON, "months": 12,
                    "priced_on": ON},
        "involvement": [{"activity": "Panel | one", "people": 1, "sessions": 1, "hours": 1, "year": 1}],
    })
    md = estimate(spec, book).to_markdown()
    assert "| 1 | Panel \\| one |" in md


def _paragraphs(costing) -> list[str]:
    return costing.justification().split("\n\n")


def test_one_paragraph_per_activity_with_its_years_together_and_amounts_in_pounds(examples_dir, book):
    from copro_costing import load_spec
    from copro_costing.money import format_money

    costing = estimate(load_spec(examples_dir / "hearing-checks.toml"), book)
    paragraphs = _paragraphs(costing)
    panel = [p for p in paragraphs if p.startswith("Lived-experience advisory panel: 40")]
    assert len(panel) == 1, "both years in one paragraph"
    payments = sum(line.amount for line in costing.lines if line.description == "Lived-experience advisory panel")
    assert "in each of years 1 and 2" in panel[0] and f": {format_money(payments)}." in panel[0]
    assert "at £30.00 an hour: " in panel[0] and "uplift" not in panel[0]  # NIHR wants current prices
    assert not [p for p in paragraphs if " x " in p], "no restated arithmetic"
    assert not [p for p in paragraphs if " per hour" in p and "£" not in p]


def test_grouped_under_the_funders_own_headings_in_its_order(examples_dir, book):
    from copro_costing import load_spec

    costing = estimate(load_spec(examples_dir / "hearing-checks.toml"), book)
    paragraphs = _paragraphs(costing)
    headings = [p for p in paragraphs if p in costing.funder.heading_names]
    used = [h for h in costing.funder.heading_names if any(line.heading == h for line in costing.lines)]
    assert headings == used
    assert paragraphs.index("Other direct costs") < paragraphs.index(next(p for p in paragraphs if p.startswith("BSL")))


def test_cites_the_funders_own_guidance_and_the_payment_policy_by_name(book):
    for funder, cited, not_cited in (("ukri", "UKRI's guidance", "NIHR"), ("nihr", "Payment guidance for researchers", "UKRI")):
        spec = parse_spec({
            "project": {"title": "T", "client": "internal", "funder": funder, "start": ON, "months": 12, "priced_on": ON},
            "involvement": [{"activity": "Panel", "people": 2, "sessions": 2, "hours": 2, "year": 1}],
        })
        text = estimate(spec, book).justification()
        assert cited in text and not_cited not in text, funder
        assert "under the Co-Production Collective payment policy" in text


def test_the_csv_names_the_currency_the_rate_and_each_lines_vat_treatment(spec_toml, write_spec, book):
    import csv
    import io

    from copro_costing import load_spec

    text = spec_toml('[[services]]\nservice = "co-production-partner-day"\nquantity = 1\nyear = 1\n',
                     funder="horizon-europe", extra='currency = "EUR"')
    costing = estimate(load_spec(write_spec(text)), book)
    rows = list(csv.DictReader(io.StringIO(costing.to_csv())))
    assert {row["currency"] for row in rows} == {"EUR"}
    assert {row["exchange_rate"] for row in rows} == {"1.15"}
    assert [row["vat_treatment"] for row in rows] == [line.vat_treatment for line in costing.lines]
    assert [row["cost"] for row in rows] == [str(line.cost) for line in costing.lines]
