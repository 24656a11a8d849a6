"""Every problem in a costing file in one run, each at the line a person fixes.

A costing file with a mistake in ``[project]`` and mistakes only the rate tables can see
(an unknown tier, a misspelt expense default, a missing decision) gets all of them at
once, from the command line, the web API, the web form and the portfolio report alike,
each once and sorted by line. Where a project field is wrong, nothing that follows from
it is made up: a costing whose client is not known is not told a service needs a decision.
"""

from __future__ import annotations

import html
import json
import re
import tomllib
from pathlib import Path

import pytest

from snippets import INVOLVEMENT

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from copro_costing.web.app import create_app

TOML = {"content-type": "application/toml"}

BID = """\
[project]
title = "Living well with hearing loss"
client = "internal"
organisation = "UCL Ear Institute"
funder = "ukri"
start = 2026-04-01
months = 24
priced_on = 2026-04-01
vat_position = "collaborator"
vat_reason = "Named co-applicant"

[[services]]
service = "advisory-group-meeting"
quantity = 2
years = [1, 2]

[[involvement]]
activity = "Advisory panel"
people = 6
sessions = 4
hours = 2
year = 1
tier = "gold"

[[expenses]]
item = "Room for the panel"
default = "room-hyre"
year = 1
"""


def printed_problems(err: str, path: Path) -> list[str]:
    """The problems a command printed for ``path``, without the file name: ``LINE: field: message``."""
    return [line.removeprefix(f"{path}:") for line in err.splitlines() if line.startswith(f"{path}:")]


@pytest.fixture
def api(rates_dir: Path) -> TestClient:
    return TestClient(create_app(rates_dir))


def test_a_project_mistake_and_three_the_rate_tables_see_are_all_printed_at_once(run, write_spec, find_line):
    path = write_spec(BID)
    code, out, err = run("quote", path)
    assert code == 2 and out == ""
    assert printed_problems(err, path) == [
        f"{find_line(BID, 'vat_position =')}: project.vat_position: an internal client's VAT position is "
        '"internal": a recharge is not a supply (got "collaborator")',
        f"{find_line(BID, '[[services]]')}: services entry 1: decision: 'advisory-group-meeting' is decided case by "
        'case for internal clients: add decision = "charge" or "waive", and a reason saying who decided and why',
        f"{find_line(BID, 'tier =')}: involvement entry 1: tier: unknown co-producer rate 'gold': not in the rate "
        "tables (known: standard)",
        f"{find_line(BID, 'default =')}: expenses entry 1: default: unknown expense default 'room-hyre': not in the "
        "rate tables; did you mean 'room-hire'? (known: bsl-interpreter, coproducer-expenses, refreshments, room-hire)",
    ]
    assert err.endswith("copro-costing: 4 problems; nothing was written\n")


def test_the_web_api_answers_the_same_problems_for_the_file_and_for_its_json(run, write_spec, api):
    path = write_spec(BID)
    _, _, err = run("quote", path)
    answer = api.post("/api/quote", content=BID, headers=TOML)
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert all(list(p) == ["file", "line", "field", "message"] for p in problems)
    assert [p["field"] for p in problems] == [
        "project.vat_position", "services entry 1: decision", "involvement entry 1: tier", "expenses entry 1: default",
    ]
    assert [f"{p['line']}: {p['field']}: {p['message']}" for p in problems] == printed_problems(err, path)

    as_json = json.dumps(tomllib.loads(BID), default=str, indent=2)  # the same costing as JSON, lines of its own
    answer = api.post("/api/quote", content=as_json, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    in_json = answer.json()["problems"]
    assert [(p["field"], p["message"]) for p in in_json] == [(p["field"], p["message"]) for p in problems]
    lines = [p["line"] for p in in_json]
    assert None not in lines and lines == sorted(lines)  # each at its own line of the JSON, in document order


def test_the_portfolio_report_lists_the_same_problems_for_the_file(run, tmp_path, write_spec):
    path = write_spec(BID)
    _, _, err = run("quote", path)
    code, out, report_err = run("portfolio", tmp_path, "-f", "json")
    assert code == 2 and out == ""
    assert printed_problems(report_err, path) == printed_problems(err, path)


def shown_by(page: str, control: str) -> str:
    """The error text the form shows by ``control`` (empty when it shows none)."""
    found = re.search(rf'<p class="error" id="{control}-error" (hidden)?>.*?<span class="text">(.*?)</span>', page, re.S)
    assert found, control
    return "" if found[1] else html.unescape(found[2])


def test_the_web_form_shows_each_problem_by_its_own_control(rates_dir):
    client = TestClient(create_app(rates_dir))
    client.get("/")
    page = client.post("/upload", files={"costing_file": ("bid.toml", BID.encode(), "application/toml")}).text
    assert shown_by(page, "project-vat_position").startswith('an internal client\'s VAT position is "internal"')
    assert "is decided case by case for internal clients" in shown_by(page, "services-0-decision")
    assert shown_by(page, "involvement-0-tier").startswith("unknown co-producer rate 'gold'")
    assert shown_by(page, "expenses-0-default").startswith("unknown expense default 'room-hyre'")
    assert shown_by(page, "project-vat") == shown_by(page, "services-0-row") == ""  # nowhere else


def test_the_form_as_typed_shows_a_project_mistake_and_an_unknown_tier_together(rates_dir):
    client = TestClient(create_app(rates_dir))
    client.get("/")
    page = client.post("/", data={
        "project.title": "Panel", "project.client": "internal", "project.funder": "ukri",
        "project.start": "2026-04-01", "project.months": "12", "project.priced_on": "2026-04-01",
        "project.vat_position": "collaborator", "project.vat_reason": "A partner",
        "involvement.0.activity": "Panel", "involvement.0.people": "4", "involvement.0.sessions": "2",
        "involvement.0.hours": "2", "involvement.0.tier": "gold", "involvement.0.years": ["1"],
    })
    assert page.status_code == 422
    assert shown_by(page.text, "project-vat_position").startswith("an internal client's VAT position")
    assert shown_by(page.text, "involvement-0-tier").startswith("unknown co-producer rate 'gold'")


# --- nothing made up from a field that is wrong ----------------------------------------------------


def test_with_the_client_not_known_no_decision_is_asked_for_but_unknown_ids_are_named(run, write_spec, find_line):
    text = BID.replace('client = "internal"', 'client = "intern"')
    path = write_spec(text)
    code, _, err = run("quote", path)
    assert code == 2
    assert [line.split(": ")[1] for line in printed_problems(err, path)] == [
        "project.client", "involvement entry 1", "expenses entry 1",
    ]
    assert f"{find_line(text, 'client =')}: project.client: expected 'internal' or 'external' (got 'intern')" in err


def test_with_the_funder_not_known_a_heading_is_not_judged(run, write_spec, spec_toml, find_line):
    body = ('[[expenses]]\nitem = "Room"\ncost = 120.00\nheading = "Room hire"\nyear = 1\n'
            + INVOLVEMENT.replace("hours = 2", 'hours = 2\ntier = "gold"'))
    text = spec_toml(body, funder="UKRI")
    path = write_spec(text)
    code, _, err = run("quote", path)
    assert code == 2
    assert [line.split(": ")[1] for line in printed_problems(err, path)] == ["project.funder", "involvement entry 1"]
    assert "heading" not in err
    # with the funder put right, the heading is judged
    path = write_spec(spec_toml(body, funder="ukri"))
    code, _, err = run("quote", path)
    assert "expenses entry 1: heading: 'Room hire' is not a heading of UK Research and Innovation" in err


def test_with_the_pricing_date_not_known_no_rate_is_said_to_be_below_the_floor(run, write_spec, spec_toml):
    body = (INVOLVEMENT.replace("hours = 2", "hours = 2\nrate = 1.00")
            + '[[services]]\nservice = "no-such"\nquantity = 1\nyear = 1\n')
    path = write_spec(spec_toml(body, priced_on="1980-01-01"))
    code, _, err = run("quote", path)
    assert code == 2
    assert [line.split(": ")[1] for line in printed_problems(err, path)] == ["project.priced_on", "services entry 1"]
    path = write_spec(spec_toml(body))
    _, _, err = run("quote", path)
    assert "involvement entry 1: rate: co-producers are always paid at least" in err


def test_a_year_outside_the_project_does_not_hide_what_the_rate_tables_say(run, write_spec, spec_toml, find_line):
    text = spec_toml('[[services]]\nservice = "no-such"\nquantity = 1\nyear = 1\n'
                     '[[expenses]]\nitem = "Room"\ncost = 120.00\nyear = 4\n'
                     '[[expenses]]\nitem = "Tea"\ndefault = "refreshmnts"\nyears = [1, 5]\n')
    path = write_spec(text)
    code, _, err = run("quote", path)
    assert code == 2
    assert [line.split(": ", 2)[:2] for line in printed_problems(err, path)] == [
        [str(find_line(text, 'service = "no-such"')), "services entry 1"],
        [str(find_line(text, "year = 4")), "expenses entry 1"],
        [str(find_line(text, "refreshmnts")), "expenses entry 2"],
        [str(find_line(text, "years = [1, 5]")), "expenses entry 2"],
    ]
    assert "unknown expense default 'refreshmnts'" in err and "year 5 is outside the project" in err


def test_a_stage_that_needs_a_date_names_the_date_at_the_status_table(run, write_spec, spec_toml, find_line):
    text = spec_toml('[status]\nstage = "awarded"\nsubmitted = 2026-02-01\n'
                     '[[services]]\nservice = "no-such"\nquantity = 1\nyear = 1\n')
    path = write_spec(text)
    code, _, err = run("quote", path)
    assert code == 2
    assert printed_problems(err, path)[0] == (
        f"{find_line(text, '[status]')}: status.decided: stage = \"awarded\" needs the date of the decision "
        "(decided = YYYY-MM-DD)"
    )
    assert "services entry 1: service: unknown service 'no-such'" in err


@pytest.mark.parametrize("year", ['"1"', "1e0"])
def test_a_year_written_as_text_or_with_an_exponent_still_gets_what_the_rate_tables_say(run, write_spec, find_line,
                                                                                        year):
    """The spec reads ``year = "1"`` and ``year = 1e0`` as year 1, so the entry's other problems are found too."""
    text = BID.replace('vat_position = "collaborator"\nvat_reason = "Named co-applicant"\n', "foo = 1\n")
    text = text.replace("years = [1, 2]", f"year = {year}", 1)
    path = write_spec(text)
    code, _, err = run("quote", path)
    assert code == 2
    printed = printed_problems(err, path)
    assert printed[0].startswith(f"{find_line(text, 'foo = 1')}: project.foo: unknown field"), err
    assert printed[1].startswith(f"{find_line(text, '[[services]]')}: services entry 1: decision: "
                                 "'advisory-group-meeting' is decided case by case"), err
