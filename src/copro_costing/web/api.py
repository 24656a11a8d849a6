"""The JSON API: price a costing file, list the catalogue, and a trivial health check.

``POST /api/quote`` answers with exactly the text ``copro-costing quote --format json``
prints for the same file (``Costing.to_json``); bad input is a 422 listing every
problem as ``{"file", "line", "field", "message"}``, the command line's words.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ..errors import Problem, RateLookupError
from ..money import money_str
from ..pricing.catalogue import catalogue
from ..pricing.policy import POLICY_WORDS
from .app import book, settings
from .quoting import JSON_TYPES, REQUEST_ORIGIN, TOML_TYPES

router = APIRouter(prefix="/api", tags=["api"])

PROBLEMS_SCHEMA = {
    "type": "object",
    "properties": {"problems": {"type": "array", "items": {
        "type": "object",
        "properties": {"file": {"type": "string"}, "line": {"type": ["integer", "null"]},
                       "field": {"type": "string"}, "message": {"type": "string"}},
        "required": ["file", "line", "field", "message"],
    }}},
}


def problems_response(problems: tuple[Problem, ...] | list[Problem], status: int = 422) -> JSONResponse:
    body = {"problems": [{"file": p.file, "line": p.line, "field": p.field, "message": p.message} for p in problems]}
    return JSONResponse(body, status_code=status)


@router.post(
    "/quote",
    summary="Price a costing file",
    description="The body is a costing file (`application/toml`), or the same structure as JSON "
    "(`application/json`, dates as `YYYY-MM-DD` strings). The answer is exactly what "
    "`copro-costing quote --format json` prints for it.",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/toml": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "object"}},
    }}},
    responses={
        200: {"description": "The costing, as `quote --format json` prints it", "content": {"application/json": {}}},
        413: {"description": "The body is over 1 MB", "content": {"application/json": {"schema": PROBLEMS_SCHEMA}}},
        415: {"description": "The body is neither TOML nor JSON"},
        422: {"description": "Every problem with the costing", "content": {"application/json": {"schema": PROBLEMS_SCHEMA}}},
        503: {"description": "The rate tables have problems, or pricing took too long and was stopped"},
    },
)
async def quote(request: Request) -> Response:
    body = await request.body()
    # In the event loop, or in a pricing process while other quotes wait (not a thread: a
    # quote is pure Python, which the GIL would not let a thread run any sooner).
    answer = await settings(request).pricer.quote(body, request.headers.get("content-type", ""), book(request))
    if answer.kind == "json":
        return Response(answer.text, media_type="application/json")
    if answer.kind == "stuck":
        return JSONResponse({"detail": "pricing this costing took too long, so it was stopped (the server's log "
                             "has the details); try again, and if it happens again tell the unit"}, status_code=503)
    if answer.kind == "media":
        kinds = ", ".join(TOML_TYPES[:1] + JSON_TYPES)
        return JSONResponse({"detail": f"send the costing file as {kinds}"}, status_code=415)
    return problems_response(answer.problems)


@router.get("/services", summary="The service catalogue, priced per unit")
async def services(
    request: Request, on: Annotated[date | None, Query(description="Prices on this date (default today)")] = None,
) -> Any:
    day = on or date.today()
    try:
        entries = catalogue(book(request), day)
    except RateLookupError as exc:
        return problems_response([Problem(REQUEST_ORIGIN, None, "on", str(exc))])
    return {
        "on": day.isoformat(),
        "services": [{
            "id": e.service.id,
            "name": e.service.name,
            "description": e.service.description,
            "unit": e.service.unit,
            "internal_price": money_str(e.internal_price),
            "external_price": money_str(e.external_price),
            "coproducer_payments": money_str(e.coproducer_payments),
            "internal_policy": e.service.internal_policy,
            "internal_policy_words": POLICY_WORDS[e.service.internal_policy],
            "illustrative": e.service.illustrative,
        } for e in entries],
    }


@router.get("/health", summary="A trivial answer, to check the server is up")
async def health() -> dict[str, str]:
    return {"status": "ok"}
