"""Guards: every route handler has one. `requires()` admits any signed-in user, `requires("admin")` only admins."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard


def requires(*roles: str) -> Guard:
    """A guard admitting signed-in, active users whose role is one of `roles` (any role when none are named)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if user is None:
            raise NotAuthorizedException
        if roles and user.role not in roles:
            raise PermissionDeniedException

    guard.roles = roles  # type: ignore[attr-defined]
    guard.__name__ = f"requires({', '.join(roles) or 'any role'})"
    return guard


signed_in = requires()
