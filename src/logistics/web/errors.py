"""The HTTP error pages (HTML or JSON): every refusal and every failure is rendered here, once."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from logistics.core import i18n
from logistics.core.errors import DomainError
from logistics.core.i18n import gettext as _
from logistics.web.middleware import locale_for_scope

log = logging.getLogger("logistics.errors")


def _title(status: int) -> str:
    titles = {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You do not have access to this page."),
        404: _("Page not found."),
        405: _("This action is not allowed here."),
        413: _("The data sent is too large."),
        422: _("The data sent is not valid."),
        429: _("Too many requests. Please wait a moment."),
    }
    return titles.get(status, _("Something went wrong on our side. The team has been notified."))


def wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def error_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str | None = None,
    error: str | None = None,
    details: dict[str, Any] | None = None,
) -> Response[Any]:
    """The error page, or for the API a JSON body: a machine-readable `error`, a `message` in the user's language
    and, for some refusals, more `details`."""
    i18n.set_locale(locale_for_scope(request.scope))
    message = detail or _title(status)
    if wants_json(request):
        body = {"error": error or str(status), "message": message, **(details or {})}
        return Response(body, status_code=status, media_type=MediaType.JSON)
    return Template(
        template_name="errors/error.html",
        context={"status": status, "message": message, "request": request},
        status_code=status,
        media_type=MediaType.HTML,
    )


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException) and not wants_json(request):
        target = "/login"
        if request.method == "GET" and request.url.path not in {"/", "/login"}:
            target = f"/login?next={request.url.path}"
        if request.headers.get("hx-request") == "true":
            return ClientRedirect(redirect_to=target)
        return Redirect(path=target)
    status = exc.status_code
    # Messages of our own DomainErrors travel in `detail`; framework messages stay generic for users.
    detail = exc.detail if getattr(exc, "extra", None) == {"user_message": True} else None
    return error_response(request, status, detail)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return error_response(request, exc.status_code, exc.message, exc.error, exc.details)


def handle_server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", exc_info=exc)
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)
