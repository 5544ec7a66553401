"""ASGI middleware: write intent for SQLite, security headers, the per-request log line, the locale."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from logistics.core import i18n
from logistics.db import write_intent
from logistics.settings import get_settings

request_log = logging.getLogger("logistics.requests")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class RequestContextMiddleware:
    """Outermost: decides write intent, adds security headers, writes one log line per request.

    The log line has the method, the route's path *template* (never the raw path, which may hold a code), the
    status and the latency — no personal data.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.secure = get_settings().secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = str(scope.get("method", "GET"))
        token = write_intent.set(method not in SAFE_METHODS)
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableScopeHeaders.from_message(message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                if self.secure:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
                if not scope["path"].startswith("/static/"):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            write_intent.reset(token)
            request_log.info(
                json.dumps(
                    {
                        "method": method,
                        "path": scope.get("path_template") or "-",
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    }
                )
            )


class LocaleMiddleware:
    """Inside authentication: the user's language, else the `lang` cookie, else LOGISTICS_DEFAULT_LOCALE."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        i18n.set_locale(locale_for_scope(scope))
        route_handler: Any = scope.get("route_handler")
        if route_handler is not None and route_handler.opt.get("writes"):
            write_intent.set(True)
        await self.app(scope, receive, send)


def locale_for_scope(scope: Scope) -> str:
    user = scope.get("user")
    if user is not None and getattr(user, "locale", None):
        return str(user.locale)
    headers = dict(scope.get("headers") or [])
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _sep, value = part.strip().partition("=")
        if name == "lang" and value in i18n.LANGUAGE_NAMES:
            return value
    # Scanning devices and other API clients say their language in Accept-Language ("uk", "en-GB;q=0.8", ...);
    # pages keep the organisation's language for people who have not chosen one.
    api = str(scope.get("path", "")).startswith("/api/")
    for part in headers.get(b"accept-language", b"").decode("latin-1").split(",") if api else []:
        language = part.split(";")[0].strip().lower()[:2]
        if language in i18n.LANGUAGE_NAMES:
            return language
    return get_settings().default_locale
