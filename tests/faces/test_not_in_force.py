"""A pricing date on which a rate-table item is not, or no longer, in force: what a person is told.

An item the tables have, none of whose rows is in force yet on the date, is named with
the date its first row takes effect (it is not offered as a did-you-mean of itself); an
item retired by then says so. An id the tables do not have at all still gets a
did-you-mean, among the ids in force on the date, or else the id it likely means with the date
that one takes effect. And every list of problems, whoever
found each one (the costing file's checks or the rate tables'), is in line order: on the
command line, in the letter, the web API, the web form and the portfolio report.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from snippets import INVOLVEMENT, RETIRED_WORKSHOP, append_rows

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from copro_costing.web.app import create_app


def printed_problems(err: str, path: Path) -> list[str]:
    """The problems a command printed for ``path``, without the file name: ``LINE: field: message``."""
    return [line.removeprefix(f"{path}:") for line in err.splitlines() if line.startswith(f"{path}:")]


@pytest.fixture
def old_costing(examples_dir: Path, write_spec) -> tuple[Path, str]:
    """examples/hearing-checks.toml priced on 1 January 1991, before any row of the tables."""
    text = (examples_dir / "hearing-checks.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^priced_on = .*$", "priced_on = 1991-01-01", text)
    return write_spec(text, "hearing-checks.toml"), text


def expected_1991(text: str, find_line) -> list[str]:
    """What the rate tables say about that costing, in line order (client, funder, priced_on)."""
    return [
        f"{find_line(text, 'client =')}: project.client: no VAT rate is in force on 1991-01-01: "
        "the VAT table's first row is in force from 2011-01-04",
        f"{find_line(text, 'funder =')}: project.funder: funder 'nihr' has no rates in force on 1991-01-01: "
        "its first row is in force from 2024-07-01",
        f"{find_line(text, 'priced_on =')}: project.priced_on: co-producer rate 'standard' is not in force on "
        "1991-01-01: its first row is in force from 2024-09-25",
    ]


# --- the command line ------------------------------------------------------------------------------


def test_a_costing_priced_before_the_tables_begin_is_told_when_each_rate_starts(run, old_costing, find_line):
    path, text = old_costing
    code, out, err = run("quote", path)
    assert code == 2 and out == ""
    assert printed_problems(err, path) == expected_1991(text, find_line)
    assert err.endswith("copro-costing: 3 problems; nothing was written\n")
    assert "did you mean" not in err and "(known:" not in err


def test_the_letter_lists_the_same_problems_in_the_same_order(run, old_costing, tmp_path, find_line):
    path, text = old_costing
    target = tmp_path / "quote.html"
    code, _, err = run("letter", path, "-o", target)
    assert code == 2 and not target.exists()
    assert printed_problems(err, path) == expected_1991(text, find_line)


TWO = 'quantity = "two"'


def test_the_file_s_own_mistakes_and_the_rate_tables_problems_are_one_list_in_line_order(
    run, old_costing, write_spec, find_line, tmp_path,
):
    _, text = old_costing
    text = text.replace('organisation = "NHS England"', "organisation = 5").replace(
        'service = "training-workshop"\nquantity = 2', f'service = "training-workshop"\n{TWO}')
    path = write_spec(text, "mixed.toml")
    code, _, err = run("quote", path)
    client, funder, priced_on = expected_1991(text, find_line)
    assert code == 2
    assert printed_problems(err, path) == [
        client,
        f"{find_line(text, 'organisation =')}: project.organisation: expected text in quotes (got 5)",
        funder,
        priced_on,
        f"{find_line(text, TWO)}: services entry 3: quantity: value must be a number such as "
        "15.00 (got 'two')",
    ]
    code, _, letter_err = run("letter", path, "-o", tmp_path / "quote.html")
    assert code == 2
    assert printed_problems(letter_err, path) == printed_problems(err, path)


def test_the_portfolio_report_lists_them_in_the_same_order(run, old_costing, tmp_path, find_line):
    path, text = old_costing
    code, out, err = run("portfolio", tmp_path, "-f", "json")
    assert code == 2 and out == ""
    assert printed_problems(err, path) == expected_1991(text, find_line)


@pytest.mark.parametrize("command", [["services"], ["offer"], ["offer", "-o", "offer.xlsx"]])
def test_a_catalogue_asked_for_before_the_tables_begin_says_when_they_do(run, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(*command, "--on", "1991-01-01")
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.splitlines()[-1] == ("copro-costing: co-producer rate 'standard' is not in force on 1991-01-01: "
                                    "its first row is in force from 2024-09-25")
    assert not (tmp_path / "offer.xlsx").exists()


def test_rates_show_before_the_tables_begin_says_when_each_table_does(run):
    code, out, _ = run("rates", "show", "--on", "1991-01-01")
    assert code == 0  # a view of what is in force: nothing, on that date
    assert "\nvat (tax.toml)\n  (nothing in force on this date: the first row is in force from 2011-01-04)\n" in out
    assert "\nfunders (funders.toml)\n  (nothing in force on this date: the first row is in force from 2024-01-01)\n" in out


def test_a_guide_for_a_funder_not_yet_in_force_and_for_an_unknown_one(run):
    code, _, err = run("guide", "--funder", "nihr", "--on", "1991-01-01")
    assert code == 2
    assert err.splitlines()[-1] == ("copro-costing: funder 'nihr' has no rates in force on 1991-01-01: "
                                    "its first row is in force from 2024-07-01")
    code, _, err = run("guide", "--funder", "nihrr", "--on", "1991-01-01")
    assert code == 2
    assert err.splitlines()[-1] == ("copro-costing: unknown funder 'nihrr': not in the rate tables "
                                    "(no funder is in force on 1991-01-01)")


# --- a service and a tier offered from a later date, one retired -------------------------------------

NEXT_YEAR = """
[[services]]
id = "peer-research-day"
name = "Peer research day"
description = "A day of peer research, offered from next year."
unit = "day"
effective = 2027-08-01
effort = { co-production-officer = 1.0 }
internal_policy = "charge"
vat = "standard"
vat_source = "illustrative"
source = "illustrative: a service offered from next year"
"""

ENHANCED_TIER = """
[[coproducer_rate]]
tier = "enhanced"
name = "Enhanced"
effective = 2027-08-01
hourly_rate = 40.00
source = "illustrative: a tier paid from next year"
"""

@pytest.fixture
def later_rates(rates_copy: Path) -> Path:
    append_rows(rates_copy, "services.toml", NEXT_YEAR)
    append_rows(rates_copy, "coproducer.toml", ENHANCED_TIER)
    return rates_copy


def test_a_service_and_a_tier_not_yet_offered_say_from_when(run, later_rates, write_spec, spec_toml, find_line):
    text = spec_toml('[[services]]\nservice = "peer-research-day"\nquantity = 1\nyear = 1\n'
                     + INVOLVEMENT.replace("hours = 2", 'hours = 2\ntier = "enhanced"'),
                     priced_on="2026-09-01", start="2026-10-01")
    path = write_spec(text)
    code, _, err = run("quote", path, "--rates", later_rates)
    assert code == 2
    assert printed_problems(err, path) == [
        f"{find_line(text, 'service = ')}: services entry 1: service: service 'peer-research-day' has no rates in "
        "force on 2026-09-01: its first row is in force from 2027-08-01",
        f"{find_line(text, 'tier = ')}: involvement entry 1: tier: co-producer rate 'enhanced' is not in force on "
        "2026-09-01: its first row is in force from 2027-08-01",
    ]


def test_a_service_retired_before_the_pricing_date_says_so(run, rates_copy, write_spec, spec_toml, find_line):
    append_rows(rates_copy, "services.toml", RETIRED_WORKSHOP)
    text = spec_toml('[[services]]\nservice = "training-workshop"\nquantity = 1\nyear = 1\n',
                     client="external", priced_on="2027-07-01", start="2027-07-01", months=12)
    path = write_spec(text)
    code, _, err = run("quote", path, "--rates", rates_copy)
    assert code == 2
    assert printed_problems(err, path) == [
        f"{find_line(text, 'service = ')}: services entry 1: service: service 'training-workshop' was retired after "
        "2027-06-30; use 'initial-consultation' instead",
    ]


# --- an id the tables do not have: a did-you-mean among the ids in force on the date ------------------


def test_an_unknown_id_is_offered_ids_in_force_and_one_taking_effect_later_with_its_date(
    run, write_spec, spec_toml, find_line
):
    # hotel-london takes effect on 2026-12-01: on 2026-04-01 a misspelling of it is offered it with that
    # date, beside the four expense defaults in force; room-hyre gets room-hire, in force, as before.
    text = spec_toml('[[expenses]]\nitem = "Hotel"\ndefault = "hotel-londn"\nyear = 1\n'
                     '[[expenses]]\nitem = "Room"\ndefault = "room-hyre"\nyear = 1\n')
    path = write_spec(text)
    code, _, err = run("quote", path)
    assert code == 2
    in_force = "bsl-interpreter, coproducer-expenses, refreshments, room-hire"
    assert printed_problems(err, path) == [
        f"{find_line(text, 'hotel-londn')}: expenses entry 1: default: unknown expense default 'hotel-londn': "
        f"not in the rate tables; did you mean 'hotel-london'? (in force from 2026-12-01; in force on 2026-04-01: "
        f"{in_force})",
        f"{find_line(text, 'room-hyre')}: expenses entry 2: default: unknown expense default 'room-hyre': "
        f"not in the rate tables; did you mean 'room-hire'? (known: {in_force})",
    ]


def test_a_misspelling_of_an_id_retired_before_the_date_is_not_offered_it_as_one_to_come(
    run, rates_copy, write_spec, spec_toml, find_line
):
    retired_only = RETIRED_WORKSHOP.replace('id = "training-workshop"', 'id = "photo-voice-day"').replace(
        "effective = 2027-03-01\nuntil = 2027-06-30\nreplaced_by = \"initial-consultation\"",
        "effective = 2025-08-01\nuntil = 2026-06-30")
    append_rows(rates_copy, "services.toml", retired_only)
    text = spec_toml('[[services]]\nservice = "photo-voice-dy"\nquantity = 1\nyear = 1\n',
                     client="external", priced_on="2026-09-01", start="2026-09-01", months=12)
    path = write_spec(text)
    code, _, err = run("quote", path, "--rates", rates_copy)
    assert code == 2
    (problem,) = printed_problems(err, path)
    assert problem.startswith(f"{find_line(text, 'photo-voice-dy')}: services entry 1: service: unknown service "
                              "'photo-voice-dy': not in the rate tables (known: ")
    assert "photo-voice-day" not in problem and "in force from" not in problem


def test_a_misspelt_funder_when_none_is_in_force_is_offered_the_one_it_means_with_its_date(
    run, write_spec, spec_toml, find_line
):
    text = spec_toml(funder="nihrr", priced_on="1991-01-01")
    path = write_spec(text)
    code, _, err = run("quote", path)
    assert code == 2
    assert (f"{find_line(text, 'funder =')}: project.funder: unknown funder 'nihrr': not in the rate tables; "
            "did you mean 'nihr'? (in force from 2024-07-01; in force on 1991-01-01: none)") in printed_problems(err, path)
    assert "(known: )" not in err


def test_an_unknown_funder_like_none_in_the_tables_when_none_is_in_force_says_so(run, write_spec, spec_toml, find_line):
    text = spec_toml(funder="zzz-trust", priced_on="1991-01-01")
    path = write_spec(text)
    code, _, err = run("quote", path)
    assert code == 2
    assert (f"{find_line(text, 'funder =')}: project.funder: unknown funder 'zzz-trust': not in the rate tables "
            "(no funder is in force on 1991-01-01)") in printed_problems(err, path)


# --- the web ---------------------------------------------------------------------------------------


def test_the_web_api_answers_the_problems_in_line_order(run, old_costing, rates_dir, find_line):
    path, text = old_costing
    _, _, err = run("quote", path)
    answer = TestClient(create_app(rates_dir)).post("/api/quote", content=text,
                                                    headers={"content-type": "application/toml"})
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert all(list(p) == ["file", "line", "field", "message"] for p in problems)
    assert [p["line"] for p in problems] == [find_line(text, f"{name} =") for name in ("client", "funder", "priced_on")]
    assert [f"{p['line']}: {p['field']}: {p['message']}" for p in problems] == printed_problems(err, path)


def test_the_web_form_lists_the_problems_in_the_order_of_its_controls(rates_dir):
    client = TestClient(create_app(rates_dir))
    client.get("/")
    page = client.post("/", data={
        "project.title": "Panel", "project.client": "external", "project.funder": "nihr",
        "project.start": "2026-04-01", "project.months": "12", "project.priced_on": "1991-01-01",
        "involvement.0.activity": "Panel", "involvement.0.people": "4", "involvement.0.sessions": "2",
        "involvement.0.hours": "2", "involvement.0.years": ["1"],
    })
    assert page.status_code == 422
    summary = page.text[page.text.index('id="problem-summary"'):]
    summary = summary[:summary.index("</ul>")]
    shown = [html.unescape(found) for found in re.findall(r'<a href="#([a-z_-]+)">', summary)]
    assert shown == ["project-client", "project-funder", "project-priced_on"]  # as the form shows them, top down
    assert "the VAT table&#39;s first row is in force from 2011-01-04" in summary
