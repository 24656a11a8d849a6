"""The web calculator's JSON API under load: POST /api/quote against a trivial endpoint.

    python benchmarks/bench_web.py            # 2,000 requests per case
    python benchmarks/bench_web.py --quick    # 400 requests per case
    python benchmarks/bench_web.py --pricing-processes 0   # serve pricing every quote itself
    python benchmarks/bench_web.py --compare  # serve as it starts, and with no pricing process, in the same rounds

Starts ``copro-costing serve`` on a free port of this machine (a separate process, as in
use), then sends a 20-line costing file to ``POST /api/quote`` from 1 and from 20
concurrent clients, each on its own kept-alive connection, and the same numbers of
requests to ``GET /api/health`` (a fixed answer: the server's own overhead), in five
rounds taken in turns (quote then health, then health then quote, ...), because the speed
of a shared machine drifts by more than the figures compared. Prints p50 and p99 latency
of each over all rounds, and the median of the rounds' ratios of quote to health; then the
server's CPU time per request of each (Linux; its pricing process included), and what a
quote's own work (reading, pricing, writing the JSON) costs in this process. With
``--compare`` a second server, with no pricing process, is timed in the same rounds. Goals: p99 <= 100 ms at 20 clients,
ratio <= 3x.

A benchmark, not a test: figures depend on the machine. Nothing here is timed in CI.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
P99_GOAL_MS, RATIO_GOAL = 100.0, 3.0
ROUNDS = 5

COSTING = """\
[project]
title = "Benchmark: a council co-evaluation over two years"
client = "external"
organisation = "A council"
funder = "other"
start = 2027-01-01
months = 24
priced_on = 2026-11-01

[[services]]
service = "initial-consultation"
quantity = 1
year = 1

[[services]]
service = "co-evaluation-day"
quantity = 10
years = [1, 2]

[[services]]
service = "training-workshop"
quantity = 1
years = [1, 2]

[[services]]
service = "learning-partner-day"
quantity = 3
year = 2

[[involvement]]
activity = "Advisory panel"
people = 6
sessions = 4
hours = 2
prep_hours = 1
years = [1, 2]

[[expenses]]
item = "BSL interpreter"
default = "bsl-interpreter"
quantity = 4
years = [1, 2]

[[expenses]]
item = "Room hire"
default = "room-hire"
quantity = 2
year = 1

[[expenses]]
item = "Refreshments for panel meetings"
default = "refreshments"
quantity = 24
years = [1, 2]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, processes: int | None) -> subprocess.Popen:
    command = [sys.executable, "-m", "copro_costing", "serve", "--port", str(port)]
    if processes is not None:
        command += ["--pricing-processes", str(processes)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def run(port: int, method: str, path: str, body: bytes | None, clients: int, total: int) -> list[float]:
    """Latencies in ms of ``total`` requests shared out among ``clients`` concurrent connections."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)
    headers = {"content-type": "application/toml"} if body is not None else {}

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        start.wait()
        for _ in range(n):
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - t0) * 1000)
            assert response.status == 200, response.status
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(total // clients,)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def process_cpu(pid: int) -> tuple[float, int]:
    """Seconds of CPU a process has used (user and system), and its parent's id, where /proc tells; else (0, 0)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError):
        return 0.0, 0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[1])


def server_cpu(pid: int) -> tuple[float, float]:
    """Seconds of CPU used by the server process, and by the processes it started (its pricing process)."""
    own, _ = process_cpu(pid)
    started = 0.0
    if os.path.isdir("/proc"):
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != pid:
                seconds, parent = process_cpu(int(entry))
                if parent == pid:
                    started += seconds
    return own, started


def in_process(body: bytes, repeat: int = 2000) -> str:
    """What a quote's own work costs in this process: reading the body, pricing, writing the JSON (best of 5)."""
    from copro_costing import load_rates
    from copro_costing.web.quoting import price, spec_from_body

    book = load_rates(ROOT / "rates")
    best = {"read and validate": 1e9, "price": 1e9, "JSON": 1e9}
    for _ in range(5):
        t0 = time.perf_counter()
        specs = [spec_from_body(body, "application/toml", "request", book) for _ in range(repeat)]
        t1 = time.perf_counter()
        costings = [price(spec, book) for spec in specs]
        t2 = time.perf_counter()
        for costing in costings:
            costing.to_json()
        t3 = time.perf_counter()
        for name, seconds in (("read and validate", t1 - t0), ("price", t2 - t1), ("JSON", t3 - t2)):
            best[name] = min(best[name], seconds / repeat * 1000)
    return "a quote's own work in this process: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in best.items())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pricing-processes", type=int, metavar="N", help="passed to serve (default: serve's own)")
    parser.add_argument("--compare", action="store_true",
                        help="also serve with no pricing process, timed in the same rounds")
    args = parser.parse_args()
    total = 400 if args.quick else 2000
    setups = {"serve": args.pricing_processes}
    if args.compare:
        setups["serve --pricing-processes 0"] = 0
    servers = {name: (port := free_port(), start_server(port, processes)) for name, processes in setups.items()}
    try:
        body = COSTING.encode()
        port = servers["serve"][0]
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", "/api/quote", body=body, headers={"content-type": "application/toml"})
        answer = json.loads(conn.getresponse().read())
        conn.close()
        lines = len(answer["lines"])
        assert lines == 20, lines
        print(f"POST /api/quote with a costing of {lines} lines (price {answer['totals']['price']} {answer['currency']}); "
              f"{total} requests per case after 100 to warm up.")
        for port, _ in servers.values():
            run(port, "POST", "/api/quote", body, 1, 100)
            run(port, "GET", "/api/health", None, 1, 100)
        cases = [(name, kind) for name in servers for kind in ("quote", "health")]
        cpu: dict[tuple[str, int, str], float] = {(n, c, k): 0.0 for n, k in cases for c in (1, 20)}
        pricing: dict[tuple[str, int, str], float] = dict.fromkeys(cpu, 0.0)
        rows: dict[tuple[str, int], str] = {}
        for clients in (1, 20):
            latencies: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
            ratios: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
            for turn in range(ROUNDS):  # in turns, so a change in the machine's speed falls on every case
                got = {}
                for name, kind in cases if turn % 2 == 0 else cases[::-1]:
                    port, server = servers[name]
                    method, path, data = ("POST", "/api/quote", body) if kind == "quote" else ("GET", "/api/health", None)
                    own, started = server_cpu(server.pid)
                    got[(name, kind)] = run(port, method, path, data, clients, total // ROUNDS)
                    own_after, started_after = server_cpu(server.pid)
                    cpu[(name, clients, kind)] += own_after - own + started_after - started
                    pricing[(name, clients, kind)] += started_after - started
                for case, values in got.items():
                    latencies[case] += values
                for name in servers:
                    quote, health = got[(name, "quote")], got[(name, "health")]
                    ratios[name].append((percentile(quote, 50) / percentile(health, 50),
                                         percentile(quote, 99) / percentile(health, 99)))
            for name in servers:
                quote, health = latencies[(name, "quote")], latencies[(name, "health")]
                r50 = statistics.median(r for r, _ in ratios[name])
                r99 = statistics.median(r for _, r in ratios[name])
                rows[(name, clients)] = (
                    f"{clients:>7}  {percentile(quote, 50):>8.2f}ms  {percentile(quote, 99):>8.2f}ms  "
                    f"{percentile(health, 50):>8.2f}ms  {percentile(health, 99):>8.2f}ms  {r50:>8.2f}x  {r99:>8.2f}x")
        per_request = ROUNDS * (total // ROUNDS) / 1000
        for name, (_, server) in servers.items():
            if len(servers) > 1:
                print(f"{name}:")
            print(f"{'clients':>7}  {'quote p50':>10}  {'quote p99':>10}  {'health p50':>10}  {'health p99':>10}  "
                  f"{'ratio p50':>9}  {'ratio p99':>9}")
            for clients in (1, 20):
                print(rows[(name, clients)])
            if os.path.exists(f"/proc/{server.pid}/stat"):
                print("server CPU time per request (Linux), its pricing process included: " + "; ".join(
                    f"{c} client{'s' if c > 1 else ''}: quote {cpu[(name, c, 'quote')] / per_request:.2f} ms "
                    f"({pricing[(name, c, 'quote')] / per_request:.2f} ms of it in the pricing process), "
                    f"health {cpu[(name, c, 'health')] / per_request:.2f} ms" for c in (1, 20)))
        print(in_process(body))
        print(f"Goals: p99 <= {P99_GOAL_MS:.0f} ms at 20 clients; ratio <= {RATIO_GOAL:.0f}x.")
    finally:
        for _, server in servers.values():
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
