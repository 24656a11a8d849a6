"""Quotes handed to a pricing process while others wait: the same answers as the server's own pricing."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from copro_costing import cli, load_rates
from copro_costing.web import pricer as pricer_module
from copro_costing.web.pricer import QuotePricer
from copro_costing.web.pricing_process import PricingFault, ProcessGone
from copro_costing.web.quoting import Answer, answer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pricing processes are for POSIX systems")

TOML = "application/toml"
BROKEN = b'[project]\ntitle = "A bid"\nclient = "everyone"\n'


def until_sync(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


async def until(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited for a pricing process in vain"
        await asyncio.sleep(0.05)


async def until_ready(pricer: QuotePricer) -> None:
    await until(pricer.ready)


@pytest.fixture
def bodies(examples_dir: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(examples_dir.glob("*.toml"))] + [BROKEN]


async def together(pricer: QuotePricer, bodies: list[bytes], book) -> list[Answer]:
    return list(await asyncio.gather(*(pricer.quote(body, TOML, book) for body in bodies)))


async def priced_alike(pricer: QuotePricer, bodies: list[bytes], book) -> None:
    """Asked together, every body is answered exactly as the server itself answers it."""
    assert await together(pricer, bodies, book) == [answer(body, TOML, book) for body in bodies]


def handed_over_and_priced_alike(rates: Path, bodies: list[bytes], handed_over: int | None = None) -> None:
    """With one pricing process, once it is ready: bodies asked together are answered as the server
    answers them, ``handed_over`` of them (default: all) by the pricing process."""
    book = load_rates(rates)

    async def scenario(pricer: QuotePricer) -> None:
        await until_ready(pricer)
        await priced_alike(pricer, bodies, book)
        assert pricer.handed_over == (len(bodies) if handed_over is None else handed_over)

    with_pricer(rates, 1, scenario)


def with_pricer(rates: Path, processes: int, scenario: Callable[[QuotePricer], Awaitable[None]]) -> None:
    """Run ``scenario`` against a started pricer in one event loop, closing it after."""
    async def run() -> None:
        pricer = QuotePricer(processes)
        await pricer.start()
        try:
            await scenario(pricer)
        finally:
            await pricer.close()

    asyncio.run(run())


def test_quotes_asked_for_together_are_priced_by_the_pricing_process_to_the_same_answers(rates_dir, bodies):
    book = load_rates(rates_dir)

    async def scenario(pricer: QuotePricer) -> None:
        await until_ready(pricer)
        got = await together(pricer, bodies, book)
        assert got == [answer(body, TOML, book) for body in bodies]
        assert pricer.handed_over == len(bodies)
        assert [a.kind for a in got].count("json") == len(bodies) - 1
        assert "project.client" in {p.field for p in got[-1].problems}

    with_pricer(rates_dir, 1, scenario)


def test_quotes_beyond_what_a_pricing_process_may_have_waiting_are_priced_in_the_server(rates_dir, bodies, monkeypatch):
    monkeypatch.setattr(pricer_module, "MAX_WAITING", 3)
    handed_over_and_priced_alike(rates_dir, bodies, 3)


def test_two_pricing_processes_share_the_quotes(rates_dir, bodies):
    book = load_rates(rates_dir)

    async def scenario(pricer: QuotePricer) -> None:
        await until(lambda: all(p.ready for p in pricer.running) and len(pricer.running) == 2)
        await priced_alike(pricer, bodies, book)
        assert pricer.handed_over == len(bodies)
        assert all(p.answered > 0 for p in pricer.running)

    with_pricer(rates_dir, 2, scenario)


def test_a_quote_asked_for_alone_is_priced_in_the_server(rates_dir, bodies):
    book = load_rates(rates_dir)

    async def scenario(pricer: QuotePricer) -> None:
        await until_ready(pricer)
        for body in bodies:
            assert await pricer.quote(body, TOML, book) == answer(body, TOML, book)
        assert pricer.handed_over == 0

    with_pricer(rates_dir, 1, scenario)


def test_with_no_pricing_process_every_quote_is_priced_in_the_server(rates_dir, bodies):
    book = load_rates(rates_dir)

    async def scenario(pricer: QuotePricer) -> None:
        assert not pricer.ready() and pricer.pids == []
        await priced_alike(pricer, bodies, book)
        assert pricer.handed_over == 0

    with_pricer(rates_dir, 0, scenario)


def test_quotes_given_up_while_handed_over_leave_the_others_their_own_answers(rates_dir, bodies):
    book = load_rates(rates_dir)
    many = bodies * 4

    async def scenario(pricer: QuotePricer) -> None:
        await until_ready(pricer)
        for _ in range(5):
            tasks = [asyncio.create_task(pricer.quote(body, TOML, book)) for body in many]
            await asyncio.sleep(0.002)
            for task in tasks[1::3]:
                task.cancel()  # as a client that goes away
            for body, task in zip(many, tasks, strict=True):
                with contextlib.suppress(asyncio.CancelledError):
                    assert await task == answer(body, TOML, book)
        assert pricer.handed_over > 0

    with_pricer(rates_dir, 1, scenario)


def test_a_pricing_process_that_dies_is_replaced_and_no_quote_is_lost(rates_dir, bodies):
    book = load_rates(rates_dir)
    expected = [answer(body, TOML, book) for body in bodies]

    async def scenario(pricer: QuotePricer) -> None:
        await until_ready(pricer)
        [first] = pricer.running
        os.kill(first.pid, signal.SIGKILL)
        assert await together(pricer, bodies, book) == expected  # priced in the server meanwhile
        await until(lambda: first.gone)
        with pytest.raises(ProcessGone):
            await first.ask(bodies[0], TOML, book)  # at once, not waiting for ever
        await until_ready(pricer)
        assert pricer.pids != [first.pid] and first.exit_status == -signal.SIGKILL
        handed = pricer.handed_over
        assert await together(pricer, bodies, book) == expected
        assert pricer.handed_over == handed + len(bodies)

    with_pricer(rates_dir, 1, scenario)


def test_a_stuck_pricing_process_is_stopped_and_the_quote_it_had_is_not_priced_again(rates_dir, bodies, monkeypatch, caplog):
    monkeypatch.setattr(pricer_module, "STUCK_AFTER", 0.5)
    book = load_rates(rates_dir)
    expected = [answer(body, TOML, book) for body in bodies]

    async def scenario(pricer: QuotePricer) -> None:
        await until_ready(pricer)
        [stuck] = pricer.running
        os.kill(stuck.pid, signal.SIGSTOP)
        got = await together(pricer, bodies, book)
        assert [a.kind for a in got].count("stuck") == 1  # the one it was pricing, perhaps what stopped it
        assert all(a == e for a, e in zip(got, expected, strict=True) if a.kind != "stuck")  # the rest in the server
        await until(lambda: stuck.gone)
        await until_ready(pricer)
        assert pricer.pids != [stuck.pid]

    with caplog.at_level("INFO", logger="copro_costing.web"):
        with_pricer(rates_dir, 1, scenario)
    assert caplog.text.count("answered nothing") == 1


def test_a_pricing_process_ignores_a_service_stop_even_while_it_starts(rates_dir, bodies):
    book = load_rates(rates_dir)

    async def scenario(pricer: QuotePricer) -> None:
        [process] = pricer.running
        os.kill(process.pid, signal.SIGTERM)  # at once: it is still loading its code
        os.kill(process.pid, signal.SIGINT)
        await until_ready(pricer)
        assert pricer.running == (process,)
        await priced_alike(pricer, bodies, book)
        assert process.answered == len(bodies)

    with_pricer(rates_dir, 1, scenario)


def test_a_pricing_process_that_cannot_be_started_is_tried_again_later(rates_dir, bodies, monkeypatch, caplog):
    from copro_costing.web import pricing_process

    monkeypatch.setattr(pricer_module, "REPLACE_AFTER", 0.05)
    real = pricing_process.subprocess.Popen
    refusals = [OSError(11, "Resource temporarily unavailable")]

    def popen(*args, **kwargs):
        if refusals:
            raise refusals.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(pricing_process.subprocess, "Popen", popen)
    book = load_rates(rates_dir)

    async def scenario(pricer: QuotePricer) -> None:
        assert pricer.running == ()  # the first start was refused
        await priced_alike(pricer, bodies, book)
        await until_ready(pricer)  # the second was not
        await together(pricer, bodies, book)
        assert pricer.handed_over == len(bodies)

    with caplog.at_level("INFO", logger="copro_costing.web"):
        with_pricer(rates_dir, 1, scenario)
    assert "could not start a pricing process (" in caplog.text and "trying again" in caplog.text


@pytest.mark.parametrize(("usable", "processes"), [(1, 0), (2, 1), (8, 1)])
def test_serve_starts_a_pricing_process_where_it_may_use_a_second_core(monkeypatch, usable, processes):
    # the cores counted as the portfolio report counts them: tests/ground/test_processors.py
    monkeypatch.setattr(pricer_module, "usable_processors", lambda: usable)
    assert pricer_module.default_processes() == processes


def test_the_pricing_process_is_given_the_servers_warning_options(monkeypatch):
    from copro_costing.web import pricing_process

    monkeypatch.setattr(sys, "warnoptions", ["error::DeprecationWarning"])
    flags = pricing_process._flags()
    assert flags[flags.index("-W") + 1] == "error::DeprecationWarning"


def test_the_pricing_process_prices_with_the_tables_the_server_has(rates_copy, bodies):
    """Not the files' newest state before the server has read it, however the seconds fall."""
    old = load_rates(rates_copy)
    tax = rates_copy / "tax.toml"

    async def scenario(pricer: QuotePricer) -> None:
        await until_ready(pricer)
        tax.write_text(tax.read_text(encoding="utf-8").replace("percent = 20", "percent = 21", 1), "utf-8")
        assert await together(pricer, bodies, old) == [answer(body, TOML, old) for body in bodies]
        new = load_rates(rates_copy)
        assert new is not old
        got = await together(pricer, bodies, new)
        assert got == [answer(body, TOML, new) for body in bodies] != [answer(body, TOML, old) for body in bodies]
        assert pricer.handed_over == 2 * len(bodies)

    with_pricer(rates_copy, 1, scenario)


def test_a_fault_in_the_pricing_process_reaches_the_server_with_its_traceback(rates_dir):
    async def scenario(pricer: QuotePricer) -> None:
        await until_ready(pricer)
        [process] = pricer.running
        with pytest.raises(PricingFault, match="AttributeError"):
            await process.ask(b"", None, load_rates(rates_dir))  # type: ignore[arg-type]  # no content type: a fault, not a mistake
        assert process.ready  # and it goes on answering

    with_pricer(rates_dir, 1, scenario)


# The server as it runs ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port: int, body: bytes) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/api/quote", body=body, headers={"content-type": TOML})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.mark.parametrize(("stop", "slow"), [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGTERM, True)],
                         ids=["ctrl-c", "service-manager", "service-manager-while-a-client-lingers"])
def test_serve_prices_many_quotes_at_once_as_the_command_line_and_stops_cleanly(examples_dir, capsys, stop, slow):
    files = sorted(examples_dir.glob("*.toml"))
    printed = {}
    for path in files:
        assert cli.main(["quote", str(path), "--format", "json"]) == 0
        printed[path] = capsys.readouterr().out
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "copro_costing", "serve", "--port", str(port), "--pricing-processes", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    logged: list[str] = []
    reading = threading.Thread(target=lambda: logged.extend(server.stdout), daemon=True)
    reading.start()
    lingering = None
    try:
        until_sync(lambda: any(" is ready" in line for line in logged), "serve's pricing process did not become ready")
        [pricing] = [int(line.split("pricing process ")[1].split()[0]) for line in logged if " is ready" in line]
        got: dict[int, tuple[Path, tuple[int, str]]] = {}

        def ask(i: int) -> None:
            path = files[i % len(files)]
            got[i] = (path, post(port, path.read_bytes()))

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(got) == 40
        for path, (status, body) in got.values():
            assert status == 200 and body == printed[path]
        if slow:  # a request whose body is half sent: the server waits for it before it stops
            lingering = socket.create_connection(("127.0.0.1", port))
            lingering.sendall(b"POST /api/quote HTTP/1.1\r\nHost: x\r\ncontent-type: application/toml\r\n"
                              b"content-length: 1000\r\n\r\n[project]\n")
            time.sleep(0.2)
    finally:
        os.killpg(server.pid, stop)  # as Ctrl+C or a service manager: every process of the server at once
        with contextlib.suppress(ProcessLookupError, NameError):
            os.kill(pricing, stop)
        if lingering is not None:
            time.sleep(2.5)  # longer than a pricing process that stopped would wait to be replaced
            assert server.poll() is None, "the server should wait for the request in hand"
            lingering.close()
        server.wait(30)
        reading.join(10)
    said = "".join(logged)
    assert server.returncode in (0, -stop), said  # uvicorn ends by its signal, which systemd counts as clean
    assert "Traceback" not in said and "stopped" not in said and "starting another" not in said, said
    assert ("went away" in said) is slow
    answered = [line for line in logged if "the pricing processes answered" in line]
    assert answered and int(answered[0].split("answered ")[1].split()[0]) > 0, said
    with pytest.raises(ProcessLookupError):
        os.kill(pricing, 0)  # gone with the server


def test_serve_refuses_a_number_of_pricing_processes_it_cannot_start(run):
    pytest.importorskip("uvicorn")
    code, out, err = run("serve", "--pricing-processes", "-1")
    assert code == 2 and "--pricing-processes: must be a whole number from 0 to 16 (got -1)" in err
    assert "serving the calculator" not in out


def test_a_module_path_entry_that_is_not_text_does_not_stop_the_pricing_process(rates_dir, bodies, monkeypatch):
    monkeypatch.setattr(sys, "path", [*sys.path, Path("/nowhere")])  # as some notebooks and tools add
    handed_over_and_priced_alike(rates_dir, bodies)


def test_a_server_held_up_is_not_mistaken_for_a_stuck_pricing_process(rates_dir, bodies, monkeypatch):
    monkeypatch.setattr(pricer_module, "STUCK_AFTER", 0.5)
    book = load_rates(rates_dir)

    async def scenario(pricer: QuotePricer) -> None:
        await until_ready(pricer)
        [process] = pricer.running
        asked = [asyncio.create_task(pricer.quote(body, TOML, book)) for body in bodies[:2]]
        while len(process.pending) < 2:
            await asyncio.sleep(0)  # until both are handed over, and before their answers are read
        time.sleep(1.0)  # the server's loop held up (a debugger, a paused machine): the answers wait unread
        assert [await task for task in asked] == [answer(body, TOML, book) for body in bodies[:2]]
        assert not process.stuck and pricer.running == (process,)

    with_pricer(rates_dir, 1, scenario)


def test_the_api_answers_503_for_the_quote_a_stuck_pricing_process_had(rates_dir, examples_dir, monkeypatch):
    from fastapi.testclient import TestClient

    from copro_costing.web.app import create_app

    monkeypatch.setattr(pricer_module, "STUCK_AFTER", 0.5)
    body = (examples_dir / "hearing-checks.toml").read_bytes()
    with TestClient(create_app(rates_dir, pricing_processes=1)) as client:
        pricer = client.app.state.settings.pricer
        until_sync(pricer.ready, "the pricing process did not start")
        os.kill(pricer.pids[0], signal.SIGSTOP)
        answers: list = []
        for _ in range(10):  # until quotes overlap and one is handed over
            threads = [threading.Thread(target=lambda: answers.append(client.post("/api/quote", content=body,
                       headers={"content-type": TOML}))) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if any(a.status_code == 503 for a in answers):
                break
    statuses = sorted(a.status_code for a in answers)
    assert statuses[-1] == 503 and set(statuses[:-1]) == {200}
    stuck = next(a for a in answers if a.status_code == 503).json()["detail"]
    assert stuck.startswith("pricing this costing took too long, so it was stopped")
