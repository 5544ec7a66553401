"""Guards: every route handler has one. `may("shelter.check_in")` admits the roles the domain's policy allows that
action (to something, somewhere — the service then checks the thing itself); `requires()` admits any signed-in
user."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from logistics.core import policy
from logistics.web.dependencies import actor_from_request


def may(action: str) -> Guard:
    """A guard admitting signed-in, active users whom the policy lets do `action` at all."""
    policy.rule_for(action)  # an action no policy declares fails at start, not at the first request

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        if connection.scope.get("user") is None:
            raise NotAuthorizedException
        if not policy.can(actor_from_request(connection), action):
            raise PermissionDeniedException

    guard.action = action  # type: ignore[attr-defined]
    guard.roles = policy.roles_for(action)  # type: ignore[attr-defined]
    guard.__name__ = f"may({action})"
    return guard


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
