"""The costing form: price as you type, add and remove rows, download, upload, save and reopen.

Works without JavaScript: every button is a submit, and the server recalculates. With
JavaScript (static/app.js) the page asks ``POST /preview`` as the user types and puts
the totals and problems the server rendered in place; the browser never computes a
price.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from ..errors import InputError
from ..pricing.catalogue import catalogue
from ..pricing.problems import checked_spec
from ..ratebook.models import RateBook
from ..tomlfile import not_utf8, parse_toml
from .app import book, page, root, settings, templates
from .form import (
    ADD_LABELS,
    EXPENSE_FIELDS,
    INVOLVEMENT_FIELDS,
    MAX_ROWS,
    MAX_YEARS,
    PROJECT_FIELDS,
    ROW_NOUNS,
    SECTIONS,
    SERVICE_FIELDS,
    SERVICE_YEARS,
    STATUS_FIELDS,
    FormState,
    blank_row,
    from_data,
    from_form,
)
from .quoting import DOWNLOADS, Outcome, download, price, price_form
from .security import CSRF_COOKIE, CSRF_FIELD, csrf_ok, csrf_token, new_nonce
from .store import NotFound, Store, Version

router = APIRouter(include_in_schema=False)
FORM_ID = "costing-form"


MAX_FIELDS = 20_000
"""Controls a submitted form may hold: the form at its largest (MAX_ROWS rows in each section,
ten project years) is under half of this; the body limit (1 MB) bounds it again."""


def form_values(form: FormData) -> dict[str, Any]:
    """Submitted controls by name; check boxes (named ``….years``) as the list of values checked."""
    return {name: form.getlist(name) if name.endswith(".years") else form.get(name) for name in form}


def pricing_day(state: FormState) -> date:
    try:
        return date.fromisoformat(state.project.get("priced_on", "").strip())
    except ValueError:
        return date.today()


def choices(rates: RateBook, state: FormState) -> dict[str, list[tuple[str, str]]]:
    """Options filled from the rate tables in force on the costing's pricing date."""
    on = pricing_day(state)
    try:
        services = [(e.service.id, f"{e.service.name} (per {e.service.unit})") for e in catalogue(rates, on)]
    except LookupError:  # no co-producer rate on that date: the problem is shown by the pricing date
        services = [(key, key) for key in rates.keys("services")]
    funders = []
    for key in rates.keys("funders"):
        try:
            funders.append((key, rates.funder(key, on).name))
        except LookupError:
            funders.append((key, key))
    expense_defaults = []
    for key in rates.keys("expense_defaults"):
        try:
            expense_defaults.append((key, rates.expense_default(key, on).name))
        except LookupError:
            expense_defaults.append((key, key))
    tiers = []
    for key in rates.keys("coproducer_rate"):
        try:
            rate = rates.coproducer_rate(on, key)
            tiers.append((key, f"{rate.name}: £{rate.hourly_rate} an hour"))
        except LookupError:
            tiers.append((key, key))
    return {"services": services, "funders": funders, "expense_defaults": expense_defaults, "tiers": tiers,
            "headings": headings(rates, state.project.get("funder", ""), on)}


def headings(rates: RateBook, funder: str, on: date) -> list[tuple[str, str]]:
    try:
        return [(h, h) for h in rates.funder(funder, on).heading_names]
    except LookupError:
        return []


def nonce(request: Request) -> tuple[str, bool]:
    """The browser's CSRF cookie value, and whether it is new (then it is set on the response)."""
    current = request.cookies.get(CSRF_COOKIE, "")
    return (current, False) if re.fullmatch(r"[A-Za-z0-9_-]{20,64}", current) else (new_nonce(), True)


def form_page(request: Request, outcome: Outcome, status: int = 200, message: str = "", submitted: bool = True) -> Response:
    rates = book(request)
    state = outcome.state.with_blank_rows()
    value, fresh = nonce(request)
    context = {
        "form_id": FORM_ID, "state": state, "years": state.years, "max_years": MAX_YEARS,
        "project_fields": PROJECT_FIELDS, "status_fields": STATUS_FIELDS,
        "status_open": any(state.status.values()) or any(p.control and p.control.startswith("status-") for p in outcome.problems),
        "sections": SECTIONS, "nouns": ROW_NOUNS, "add_labels": ADD_LABELS,
        "row_fields": {"services": SERVICE_FIELDS, "involvement": INVOLVEMENT_FIELDS, "expenses": EXPENSE_FIELDS},
        "service_years": SERVICE_YEARS, "choices": choices(rates, state), "outcome": outcome,
        "errors": outcome.by_control() if submitted else {}, "costing": outcome.costing,
        "problems": outcome.problems if submitted else (), "message": message,
        "downloads": DOWNLOADS, "csrf": csrf_token(settings(request).secret, value), "section": "form",
        "blank": {section: blank_row(section) for section in SECTIONS},
    }
    response = page(request, "form.html", context, status)
    if fresh:
        response.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


def blank_state() -> FormState:
    state = FormState()
    state.project.update({"priced_on": date.today().isoformat(), "months": "12"})
    return state


@router.get("/")
async def blank_form(request: Request) -> Response:
    state = blank_state()
    return form_page(request, Outcome(state), submitted=False)


@router.post("/")
async def submit(request: Request) -> Response:
    """Every button of the form: recalculate, add or remove a row, download, save."""
    form = await request.form(max_fields=MAX_FIELDS)
    state = from_form(form_values(form))
    action = str(form.get("action") or "recalculate")
    if match := re.fullmatch(r"add-(services|involvement|expenses)", action):
        if len(state.rows[match[1]]) < MAX_ROWS:
            state.rows[match[1]].append(blank_row(match[1]))
    elif match := re.fullmatch(r"remove-(services|involvement|expenses)-([0-9]{1,4})", action):
        rows = state.rows[match[1]]
        if int(match[2]) < len(rows):
            del rows[int(match[2])]
    outcome = await run_in_threadpool(price_form, state, book(request))
    if action.startswith("download-") and action.removeprefix("download-") in DOWNLOADS:
        if outcome.costing is None:
            return form_page(request, outcome, 422, "Nothing to download yet: fix the problems listed first.")
        content, media, name = await run_in_threadpool(download, outcome.costing, action.removeprefix("download-"))
        return Response(content, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})
    if action == "save":
        return save(request, form, outcome)
    status = 422 if outcome.problems else 200
    return form_page(request, outcome, status, submitted=not action.startswith(("add-", "remove-")))


def save(request: Request, form: FormData, outcome: Outcome) -> Response:
    store = settings(request).store
    if store is None:
        raise HTTPException(404, "This calculator was started without a place to save costings (serve --store DIR).")
    if not csrf_ok(settings(request).secret, request.cookies.get(CSRF_COOKIE), str(form.get(CSRF_FIELD) or "")):
        return form_page(request, outcome, 403, "Not saved: this page was open too long or came from elsewhere. "
                         "Nothing is lost: press Save again.")
    if outcome.costing is None:
        return form_page(request, outcome, 422, "Not saved: fix the problems listed first, so the saved file prices.")
    try:
        version = store.save(outcome.costing.spec, outcome.state.costing_id or None)
    except NotFound:
        version = store.save(outcome.costing.spec)
    return RedirectResponse(f"{root(request)}/saved/{version.costing_id}/{version.number}?saved=1", status_code=303)


@router.post("/preview")
async def preview(request: Request) -> Response:
    """What the script shows as the user types: the totals and the problems, rendered by the server."""
    form = await request.form(max_fields=MAX_FIELDS)
    state = from_form(form_values(form))
    rates = book(request)
    outcome = price_form(state, rates)  # like /api/quote: a millisecond or two, in the event loop
    env = templates(request).env
    return JSONResponse({
        "ok": outcome.costing is not None,
        "years": state.years,
        "totals": env.get_template("_totals.html").render(costing=outcome.costing, problems=outcome.problems),
        "summary": env.get_template("_summary.html").render(problems=outcome.problems, message=""),
        "problems": [{"control": p.control, "label": p.label, "message": p.problem.message} for p in outcome.problems],
        "headings": headings(rates, state.project.get("funder", ""), pricing_day(state)),
    })


@router.post("/upload")
async def upload(request: Request) -> Response:
    """Fill the form from a costing file, to go on editing it; its problems are shown by their fields."""
    form = await request.form(max_fields=MAX_FIELDS)
    sent = form.get("costing_file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return form_page(request, Outcome(blank_state()), 422, "Choose a costing file (.toml) to open.")
    name = re.sub(r"[^\w.\- ]", "_", sent.filename)[:80]
    return await open_text(request, (await sent.read()), name, costing_id="")


async def open_text(request: Request, content: bytes, name: str, costing_id: str, message: str = "") -> Response:
    rates = book(request)
    try:
        text = content.decode("utf-8")
        data, lines = parse_toml(text, name)
    except UnicodeDecodeError as exc:
        problem = InputError.one(name, not_utf8(content[:4], exc)).problems
        return form_page(request, Outcome(blank_state(), problems=tuple(_summary_only(problem))), 422)
    except InputError as exc:
        return form_page(request, Outcome(blank_state(), problems=tuple(_summary_only(exc.problems))), 422)
    if too_many := [f"{len(data[s])} {s} entries" for s in SECTIONS
                    if isinstance(data.get(s), list) and len(data[s]) > MAX_ROWS]:
        problem = InputError.one(name, f"the form holds at most {MAX_ROWS} entries of each kind and this file has "
                                 f"{' and '.join(too_many)}: price it with copro-costing quote").problems
        return form_page(request, Outcome(blank_state(), problems=tuple(_summary_only(problem))), 422)
    state = from_data(data, costing_id)

    def check() -> Outcome:
        try:
            price(checked_spec(data, name, lines, rates), rates)
        except InputError as exc:  # the file's own problems, with its line numbers
            return price_form(state, rates, exc.problems)
        return price_form(state, rates)

    outcome = await run_in_threadpool(check)
    return form_page(request, outcome, 422 if outcome.problems else 200, message)


def _summary_only(problems: Any) -> list:
    from .quoting import Located

    return [Located(p, None, "The file") for p in problems]


# Saved costings --------------------------------------------------------------------------


def store_of(request: Request) -> Store:
    store = settings(request).store
    if store is None:
        raise HTTPException(404, "This calculator was started without a place to save costings (serve --store DIR).")
    return store


@router.get("/saved")
async def saved(request: Request) -> Response:
    return page(request, "saved.html", {"costings": store_of(request).costings(), "section": "saved"})


@router.get("/saved/{costing_id}")
async def versions(request: Request, costing_id: str) -> Response:
    try:
        costing = store_of(request).costing(costing_id)
    except NotFound:
        raise HTTPException(404, "There is no saved costing by that name.") from None
    return page(request, "versions.html", {"costing": costing, "section": "saved"})


def _version(request: Request, costing_id: str, number: str) -> Version:
    try:
        return store_of(request).version(costing_id, int(number))
    except (NotFound, ValueError):
        raise HTTPException(404, "There is no saved costing by that name.") from None


@router.get("/saved/{costing_id}/{number}.toml")
async def saved_file(request: Request, costing_id: str, number: str) -> Response:
    version = _version(request, costing_id, number)
    return Response(version.path.read_bytes(), media_type="application/toml; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{version.name}"'})


@router.get("/saved/{costing_id}/{number}")
async def reopen(request: Request, costing_id: str, number: str) -> Response:
    version = _version(request, costing_id, number)
    latest = store_of(request).costing(costing_id).latest.number
    words = "Saved as" if request.query_params.get("saved") else "Opened"
    message = f"{words} version {version.number} of “{version.title}”" + (
        f" (the latest is version {latest})." if latest != version.number else ".")
    return await open_text(request, version.path.read_bytes(), version.name, costing_id, message)

