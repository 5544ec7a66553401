"""Post/redirect/get that works with and without htmx."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Iterable
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect

from logistics.core.errors import DomainError
from logistics.web.forms import Form


def flash(request: Request[Any, Any, Any], message: str, category: str = "success") -> None:
    """Keep a message in the session for the next page (works after the session was cleared, e.g. on sign-out)."""
    if not isinstance(request.scope.get("session"), dict):
        request.set_session({})
    request.session.setdefault("_messages", []).append({"message": message, "category": category})


def pop_flashes(request: Request[Any, Any, Any]) -> list[dict[str, str]]:
    """The messages kept for this page, removed from the session (for templates)."""
    session = request.scope.get("session")
    return session.pop("_messages", []) if isinstance(session, dict) else []


def see_other(request: Request[Any, Any, Any], path: str, message: str | None = None) -> Response[Any]:
    """After a successful form: flash `message` and send the browser to `path` (303, or HX-Redirect for htmx)."""
    if message:
        flash(request, message, category="success")
    if request.headers.get("hx-request") == "true":
        response = ClientRedirect(redirect_to=path)
        response.status_code = 200  # htmx follows HX-Redirect on a 200; the POST default would be 201
        return response
    return Redirect(path=path, status_code=303)


async def attempt(
    request: Request[Any, Any, Any], action: Awaitable[object], back: str, success: str | None = None
) -> Response[Any]:
    """Run a use case from a small form (a button on a page): back to `back` with `success`, or with the rule's
    message when it refused — the refused use case changed nothing."""
    try:
        await action
    except DomainError as error:
        flash(request, error.message, "error")
        return see_other(request, back)
    return see_other(request, back, success)


async def refusal(reason: Form | str) -> None:
    """A refusal to hand to `attempt` when the input is wrong before any use case runs: a message, or the form's
    first error."""
    raise DomainError(next(iter(reason.errors.values())) if isinstance(reason, Form) else reason)


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[object]]) -> Response[str]:
    """A CSV download: the header, then one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site (no scheme, no host), else `default` — against open redirects."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):
        return default
    return target


def pdf_response(content: bytes, filename: str) -> Response[bytes]:
    """A PDF shown in the browser (to print or save) under `filename`."""
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
