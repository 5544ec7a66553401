"""Session authentication: server-side sessions in the database, the user loaded for each request."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.session import SQLAlchemyAsyncSessionBackend
from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.security.session_auth import SessionAuth
from litestar.stores.base import Store
from litestar.types import Message, ScopeSession
from sqlalchemy import select, update

from logistics.accounts.models import User, WebSession
from logistics.db import write_intent
from logistics.settings import Settings

#: A session's expiry is pushed forward at most this often, so reading pages does not write on every request.
RENEW_EVERY = timedelta(minutes=1)

#: The session as this request loaded it: storing the same bytes again is skipped.
_loaded: ContextVar[tuple[str, bytes] | None] = ContextVar("loaded_session", default=None)


class DatabaseSessionBackend(SQLAlchemyAsyncSessionBackend):
    """Sessions in the `web_sessions` table, with an idle timeout.

    `get` reads in one short transaction and, when the session is due for renewal, pushes its expiry in a second
    one that begins with the write — on SQLite a read-then-write transaction could fail at once under load.
    `set` writes only when the data changed: Litestar stores the session after every response. A request that
    brings its own credentials (a scanning device's `Authorization: Bearer` token) has no session at all, and an
    empty session that no cookie refers to is not stored: no row and no cookie for each API call or anonymous page.
    """

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        if bearer_token(connection) is not None:
            return {}
        return await super().load_from_connection(connection)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        if bearer_token(connection) is not None or (scope_session == {} and self.config.key not in connection.cookies):
            return
        await super().store_in_message(scope_session, message, connection)

    async def get(self, /, session_id: str, store: Store) -> bytes | None:
        now = datetime.now(UTC)
        token = write_intent.set(False)
        try:
            async with self.alchemy.get_session() as db_session:
                row = (
                    await db_session.execute(
                        select(WebSession.data, WebSession.expires_at).where(WebSession.session_id == session_id)
                    )
                ).one_or_none()
        finally:
            write_intent.reset(token)
        if row is None or row.expires_at <= now:
            return None
        _loaded.set((session_id, bytes(row.data)))
        max_age = timedelta(seconds=self.config.max_age)
        if row.expires_at - now < max_age - RENEW_EVERY:
            token = write_intent.set(True)
            try:
                async with self.alchemy.get_session() as db_session:
                    await db_session.execute(
                        update(WebSession).where(WebSession.session_id == session_id).values(expires_at=now + max_age)
                    )
                    await db_session.commit()
            finally:
                write_intent.reset(token)
        return bytes(row.data)

    async def set(self, /, session_id: str, data: bytes, store: Store) -> None:
        if _loaded.get() == (session_id, data):
            return
        token = write_intent.set(True)  # a transaction of its own that writes, also after a GET
        try:
            await super().set(session_id, data, store)
        finally:
            write_intent.reset(token)

    async def delete(self, /, session_id: str, store: Store) -> None:
        token = write_intent.set(True)
        try:
            await super().delete(session_id, store)
        finally:
            write_intent.reset(token)


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of `Authorization: Bearer <token>` (a scanning device), or None."""
    scheme, space, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and space else None


@dataclass
class DatabaseSessionConfig(ServerSideSessionConfig):
    alchemy: SQLAlchemyAsyncConfig | None = None

    @property
    def _backend_class(self) -> Any:  # type: ignore[override]
        assert self.alchemy is not None
        return partial(DatabaseSessionBackend, alchemy_config=self.alchemy, model=WebSession)


def create_session_auth(settings: Settings, alchemy: SQLAlchemyAsyncConfig) -> SessionAuth[User, Any]:
    async def retrieve_user(session: dict[str, Any], _connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
        try:
            user_id = UUID(str(session.get("user_id")))
        except ValueError:
            return None
        token = write_intent.set(False)
        try:
            async with alchemy.get_session() as db_session:
                user = await db_session.get(User, user_id)
        finally:
            write_intent.reset(token)
        if user is None or not user.is_active or user.session_epoch != session.get("epoch"):
            return None
        return user

    session_config = DatabaseSessionConfig(
        alchemy=alchemy,
        key="przystan_session",
        max_age=settings.session_idle_minutes * 60,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        exclude=["^/static/", "^/healthz", "^/readyz"],
    )
    return SessionAuth[User, Any](
        retrieve_user_handler=retrieve_user,
        session_backend_config=session_config,
        exclude_opt_key="exclude_from_auth",
        exclude=["^/static/"],
    )
