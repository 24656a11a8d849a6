"""The web calculator as an ASGI application: ``create_app(rates, store)``.

Pages are Jinja2 templates over library calls (:mod:`.pages`), the JSON API is
:mod:`.api`; every asset is served by the app itself, so it works with no access to
the internet. Errors never show a traceback: a 500 page gives a reference that is
also written, with the details, to the server's log.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .. import __version__
from ..errors import InputError
from ..money import DEFAULT_LOCALE, format_money
from ..ratebook.folder import load_rates
from ..ratebook.models import RateBook
from .pricer import QuotePricer
from .security import BodyLimit, SecurityHeaders, new_secret
from .store import Store, StoreUnavailable

HERE = Path(__file__).resolve().parent
log = logging.getLogger("copro_costing.web")
SECRET_VARIABLE = "COPRO_COSTING_SECRET"


RATES_CHECKED_EVERY = 1.0
"""Seconds between looks at the rate files' dates: an update is served within a second."""


@dataclass(frozen=True)
class Settings:
    """What one running calculator serves: which rate tables, which store, its CSRF secret, and its quote pricer."""

    rates: Path | None
    store: Store | None
    secret: bytes
    locale: str = DEFAULT_LOCALE
    pricer: QuotePricer = field(default_factory=QuotePricer, compare=False)
    _checked: list[Any] = field(default_factory=lambda: [None, -RATES_CHECKED_EVERY], repr=False, compare=False)

    def book(self) -> RateBook:
        """The rate tables, read again only when their files change (so an update needs no restart).

        The files' dates are looked at no more than once a second, not on every request;
        tables with problems are never kept, so each request reports them until fixed.
        """
        held, when = self._checked
        now = time.monotonic()
        if held is None or now - when >= RATES_CHECKED_EVERY:
            held = load_rates(self.rates)
            self._checked[:] = [held, now]
        return held


class RatesBroken(Exception):
    """The rate tables have problems: the unit must fix them (``rates check``)."""

    def __init__(self, error: InputError) -> None:
        super().__init__(str(error))
        self.problems = error.problems


def settings(request: Request) -> Settings:
    return request.app.state.settings


def book(request: Request) -> RateBook:
    try:
        return settings(request).book()
    except InputError as exc:
        raise RatesBroken(exc) from None


def templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def create_app(
    rates: Path | str | None = None, store: Path | str | None = None, *, secret: bytes | None = None,
    pricing_processes: int = 0,
) -> FastAPI:
    """The calculator over the rates folder ``rates`` (default: configured or bundled), saving to ``store`` if given.

    ``secret`` signs the CSRF tokens; by default ``$COPRO_COSTING_SECRET``, else random
    (then forms open when the server restarts must be submitted again, which they say).
    ``pricing_processes`` started with the server price API quotes while others wait
    (:mod:`.pricer`); with none, every quote is priced in the event loop.
    """
    from . import api, documents, pages

    key = secret or os.environ.get(SECRET_VARIABLE, "").encode() or new_secret()
    folder = Path(rates) if rates is not None else None
    pricer = QuotePricer(pricing_processes)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await pricer.start()
        try:
            yield
        finally:
            await pricer.close()

    app = FastAPI(
        lifespan=lifespan,
        title="copro-costing calculator", version=__version__,
        description="Price a costing file exactly as `copro-costing quote --format json` does.",
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",  # the docs pages would load from a CDN
    )
    app.state.settings = Settings(
        rates=folder, store=Store(store) if store is not None else None, secret=key, pricer=pricer,
    )
    env = Jinja2Templates(directory=str(HERE / "templates"))
    env.env.autoescape = True  # every user text is escaped
    env.env.filters["money"] = lambda value: format_money(value, DEFAULT_LOCALE)
    env.env.filters["kind"] = lambda block: type(block).__name__
    env.env.globals["version"] = __version__
    app.state.templates = env
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(documents.router)
    app.include_router(api.router)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return page(request, "error.html", {"status": exc.status_code, "detail": exc.detail}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            problems = [{"file": "request", "line": None, "field": ".".join(str(p) for p in e["loc"][1:]),
                         "message": e["msg"]} for e in exc.errors()]
            return JSONResponse({"problems": problems}, status_code=422)
        return await http_error(request, StarletteHTTPException(404, "There is no such page."))

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
        log.info("%s %s: the client went away before sending the whole request", request.method, request.url.path)
        return Response(status_code=400)  # nobody to read it

    @app.exception_handler(RatesBroken)
    async def rates_broken(request: Request, exc: RatesBroken) -> Response:
        log.error("the rate tables have problems:\n%s", exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "the rate tables have problems; the unit has been told"}, status_code=503)
        return page(request, "error.html", {"status": 503, "detail": "The rate tables have problems, so nothing "
                    "can be priced until the unit fixes them (`copro-costing rates check` lists them)."}, 503)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
        log.error("the store of saved costings cannot be used: %s", exc)
        return page(request, "error.html", {"status": 503, "detail": "The saved costings cannot be reached just now, "
                    "so nothing was saved or opened by this request; the unit has been told. What you typed is still "
                    "in the form: go back to keep it, or download the costing file."}, 503)

    @app.exception_handler(Exception)
    async def fault(request: Request, exc: Exception) -> Response:
        reference = secrets.token_hex(4)
        log.error("unexpected error, reference %s, on %s %s", reference, request.method, request.url.path,
                  exc_info=(type(exc), exc, exc.__traceback__))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": f"unexpected error (reference {reference})"}, status_code=500)
        return page(request, "error.html", {"status": 500, "reference": reference}, 500)

    return app


def root(request: Request) -> str:
    """The path prefix the app is served under (``serve --root-path``, behind a reverse proxy)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render a template with what every page needs (whether there is a store, for the navigation)."""
    context = {"store": settings(request).store is not None, "root": root(request), **context}
    return templates(request).TemplateResponse(request, template, context, status_code=status)
