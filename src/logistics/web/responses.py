"""Post/redirect/get that works with and without htmx."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.plugins.flash import flash
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect


def see_other(request: Request[Any, Any, Any], path: str, message: str | None = None) -> Response[Any]:
    """After a successful form: flash `message` and send the browser to `path` (303, or HX-Redirect for htmx)."""
    if message:
        flash(request, message, category="success")
    if request.headers.get("hx-request") == "true":
        return ClientRedirect(redirect_to=path)
    return Redirect(path=path, status_code=303)


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site (no scheme, no host), else `default` — against open redirects."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):
        return default
    return target
