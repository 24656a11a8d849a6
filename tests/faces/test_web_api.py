"""The web calculator's JSON API over HTTP: the same answers and the same problems as the command line."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from copro_costing import cli
from copro_costing.money import money_str
from copro_costing.pricing.catalogue import catalogue
from copro_costing.web.app import create_app

TOML = {"content-type": "application/toml"}



@pytest.fixture
def client(rates_dir: Path) -> TestClient:
    return TestClient(create_app(rates_dir))


def cli_output(capsys, *args: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def as_json_text(data: object) -> str:
    """A costing file's data as JSON: dates as YYYY-MM-DD strings, amounts as JSON numbers."""
    def plain(value: object) -> object:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, date):
            return value.isoformat()
        return value

    return json.dumps(plain(data))


EXAMPLES = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "examples").glob("*.toml"))


@pytest.mark.parametrize("example", EXAMPLES)
def test_quote_answers_exactly_what_the_command_prints(client, examples_dir, capsys, example):
    path = examples_dir / example
    code, printed, _ = cli_output(capsys, "quote", path, "--format", "json")
    assert code == 0
    answer = client.post("/api/quote", content=path.read_bytes(), headers=TOML)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.text == printed


def test_the_same_structure_as_json_gets_the_same_answer(client, examples_dir, capsys):
    path = examples_dir / "family-changemakers.toml"
    _, printed, _ = cli_output(capsys, "quote", path, "--format", "json")
    body = as_json_text(tomllib.loads(path.read_text(encoding="utf-8")))
    answer = client.post("/api/quote", content=body, headers={"content-type": "application/json; charset=utf-8"})
    assert answer.status_code == 200, answer.text
    assert answer.text == printed


def test_bad_input_is_a_422_with_every_problem_in_the_command_lines_words(client, tmp_path, spec_toml, capsys):
    text = spec_toml(
        '[[services]]\nservice = "no-such-service"\nquantity = 1\nyear = 1\n\n'
        '[[involvement]]\nactivity = "Panel"\npeople = 0\nsessions = 2\nhours = 2\nyear = 5\n',
        months=24,
    )
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = cli_output(capsys, "quote", path)
    assert code == 2
    printed = [line.removeprefix(f"{path}:") for line in err.splitlines() if line.startswith(str(path))]

    answer = client.post("/api/quote", content=text, headers=TOML)
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert problems and all(set(p) == {"file", "line", "field", "message"} for p in problems)
    assert [f"{p['line']}: {p['field']}: {p['message']}" for p in problems] == printed


def test_a_json_syntax_error_names_its_line(client):
    answer = client.post("/api/quote", content='{"project":\n  {"title": "x",}\n}', headers={"content-type": "application/json"})
    assert answer.status_code == 422
    [problem] = answer.json()["problems"]
    assert problem["line"] == 2 and problem["message"].startswith("JSON syntax error")


JSON_BID = """{
  "project": {
    "title": "Council co-evaluation",
    "client": "external",
    "funder": "nihrr",
    "start": "2027-01-01",
    "months": 24,
    "priced_on": "2026-11-01"
  },
  "services": [
    {"service": "co-evaluation-day", "quantity": 10, "years": [1, 2]},
    {"service": "training-worshop",
     "quantity": -1,
     "year": 1}
  ],
  "involvement": [
    {"activity": "Panel", "people": 6, "sessions": 4, "hours": 2, "year": 3, "tier": "gold"}
  ]
}"""


def test_problems_in_a_json_body_name_their_lines_in_document_order(client, find_line):
    answer = client.post("/api/quote", content=JSON_BID, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert [(p["line"], p["field"]) for p in answer.json()["problems"]] == [
        (find_line(JSON_BID, '"nihrr"'), "project.funder"),
        (find_line(JSON_BID, '"training-worshop"'), "services entry 2: service"),
        (find_line(JSON_BID, '"quantity": -1'), "services entry 2: quantity"),
        (find_line(JSON_BID, '"tier": "gold"'), "involvement entry 1: year"),
        (find_line(JSON_BID, '"tier": "gold"'), "involvement entry 1: tier"),
    ]


@pytest.mark.parametrize("depth", [40, 100_000])
def test_json_nested_deeper_than_any_costing_is_a_problem_not_a_fault(client, depth):
    body = '{"project": ' + "[" * depth + "]" * depth + "}"
    answer = client.post("/api/quote", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    (problem,) = answer.json()["problems"]
    assert problem["line"] == 1 and problem["message"] == "values are nested more than 32 deep"


def test_a_toml_syntax_error_names_its_line(client):
    answer = client.post("/api/quote", content="[project]\ntitle = \n", headers=TOML)
    assert answer.status_code == 422
    [problem] = answer.json()["problems"]
    assert problem["line"] == 2 and "TOML syntax error" in problem["message"]


@pytest.mark.parametrize("body", ["[1, 2]", '"a costing"'])
def test_json_that_is_not_an_object_is_a_problem(client, body):
    answer = client.post("/api/quote", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert "JSON object" in answer.json()["problems"][0]["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_neither_toml_nor_json_is_refused_with_415(client, examples_dir, content_type):
    body = (examples_dir / "hearing-checks.toml").read_bytes()
    answer = client.post("/api/quote", content=body, headers={"content-type": content_type} if content_type else {})
    assert answer.status_code == 415
    assert "application/toml" in answer.json()["detail"]


def test_a_body_over_one_megabyte_is_refused_with_413(client, examples_dir):
    body = (examples_dir / "hearing-checks.toml").read_bytes()
    big = body + b"\n# padding\n" * (1024 * 1024 // 11 + 1)
    assert len(big) > 1024 * 1024
    answer = client.post("/api/quote", content=big, headers=TOML)
    assert answer.status_code == 413
    assert "larger than" in answer.json()["problems"][0]["message"]


def test_a_streamed_body_over_one_megabyte_is_refused_too(client):
    def chunks():  # no Content-Length: the size is only known by reading
        for _ in range(17):
            yield b"#" * 65536

    answer = client.post("/api/quote", content=chunks(), headers=TOML)
    assert answer.status_code == 413


def test_a_body_just_under_the_limit_is_read(client, examples_dir):
    body = (examples_dir / "hearing-checks.toml").read_bytes()
    padded = body + b"#" * (1024 * 1024 - len(body) - 1) + b"\n"
    assert len(padded) == 1024 * 1024
    assert client.post("/api/quote", content=padded, headers=TOML).status_code == 200


def test_services_lists_the_catalogue_priced_by_the_library(client, book):
    on = date(2026, 11, 1)
    answer = client.get("/api/services", params={"on": on.isoformat()})
    assert answer.status_code == 200
    listed = answer.json()["services"]
    expected = catalogue(book, on)
    assert [s["id"] for s in listed] == [e.service.id for e in expected]
    assert [(s["internal_price"], s["external_price"]) for s in listed] == [
        (money_str(e.internal_price), money_str(e.external_price)) for e in expected
    ]


def test_the_openapi_document_describes_the_api(client):
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    assert set(paths) == {"/api/quote", "/api/services", "/api/health"}
    assert set(paths["/api/quote"]["post"]["requestBody"]["content"]) == {"application/toml", "application/json"}
    assert {"413", "415", "422"} <= set(paths["/api/quote"]["post"]["responses"])


def test_no_page_loads_anything_from_elsewhere(client):
    for url in ("/", "/offer", "/guides", "/guides/ukri"):
        page = client.get(url)
        assert page.status_code == 200
        assert "http://" not in page.text and "https://" not in page.text, url
        assert "'self'" in page.headers["content-security-policy"]


def test_a_fault_never_shows_a_traceback_but_a_reference_in_the_log(rates_dir, examples_dir, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("copro_costing.web.quoting.estimate", broken)
    client = TestClient(create_app(rates_dir), raise_server_exceptions=False)
    api = client.post("/api/quote", content=(examples_dir / "hearing-checks.toml").read_bytes(), headers=TOML)
    assert api.status_code == 500
    assert "secret detail" not in api.text and "Traceback" not in api.text
    reference = api.json()["detail"].split("reference ")[1].rstrip(")")
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None and "secret detail" in str(logged[0].exc_info[1])

    page = client.post("/", data={"project.title": "A", "project.client": "internal", "project.funder": "ukri",
                                  "project.start": "2027-01-01", "project.months": "12"})
    assert page.status_code == 500
    assert "secret detail" not in page.text and "Traceback" not in page.text
    assert "reference" in page.text


def test_broken_rate_tables_are_a_503_not_a_traceback(rates_copy, examples_dir):
    (rates_copy / "roles.toml").write_text("[[roles]]\nid = 1\n", encoding="utf-8")
    client = TestClient(create_app(rates_copy), raise_server_exceptions=False)
    answer = client.post("/api/quote", content=(examples_dir / "hearing-checks.toml").read_bytes(), headers=TOML)
    assert answer.status_code == 503
    assert client.get("/").status_code == 503


def test_the_rate_tables_cannot_be_changed_through_the_web(rates_copy, examples_dir):
    """No method but GET and POST is served, and using every POST leaves the rates folder as it was."""
    def snapshot() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(rates_copy.rglob("*")) if p.is_file()}

    before = snapshot()
    client = TestClient(create_app(rates_copy))
    body = (examples_dir / "hearing-checks.toml").read_bytes()
    for path in ("/", "/offer", "/guides", "/api/quote", "/api/services", "/rates", "/api/rates"):
        for method in ("PUT", "PATCH", "DELETE"):
            assert client.request(method, path, content=body).status_code in (404, 405), (method, path)
    assert client.post("/api/quote", content=body, headers=TOML).status_code == 200
    assert client.post("/upload", files={"costing_file": ("rates.toml", body)}).status_code == 200
    assert client.post("/", data={"project.title": "x", "action": "download-xlsx"}).status_code == 422
    assert client.post("/preview", data={"project.title": "x"}).status_code == 200
    assert snapshot() == before


def test_an_update_to_the_rate_tables_is_served_within_a_second_without_a_restart(rates_copy, examples_dir, monkeypatch):
    from copro_costing.web import app as web_app

    clock = [1000.0]
    monkeypatch.setattr(web_app.time, "monotonic", lambda: clock[0])
    client = TestClient(create_app(rates_copy))
    body = (examples_dir / "hearing-checks.toml").read_bytes()
    headers = {"content-type": "application/toml"}
    before = client.post("/api/quote", content=body, headers=headers).json()["rates"]["sha256"]
    vat = rates_copy / "tax.toml"
    vat.write_text(vat.read_text(encoding="utf-8").replace("percent = 20", "percent = 21", 1), encoding="utf-8")
    clock[0] += 0.5  # the files' dates are not looked at again within the second
    assert client.post("/api/quote", content=body, headers=headers).json()["rates"]["sha256"] == before
    clock[0] += 0.5
    after = client.post("/api/quote", content=body, headers=headers).json()["rates"]["sha256"]
    assert after != before


def test_a_client_that_goes_away_mid_body_is_no_fault(rates_dir, caplog):
    import asyncio

    app = create_app(rates_dir)
    sent: list[dict] = []
    parts = iter([{"type": "http.request", "body": b"[project]\n", "more_body": True}, {"type": "http.disconnect"}])

    async def receive() -> dict:
        return next(parts)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/quote", "raw_path": b"/api/quote", "root_path": "", "query_string": b"",
             "headers": [(b"content-type", b"application/toml")], "client": ("127.0.0.1", 1), "server": ("x", 80)}
    with caplog.at_level("INFO", logger="copro_costing.web"):
        asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 400
    assert "went away" in caplog.text and "unexpected error" not in caplog.text
