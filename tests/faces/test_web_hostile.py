"""Form posts no browser would send, uploads too big for the form, and a store that goes
away: each gets a clear page (422, or 503 for the store), never a fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from copro_costing.web.app import create_app
from copro_costing.web.form import MAX_ROWS

PROJECT = {
    "project.title": "Panel", "project.client": "external", "project.funder": "other", "project.start": "2027-01-01",
    "project.months": "24", "project.priced_on": "2026-11-01",
}
HUGE = "1" + "0" * 5000  # more digits than Python reads as a whole number


@pytest.fixture
def client(rates_dir: Path, store: Path) -> TestClient:
    client = TestClient(create_app(rates_dir, store), raise_server_exceptions=False)
    client.get("/")
    return client


@pytest.mark.parametrize("fields", [
    {"project.months": HUGE},
    {"involvement.0.activity": "Panel", "involvement.0.people": HUGE},
    {"involvement.0.activity": "Panel", "involvement.0.years": "²"},  # a digit to str.isdigit, not to int()
    {"involvement.0.activity": "Panel", "involvement.0.years": HUGE},
    {"services." + "9" * 5000 + ".service": "training-workshop"},
    {"action": "remove-services-" + "9" * 5000},
])
def test_a_form_no_browser_sends_gets_a_page_not_a_fault(client, fields):
    page = client.post("/", data={**PROJECT, **fields})
    assert page.status_code in (200, 422), page.text[:300]
    assert "Traceback" not in page.text


def test_the_largest_form_the_page_offers_can_be_submitted(client):
    rows = {f"services.{i}.{name}": value for i in range(120)
            for name, value in (("service", "training-workshop"), ("decision", ""), ("reason", ""), ("note", ""))}
    rows |= {f"services.{i}.quantity.{y}": "1" for i in range(120) for y in range(1, 11)}
    page = client.post("/", data={**PROJECT, "project.months": "120", **rows})
    assert len(rows) > 1000 and page.status_code == 200, page.text[:300]  # more than the framework's default limit


def test_an_upload_with_more_entries_than_the_form_holds_says_so(client):
    services = "".join('[[services]]\nservice = "training-workshop"\nquantity = 1\nyear = 1\n'
                       for _ in range(MAX_ROWS + 1))
    text = '[project]\ntitle = "x"\nclient = "external"\nfunder = "other"\nstart = 2027-01-01\nmonths = 12\n' + services
    page = client.post("/upload", files={"costing_file": ("big.toml", text.encode(), "application/toml")})
    assert page.status_code == 422
    assert (f"the form holds at most {MAX_ROWS} entries of each kind and this file has {MAX_ROWS + 1} services "
            "entries: price it with copro-costing quote") in page.text


def test_an_upload_saved_as_utf16_says_so(client):
    text = '[project]\ntitle = "x"\n'.encode("utf-16")
    page = client.post("/upload", files={"costing_file": ("bid.toml", text, "application/toml")})
    assert page.status_code == 422 and "saved as UTF-16 text: save it as UTF-8" in page.text


def test_a_store_folder_that_has_gone_is_a_503_page_and_the_form_keeps_working(client, store, caplog):
    shutil.rmtree(store)
    for path in ("/saved", "/saved/anything", "/saved/anything/1", "/saved/anything/1.toml"):
        page = client.get(path)
        assert page.status_code == 503 and "The saved costings cannot be reached just now" in page.text, path
    assert "cannot read" in caplog.text  # the details are for the server's log
    assert client.post("/", data=PROJECT).status_code in (200, 422)


def test_a_folder_named_like_a_saved_version_is_not_taken_for_one(client, store):
    (store / "dir--v001.toml").mkdir()
    assert client.get("/saved").status_code == 200
    assert client.get("/saved/dir/1").status_code == 404
    assert client.get("/saved/dir/1.toml").status_code == 404
