"""What handlers are given by Litestar's dependency injection: the acting user and the domain services.

A controller names the services it uses once (`dependencies = services(stays=StayService)`) and its handlers
take them as parameters (`stays: StayService`): each is built for the request's session and actor, so no handler
builds a service, opens a transaction or commits.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.service import Service


def actor_from_request(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    """The signed-in user of this request (or an anonymous actor) and the client's address."""
    ip = connection.client.host if connection.client else ""
    return Actor.of_user(connection.scope.get("user"), ip)


async def provide_actor(request: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    return actor_from_request(request)


def _provider(cls: type[Service]) -> Provide:
    async def provide(db_session: AsyncSession, actor: Actor) -> Service:
        return cls(db_session, actor)

    provide.__annotations__ = {
        "db_session": NamedDependency[AsyncSession],
        "actor": NamedDependency[Actor],
        "return": cls,
    }
    provide.__name__ = f"provide_{cls.__name__}"
    return Provide(provide)


def services(**named: type[Service]) -> dict[str, Provide]:
    """Dependencies for a controller: each name given the service of that class for this request."""
    return {name: _provider(cls) for name, cls in named.items()}


#: The app-wide dependencies (the SQLAlchemy plugin adds `db_session`).
APP_DEPENDENCIES = {"actor": Provide(provide_actor)}
