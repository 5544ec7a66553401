"""Requests refused before a handler sees them, with the error shape of the page or the API (400):

- JSON bodies nested deeper than any request of ours (a body of 100,000 brackets made the parser recurse until
  it failed);
- a NUL character in the query string: no filter can use it and PostgreSQL can neither store nor compare it
  (the fuzz walk found 500s on the audit log and the stock item search).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from logistics.core.i18n import gettext as _
from logistics.web.errors import error_response

#: The deepest JSON any request of the API needs is 3 ({"lines": [{...}]}); allow some room.
MAX_JSON_DEPTH = 16


def json_depth(body: bytes, limit: int) -> int:
    """The nesting depth of a JSON text, counting brackets outside strings; stops counting past `limit`."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


async def refuse_hostile_input(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """`before_request`: a NUL in the query string, or a JSON body nested deeper than MAX_JSON_DEPTH, is answered
    400 before anything reads it."""
    if b"%00" in request.scope.get("query_string", b""):
        return error_response(
            request, 400, _("The address contains a character that cannot be used."), error="bad_query"
        )
    if request.method in {"GET", "HEAD", "OPTIONS"} or "json" not in request.headers.get("content-type", ""):
        return None
    body = await request.body()
    if json_depth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return error_response(request, 400, _("The data sent is nested too deeply."), error="body_too_deep")
    return None
