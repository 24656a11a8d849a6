"""Guards around the web app: a body size limit, safe response headers, CSRF tokens.

Written as plain ASGI middleware (the interface every ASGI server and framework
shares), so they hold whatever the route does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 1024 * 1024
"""Largest request body accepted: 1 MB, far more than any costing file."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class BodyTooLarge(Exception):
    """The request body is over the limit."""


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, whether or not they declare a length."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(scope, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        message = f"The request is larger than {self.limit // 1024} KB: a costing file is far smaller."
        if scope.get("path", "").startswith("/api/"):
            body = json.dumps({"problems": [{"file": "request", "line": None, "field": "", "message": message}]}).encode()
            media = b"application/json"
        else:
            body = f"<!DOCTYPE html><html lang=\"en-GB\"><title>Too large</title><p>{message}</p></html>".encode()
            media = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", media), (b"content-length", str(len(body)).encode()), (b"connection", b"close"), *HEADERS,
        ]})
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Add a strict Content-Security-Policy (no inline script or style) and friends to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)


# CSRF: a random value in a SameSite=Strict cookie, and its HMAC (under the server's
# secret) in a hidden field of each form that changes the store. Another site can make
# a browser send the cookie with a request but cannot read it, so cannot make the field.

CSRF_COOKIE = "copro_csrf"
CSRF_FIELD = "csrf"


def new_secret() -> bytes:
    return secrets.token_bytes(32)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, nonce.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, nonce: str | None, token: str | None) -> bool:
    """Whether ``token`` (from the form) matches ``nonce`` (from the cookie)."""
    if not nonce or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, nonce), token)
