"""The web calculator's pages over HTTP, without JavaScript: price, correct, save, reopen, download."""

from __future__ import annotations

import re
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from copro_costing import estimate, load_rates, load_spec
from copro_costing.web.app import create_app
from copro_costing.web.security import CSRF_COOKIE
from copro_costing.web.store import latest_versions

COUNCIL = {
    "project.title": "Family Changemakers: a co-produced evaluation",
    "project.organisation": "Camden Council",
    "project.client": "external",
    "project.funder": "other",
    "project.start": "2027-01-01",
    "project.months": "24",
    "project.priced_on": "2026-11-01",
    "services.0.service": "co-evaluation-day",
    "services.0.quantity.1": "10",
    "services.0.quantity.2": "4",
    "services.1.service": "training-workshop",
    "services.1.quantity.1": "1",
    "involvement.0.activity": "Advisory panel",
    "involvement.0.people": "6",
    "involvement.0.sessions": "4",
    "involvement.0.hours": "2",
    "involvement.0.prep_hours": "1",
    "involvement.0.years": ["1", "2"],
    "expenses.0.item": "BSL interpreter",
    "expenses.0.default": "bsl-interpreter",
    "expenses.0.quantity": "4",
    "expenses.0.years": ["1", "2"],
}


class Elements(HTMLParser):
    """Each element with an id: its tag, attributes and text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self._open: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        if "id" in element["attrs"]:
            self.by_id[element["attrs"]["id"]] = element
        if tag not in ("input", "br", "meta", "link", "img"):
            self._open.append(element)

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data



@pytest.fixture
def client(rates_dir: Path, store: Path) -> TestClient:
    client = TestClient(create_app(rates_dir, store))
    client.get("/")  # as a browser does: the form page sets the CSRF cookie
    return client


def csrf_of(page_text: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page_text)[1]


def test_the_form_prices_a_council_bid_as_the_library_does(client, tmp_path):
    page = client.post("/", data=COUNCIL)
    assert page.status_code == 200, page.text
    costing_file = client.post("/", data={**COUNCIL, "action": "download-toml"})
    path = tmp_path / "council.toml"
    path.write_bytes(costing_file.content)
    costing = estimate(load_spec(path), load_rates())
    shown = Elements(page.text).by_id["total-price"]["text"]
    assert f"£{costing.totals.price:,}" in shown
    assert len(costing.spec.services) == 3  # year 1 and year 2 quantities differ: one entry each


@pytest.mark.parametrize("fmt", ["csv", "md", "json", "toml"])
def test_each_download_is_the_libraries_rendering_of_the_costing_file(client, tmp_path, fmt):
    costing_file = client.post("/", data={**COUNCIL, "action": "download-toml"})
    path = tmp_path / "council.toml"
    path.write_bytes(costing_file.content)
    costing = estimate(load_spec(path), load_rates())
    answer = client.post("/", data={**COUNCIL, "action": f"download-{fmt}"})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="family-changemakers-a-co-produced-evaluation.{fmt}"'
    expected = {"csv": costing.to_csv, "md": costing.to_markdown, "json": costing.to_json, "toml": costing.spec.to_toml}[fmt]()
    assert answer.content == expected.encode("utf-8")


def test_a_bad_value_is_shown_beside_its_field_in_the_command_lines_words(client):
    page = client.post("/", data={**COUNCIL, "services.0.quantity.2": "-4", "involvement.0.people": "six"})
    assert page.status_code == 422
    found = Elements(page.text).by_id
    error = found["services-0-quantity-2-error"]
    assert "hidden" not in error["attrs"]
    assert "must be greater than zero (got -4)" in error["text"]
    control = found["services-0-quantity-2"]
    assert control["attrs"]["aria-invalid"] == "true"
    assert "services-0-quantity-2-error" in control["attrs"]["aria-describedby"]
    assert "(got 'six')" in found["involvement-0-people-error"]["text"]
    summary = found["problem-summary"]["text"]
    assert "Service 1, year 2 quantity: must be greater than zero (got -4)" in " ".join(summary.split())


def test_a_missing_choice_and_a_year_outside_the_project(client):
    page = client.post("/", data={**COUNCIL, "project.client": "", "project.months": "12"})
    found = Elements(page.text).by_id
    assert "required field is missing" in found["project-client-error"]["text"]
    # 12 months: the year-2 quantities are not shown, so not read; nothing is outside the project
    assert "hidden" in found["services-0-quantity-2"]["attrs"] or "disabled" in found["services-0-quantity-2"]["attrs"]


def test_every_user_text_is_escaped(client, store):
    title = '<script>alert("x")</script> & co'
    page = client.post("/", data={**COUNCIL, "project.title": title, "expenses.0.note": "<img src=x onerror=alert(1)>"})
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text
    saved = client.post("/", data={**COUNCIL, "project.title": title, "action": "save", "csrf": csrf_of(page.text)})
    assert saved.status_code == 200  # followed the redirect to the reopened costing
    listing = client.get("/saved")
    assert "<script>alert" not in listing.text and "&lt;script&gt;" in listing.text


def test_rows_are_added_and_removed_without_javascript(client):
    added = Elements(client.post("/", data={**COUNCIL, "action": "add-involvement"}).text).by_id
    assert "involvement-1-activity" in added and "involvement-2-activity" not in added
    removed = client.post("/", data={**COUNCIL, "action": "remove-services-0"})
    found = Elements(removed.text).by_id
    assert found["services-0-service"]["attrs"].get("data-source") == "services"
    assert 'value="training-workshop" selected' in removed.text and "services-1-service" not in found


def test_saving_keeps_every_version_and_each_file_is_a_costing_file(client, store, capsys):
    from copro_costing import cli

    page = client.get("/")
    first = client.post("/", data={**COUNCIL, "action": "save", "csrf": csrf_of(page.text)})
    assert first.status_code == 200 and "Saved as version 1" in first.text
    costing_id = re.search(r'name="costing_id" value="([a-z0-9-]+)"', first.text)[1]
    second = client.post("/", data={**COUNCIL, "services.1.quantity.1": "2", "costing_id": costing_id,
                                    "action": "save", "csrf": csrf_of(first.text)})
    assert "Saved as version 2" in second.text
    files = sorted(p.name for p in store.iterdir())
    assert files == [f"{costing_id}--v001.toml", f"{costing_id}--v002.toml"]
    assert latest_versions(store) == [store / f"{costing_id}--v002.toml"]
    for name in files:
        assert cli.main(["quote", str(store / name), "--format", "json"]) == 0
    capsys.readouterr()
    listing = Elements(client.get("/saved").text)
    assert any("Open version 2" in e["text"] for e in listing.by_id.values()) or "Open version 2" in client.get("/saved").text
    reopened = client.get(f"/saved/{costing_id}/1")
    assert 'value="1"' in reopened.text and "(the latest is version 2)" in reopened.text
    assert client.get(f"/saved/{costing_id}/2.toml").content == (store / files[1]).read_bytes()


def test_two_people_saving_at_once_both_keep_their_work(client, store):
    csrf = csrf_of(client.get("/").text)
    first = client.post("/", data={**COUNCIL, "action": "save", "csrf": csrf})
    costing_id = re.search(r'name="costing_id" value="([a-z0-9-]+)"', first.text)[1]
    results: list[int] = []

    def save(n: int) -> None:
        answer = client.post("/", data={**COUNCIL, "services.1.quantity.1": str(n), "costing_id": costing_id,
                                        "action": "save", "csrf": csrf}, follow_redirects=False)
        results.append(answer.status_code)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(2, 10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [303] * 8
    saved = sorted(store.glob(f"{costing_id}--v*.toml"))
    assert len(saved) == 9
    quantities = sorted(load_spec(p).services[-1].quantity for p in saved)
    assert [int(q) for q in quantities] == list(range(1, 10))  # every save's own figures, none lost
    assert not list(store.glob(".*"))  # no temporary left behind


@pytest.mark.parametrize("cookie, token", [(True, "0" * 64), (False, None), (True, "")])
def test_a_save_without_a_valid_csrf_token_is_refused_and_writes_nothing(client, store, cookie, token):
    page = client.get("/")
    if not cookie:
        client.cookies.delete(CSRF_COOKIE)
    data = {**COUNCIL, "action": "save"}
    if token is not None:
        data["csrf"] = token
    else:
        data["csrf"] = csrf_of(page.text)
    answer = client.post("/", data=data)
    assert answer.status_code == 403
    assert "Not saved" in answer.text
    assert list(store.iterdir()) == []


def test_a_costing_with_problems_is_not_saved(client, store):
    page = client.get("/")
    answer = client.post("/", data={**COUNCIL, "services.0.quantity.1": "0", "action": "save", "csrf": csrf_of(page.text)})
    assert answer.status_code == 422 and "Not saved" in answer.text
    assert list(store.iterdir()) == []


def test_uploading_a_costing_file_fills_the_form(client, examples_dir):
    path = examples_dir / "family-changemakers.toml"
    page = client.post("/upload", files={"costing_file": (path.name, path.read_bytes(), "application/toml")})
    assert page.status_code == 200
    found = Elements(page.text).by_id
    assert found["project-title"]["attrs"]["value"] == "Family Changemakers: a co-produced evaluation"
    assert found["services-2-quantity-2"]["attrs"]["value"] == "4"
    assert found["involvement-0-expenses"]["attrs"]["value"] == "18.50"
    costing = estimate(load_spec(path), load_rates())
    assert f"£{costing.totals.price:,}" in found["total-price"]["text"]


def test_an_uploaded_file_with_mistakes_shows_them_with_its_line_numbers(client, examples_dir):
    text = (examples_dir / "family-changemakers.toml").read_text(encoding="utf-8").replace("people = 6", "people = 0")
    page = client.post("/upload", files={"costing_file": ("mine.toml", text.encode(), "application/toml")})
    assert page.status_code == 422
    line = text.splitlines().index("people = 0") + 1
    assert f"mine.toml:{line}: involvement entry 1: people:" in page.text
    found = Elements(page.text).by_id
    assert "greater than 0" in found["involvement-0-people-error"]["text"]


def test_an_upload_that_is_not_toml_says_so(client):
    page = client.post("/upload", files={"costing_file": ("x.toml", b"[project\n", "application/toml")})
    assert page.status_code == 422 and "TOML syntax error" in page.text


def test_the_offer_and_the_guides_are_the_published_documents(client, book):
    from copro_costing.publishing import guides, offer

    page = client.get("/offer", params={"on": "2026-11-01"})
    doc = offer.offer_document(book, __import__("datetime").date(2026, 11, 1))
    for heading in (b.text for b in doc.blocks if type(b).__name__ == "Heading"):
        assert heading.replace("&", "&amp;") in page.text
    guide = guides.guide_document(book, "nihr", __import__("datetime").date.today())
    assert guide.title in client.get("/guides/nihr").text
    assert client.get("/guides/nobody").status_code == 404
    assert client.get("/offer.xlsx").content[:2] == b"PK"


@pytest.mark.parametrize("path", ["/offer", "/offer.md", "/offer.xlsx", "/guides", "/guides/nihr", "/guides/nihr.md"])
def test_a_date_that_is_not_one_is_refused_not_replaced_by_today(client, path):
    page = client.get(path, params={"on": "2026-13-01"})
    assert page.status_code == 422
    assert "on: expected a date as YYYY-MM-DD (got &#39;2026-13-01&#39;)" in page.text
    assert "Traceback" not in page.text


@pytest.mark.parametrize(("path", "said"), [
    ("/offer", "co-producer rate &#39;standard&#39; is not in force on 1991-01-01: its first row is in force from"),
    ("/offer.md", "co-producer rate &#39;standard&#39; is not in force on 1991-01-01"),
    ("/offer.xlsx", "co-producer rate &#39;standard&#39; is not in force on 1991-01-01"),
    ("/guides/nihr", "funder &#39;nihr&#39; has no rates in force on 1991-01-01: its first row is in force from"),
    ("/guides/nihr.md", "funder &#39;nihr&#39; has no rates in force on 1991-01-01"),
])
def test_a_date_before_the_rate_tables_begin_says_from_when_as_the_command_line_does(client, path, said):
    page = client.get(path, params={"on": "1991-01-01"})
    assert page.status_code == 404  # never a fault (500): nothing is in force to show
    assert said in page.text and "<h1>Not found</h1>" in page.text


def test_the_guides_for_a_date_keep_it_in_their_links_and_say_when_there_are_none(client):
    listed = client.get("/guides", params={"on": "2025-01-01"}).text
    assert 'href="/guides/nihr?on=2025-01-01"' in listed
    assert 'href="/guides/nihr.md?on=2025-01-01"' in client.get("/guides/nihr", params={"on": "2025-01-01"}).text
    assert "No funder has rules in force on 1991-01-01" in client.get("/guides", params={"on": "1991-01-01"}).text


def test_a_long_date_that_is_not_one_is_shown_cut_short(client):
    page = client.get("/offer", params={"on": "9" * 5000})
    assert page.status_code == 422 and "9" * 41 not in page.text and "9" * 40 + "…" in page.text


def test_without_a_store_there_is_no_saving(rates_dir):
    client = TestClient(create_app(rates_dir))
    assert "Save this costing" not in client.get("/").text
    assert client.get("/saved").status_code == 404


def test_unknown_pages_are_a_friendly_404(client):
    for url in ("/nothing", "/saved/no-such-costing", "/saved/../../etc/passwd", "/saved/x/notanumber"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert "Traceback" not in answer.text


def test_behind_a_proxy_every_link_and_form_points_under_its_path(rates_dir, store):
    client = TestClient(create_app(rates_dir, store), root_path="/costing")
    page = client.get("/")
    assert 'href="/costing/offer"' in page.text and 'action="/costing/"' in page.text
    assert 'data-preview="/costing/preview"' in page.text and 'src="/costing/static/app.js"' in page.text
    assert not re.search(r'(href|action|src)="/(?!costing/)', page.text)


def test_the_portfolio_report_counts_a_saved_costing_once_at_its_latest_version(client, store, capsys):
    import json

    from copro_costing import cli

    page = client.get("/")
    first = client.post("/", data={**COUNCIL, "action": "save", "csrf": csrf_of(page.text)})
    costing_id = re.search(r'name="costing_id" value="([a-z0-9-]+)"', first.text)[1]
    client.post("/", data={**COUNCIL, "services.1.quantity.1": "3", "costing_id": costing_id,
                           "action": "save", "csrf": csrf_of(first.text)})
    client.post("/", data={**COUNCIL, "project.title": "Another bid", "action": "save", "csrf": csrf_of(first.text)})
    assert len(list(store.glob("*.toml"))) == 3
    assert cli.main(["portfolio", str(store), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["costings"] == 2
    latest = estimate(load_spec(store / f"{costing_id}--v002.toml"), load_rates())
    other = next(p for p in store.glob("another-bid-*--v001.toml"))
    both = latest.totals.price + estimate(load_spec(other), load_rates()).totals.price
    assert report["by_stage"]["draft"]["price"] == str(both)
