"""The unit's published documents in the browser: the offer and the funder guides.

The same :class:`~copro_costing.publishing.document.Document` the ``offer`` and
``guide`` commands render, shown inside the site's pages, with the same downloads.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..publishing import document, guides, offer
from .app import book, page, root, settings

router = APIRouter(include_in_schema=False)


def _day(request: Request) -> date:
    """The ``on`` date asked for (default today); a date that is not one is refused, not replaced."""
    text = request.query_params.get("on", "").strip()
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise HTTPException(422, f"on: expected a date as YYYY-MM-DD (got {shown!r})") from None


def _not_in_force(exc: LookupError) -> HTTPException:
    """Nothing to show on that date, in the command line's words (its first row's date, or a retirement)."""
    return HTTPException(404, f"Nothing to show on that date: {exc.args[0] if exc.args else exc}.")


def _attachment(content: bytes, media: str, name: str) -> Response:
    return Response(content, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/offer")
async def offer_page(request: Request) -> Response:
    on = _day(request)
    try:
        doc = offer.offer_document(book(request), on, settings(request).locale)
    except LookupError as exc:
        raise _not_in_force(exc) from None
    return page(request, "document.html", {"doc": doc, "on": on, "downloads": [
        ("Markdown", f"{root(request)}/offer.md?on={on.isoformat()}"),
        ("Excel workbook", f"{root(request)}/offer.xlsx?on={on.isoformat()}"),
    ], "section": "offer"})


@router.get("/offer.md")
async def offer_markdown(request: Request) -> Response:
    try:
        text = offer.offer_markdown(book(request), _day(request), settings(request).locale)
    except LookupError as exc:
        raise _not_in_force(exc) from None
    return _attachment(text.encode(), "text/markdown; charset=utf-8", "offer.md")


@router.get("/offer.xlsx")
async def offer_workbook(request: Request) -> Response:
    from ..export.offer_xlsx import write_offer_xlsx

    try:
        the_offer = offer.build_offer(book(request), _day(request))
    except LookupError as exc:
        raise _not_in_force(exc) from None

    def write() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = write_offer_xlsx(the_offer, Path(folder) / "offer.xlsx", locale=settings(request).locale)
            return path.read_bytes()

    return _attachment(await run_in_threadpool(write),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "offer.xlsx")


@router.get("/guides")
async def guide_list(request: Request) -> Response:
    rates, on = book(request), _day(request)
    funders = []
    for key in rates.keys("funders"):
        try:
            funders.append((key, rates.funder(key, on).name))
        except LookupError:
            continue
    asked = "on" in request.query_params  # a date asked for is kept in the links; today's is the default
    return page(request, "guides.html", {"funders": funders, "section": "guides", "on": on.isoformat(),
                                         "query": f"?on={on.isoformat()}" if asked else ""})


def _guide(request: Request, funder: str) -> document.Document:
    rates = book(request)
    if funder not in rates.keys("funders"):
        raise HTTPException(404, "There is no guide for that funder.")
    try:
        return guides.guide_document(rates, funder, _day(request), settings(request).locale)
    except LookupError as exc:
        raise _not_in_force(exc) from None


@router.get("/guides/{funder}.md")
async def guide_markdown(request: Request, funder: str) -> Response:
    return _attachment(document.to_markdown(_guide(request, funder)).encode(), "text/markdown; charset=utf-8",
                       f"guide-{funder}.md")


@router.get("/guides/{funder}")
async def guide_page(request: Request, funder: str) -> Response:
    doc, on = _guide(request, funder), _day(request)
    return page(request, "document.html", {"doc": doc, "on": on, "section": "guides", "downloads": [
        ("Markdown", f"{root(request)}/guides/{funder}.md?on={on.isoformat()}"),
    ]})
