"""The calculator in a real browser: Debian's Chromium, headless, driven by Playwright.

A realistic bid is typed in (an external council's co-evaluation over two years, with an
advisory panel, a BSL interpreter and a training workshop), the totals are watched as
they change, and the workbook downloaded from the page is compared byte for byte with
the command line's workbook for the costing file downloaded beside it. A bad value must
show its message beside its field, and the whole form must be usable from the keyboard.

Set ``COPRO_COSTING_SCREENSHOT=docs/web-form.png`` to save the screenshot in the README.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("playwright.sync_api")
import uvicorn
from playwright import sync_api as playwright

from copro_costing import cli, estimate, format_money, load_rates, load_spec
from copro_costing.ratebook.folder import ENV_VAR
from copro_costing.web.app import create_app
from spreadsheet import in_ci

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
expect = playwright.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory, rates_dir: Path) -> Iterator[str]:
    """The calculator on a free port of this machine, in a thread, for the module's tests."""
    os.environ.pop(ENV_VAR, None)
    store = tmp_path_factory.mktemp("store")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = uvicorn.Server(uvicorn.Config(create_app(rates_dir, store), log_level="warning"))
    thread = threading.Thread(target=app.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not app.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    app.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if in_ci():
            pytest.fail(message + "; under CI=true the browser tests must run")
        pytest.skip(message)
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                     args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(server + "/")
    yield page
    context.close()


def total(page) -> str:
    return page.locator("#total-price").inner_text()


def changes(page, before: str) -> str:
    """Wait for the server's new totals to replace ``before``; return them."""
    expect(page.locator("#total-price")).not_to_have_text(before, timeout=10_000)
    return total(page)


def download(page, button: str, folder: Path) -> Path:
    with page.expect_download() as caught:
        page.get_by_role("button", name=button).click()
    path = folder / caught.value.suggested_filename
    caught.value.save_as(path)
    return path


def fill_project(page) -> None:
    page.get_by_label("Project title").fill("Family Changemakers: a co-produced evaluation")
    page.get_by_label("Organisation").fill("Camden Council")
    page.get_by_label("Client").select_option("external")
    page.get_by_label(re.compile(r"^Funder \(required\)")).select_option("other")
    page.get_by_label("Start date").fill("2027-01-01")
    page.get_by_label("Length in months").fill("24")
    page.get_by_label("Price with the rates in force on").fill("2026-11-01")


def test_a_council_bid_typed_in_prices_and_downloads_the_clis_workbook(page, tmp_path, capsys):
    blank = total(page)
    fill_project(page)
    seen = [changes(page, blank)]
    assert "£0.00" in seen[-1]  # a project with no lines yet

    page.locator("#services-0-service").select_option("co-evaluation-day")
    page.locator("#services-0-quantity-1").fill("10")
    page.locator("#services-0-quantity-2").fill("4")
    seen.append(changes(page, seen[-1]))
    page.get_by_role("button", name="Add a service").click()
    page.locator("#services-1-service").select_option("training-workshop")
    page.locator("#services-1-quantity-1").fill("1")
    seen.append(changes(page, seen[-1]))

    page.locator("#involvement-0-activity").fill("Advisory panel of parents and carers")
    page.locator("#involvement-0-people").fill("6")
    page.locator("#involvement-0-sessions").fill("4")
    page.locator("#involvement-0-hours").fill("2")
    page.locator("#involvement-0-prep_hours").fill("1")
    page.locator("#involvement-0-years-1").check()
    page.locator("#involvement-0-years-2").check()
    seen.append(changes(page, seen[-1]))

    page.locator("#expenses-0-item").fill("BSL interpreter for panel meetings")
    page.locator("#expenses-0-default").select_option("bsl-interpreter")
    page.locator("#expenses-0-quantity").fill("4")
    page.locator("#expenses-0-years-1").check()
    page.locator("#expenses-0-years-2").check()
    seen.append(changes(page, seen[-1]))
    assert len(set(seen)) == len(seen)  # every step changed the totals

    if target := os.environ.get("COPRO_COSTING_SCREENSHOT"):
        page.evaluate("window.scrollTo(0, 0)")
        page.locator("#services-0-quantity-2").focus()  # shows the visible focus too
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=target, full_page=False)

    costing_file = download(page, "Costing file (TOML)", tmp_path)
    workbook = download(page, "Workbook (Excel)", tmp_path)
    costing = estimate(load_spec(costing_file), load_rates())
    assert format_money(costing.totals.price) in total(page)
    assert {line.description for line in costing.lines} >= {"Co-evaluation day", "Co-production training workshop"}

    from_cli = tmp_path / "cli.xlsx"
    assert cli.main(["quote", str(costing_file), "-o", str(from_cli)]) == 0
    capsys.readouterr()
    assert workbook.read_bytes() == from_cli.read_bytes()


def test_a_bad_value_shows_its_message_beside_its_field(page):
    fill_project(page)
    page.locator("#services-0-service").select_option("co-evaluation-day")
    page.locator("#services-0-quantity-1").fill("10")
    page.locator("#services-0-quantity-2").fill("-4")
    message = page.locator("#services-0-quantity-2-error")
    expect(message).to_be_visible(timeout=10_000)
    expect(message).to_contain_text("must be greater than zero (got -4)")
    field = page.locator("#services-0-quantity-2")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "services-0-quantity-2-error" in field.get_attribute("aria-describedby")
    expect(page.locator("#total-price")).to_contain_text("problem")
    expect(page.locator("#problem-status")).to_have_text("1 problem to fix")
    untouched = page.locator("#involvement-0-activity-error")
    expect(untouched).to_be_hidden()  # nothing is said about fields not reached yet

    field.fill("4")
    expect(message).to_be_hidden(timeout=10_000)
    expect(page.locator("#total-price")).to_contain_text("£")


def active(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {id: e.id, tag: e.tagName, text: (e.innerText || '').trim(), value: e.value,
                outline: s.outlineStyle, shadow: s.boxShadow}; }""")


def tab_to(page, wanted, limit: int = 400) -> dict:
    """Press Tab until the control ``wanted`` (an id, or a button's text) has focus, checking focus is visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = active(page)
        if wanted in (now["id"], now["text"]):
            assert now["outline"] != "none" or now["shadow"] != "none", f"no visible focus on {wanted}"
            return now
    raise AssertionError(f"{wanted} cannot be reached with the Tab key")


def test_the_whole_form_can_be_completed_with_the_keyboard_alone(page, tmp_path):
    keys = page.keyboard
    tab_to(page, "project-title")
    keys.type("Keyboard-only costing")
    tab_to(page, "project-client")
    keys.type("Ext")
    tab_to(page, "project-funder")
    keys.type("Other")
    tab_to(page, "project-start")
    keys.type("2027-01-01")
    tab_to(page, "project-months")
    keys.press("Control+A")
    keys.type("24")
    tab_to(page, "services-0-service")
    keys.type("Co-production training")
    tab_to(page, "services-0-quantity-1")
    keys.type("1")
    tab_to(page, "Add a service")
    keys.press("Enter")
    assert active(page)["id"] == "services-1-service"  # focus moves into the new row
    keys.type("Co-evaluation")
    tab_to(page, "services-1-quantity-2")
    keys.type("3")
    tab_to(page, "involvement-0-activity")
    keys.type("Advisory panel")
    for name, value in (("people", "6"), ("sessions", "4"), ("hours", "2")):
        tab_to(page, f"involvement-0-{name}")
        keys.type(value)
    tab_to(page, "involvement-0-years-1")
    keys.press("Space")
    keys.press("Enter")  # Enter in the form: update the totals
    expect(page.locator("#total-price")).to_contain_text("£", timeout=10_000)
    assert page.locator("#services-1-service").input_value() == "co-evaluation-day"
    assert page.locator("#project-client").input_value() == "external"

    tab_to(page, "Remove service 2")
    keys.press("Enter")
    assert page.locator("#services-1-service").count() == 0
    assert active(page)["id"] == "services-0-service"  # focus is not lost
    with page.expect_download() as caught:
        tab_to(page, "Workbook (Excel)")
        keys.press("Enter")
    assert caught.value.suggested_filename == "keyboard-only-costing.xlsx"


def test_without_javascript_a_submit_recalculates(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    fill_project(page)
    page.locator("#services-0-service").select_option("initial-consultation")
    page.locator("#services-0-quantity-1").fill("1")
    page.get_by_role("button", name="Update the totals").click()
    expect(page.locator("#total-price")).to_contain_text("£")
    page.locator("#services-0-quantity-1").fill("0")
    page.get_by_role("button", name="Update the totals").click()
    expect(page.locator("#services-0-quantity-1-error")).to_contain_text("must be greater than zero (got 0)")
    expect(page.get_by_role("link", name=re.compile("Service 1, year 1 quantity"))).to_be_visible()
    context.close()
