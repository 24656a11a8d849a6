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
    assert "Given free" not in charged
    assert "Given free by the unit (Waived (case by case): B said)" in waived


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
