"""``copro-costing serve``: the web calculator, for people who only have a browser.

Needs the optional ``web`` extra. Binds to 127.0.0.1 unless told otherwise: to offer it
to a unit, put it behind the university's reverse proxy and single sign-on (README).
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
MAX_PRICING_PROCESSES = 16
NEEDS = ("fastapi", "jinja2", "uvicorn", "multipart")


class MissingExtra(Exception):
    """The web extra is not installed."""


def add_parser(commands: argparse._SubParsersAction, rates_help: str) -> None:
    serve = commands.add_parser(
        "serve", help="the costing calculator in a browser",
        description="Serve the costing calculator, the offer and the funder guides to browsers, with a JSON "
        "API (POST /api/quote). Needs the web extra: pip install \"copro-costing[web]\".",
    )
    serve.add_argument("--rates", type=Path, metavar="DIR", help=rates_help)
    serve.add_argument("--store", type=Path, metavar="DIR",
                       help="folder to save costings in (one file per version; without it, nothing is saved)")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--root-path", default="", metavar="PATH",
                       help="the path prefix a reverse proxy serves it under, e.g. /costing")
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1", metavar="IPS",
                       help="proxies trusted to set X-Forwarded-For and -Proto (default 127.0.0.1)")
    serve.add_argument("--pricing-processes", type=int, default=None, metavar="N",
                       help="processes that price API quotes while others wait (default: 1 where there are "
                       "two processors or more, else 0: every quote priced by the server itself)")
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the rates and the store folder, then serve until stopped (Ctrl+C)."""
    from ..errors import InputError, Problem

    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingExtra(
            f"serve needs the web extra (missing: {', '.join(missing)}): pip install \"copro-costing[web]\""
        )
    if args.store is not None and not args.store.is_dir():
        if args.store.exists() or not args.store.parent.is_dir():
            raise InputError([Problem(str(args.store), None, "", "the store must be a folder in a folder that exists")])
        args.store.mkdir()
    if not 0 < args.port < 65536:
        raise InputError([Problem("--port", None, "", f"must be a port number from 1 to 65535 (got {args.port})")])
    if args.pricing_processes is not None and not 0 <= args.pricing_processes <= MAX_PRICING_PROCESSES:
        raise InputError([Problem("--pricing-processes", None, "", f"must be a whole number from 0 to "
                                  f"{MAX_PRICING_PROCESSES} (got {args.pricing_processes})")])
    root = args.root_path.strip()
    if root and not root.startswith("/"):
        raise InputError([Problem("--root-path", None, "", f"must start with / (got {root!r}), for example /costing")])
    args.root_path = root.rstrip("/")
    _check_address(args.host, args.port)
    from ..ratebook.folder import load_rates

    load_rates(args.rates)  # every problem in the rate tables now, not on the first request
    import logging

    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from ..web.app import create_app
    from ..web.pricer import default_processes

    processes = default_processes() if args.pricing_processes is None else args.pricing_processes
    app = create_app(args.rates, args.store, pricing_processes=processes)
    import gc

    # Everything built so far (the app, its schemas, the rate tables) lives as long as the
    # server: kept out of the collector's full passes, which would otherwise walk it all
    # and pause a request now and then.
    gc.collect()
    gc.freeze()
    where = f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{args.port}{args.root_path}/"
    print(f"copro-costing: serving the calculator on {where} (Ctrl+C to stop)", flush=True)
    if args.store is not None:
        print(f"copro-costing: saving costings in {args.store}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, root_path=args.root_path, proxy_headers=True,
                forwarded_allow_ips=args.forwarded_allow_ips, log_level="info", server_header=False)
    return 0


def _check_address(host: str, port: int) -> None:
    """That ``host`` names this machine and ``port`` is free, said as a problem with the option, before serving."""
    import socket

    from ..errors import InputError, Problem

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise InputError([Problem("--host", None, "", f"cannot listen on {host!r}: {reason}")]) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: a port just freed is free
        try:
            probe.bind(address)
        except OSError as exc:
            raise InputError([Problem("--port", None, "", f"cannot listen on {host}:{port}: {exc.strerror}")]) from None
