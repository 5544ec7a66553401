"""Helpers shared by the tests: a database session beside the app, form posts with the CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from .conftest import csrf_token


@asynccontextmanager
async def db_session(app: Litestar) -> AsyncIterator[AsyncSession]:
    """A session on the app's database for setting up and checking state.

    It has an engine of its own: the test client runs the app on another event loop, and asyncpg connections
    belong to the loop that opened them.
    """
    config = app.plugins.get(SQLAlchemyPlugin).config[0]
    engine = create_async_engine(config.connection_string, poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session
    finally:
        await engine.dispose()


async def count(app: Litestar, model: Any, *conditions: Any) -> int:
    async with db_session(app) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


async def post_form(client: Any, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a form as a browser would: with the CSRF token from the cookie in the `_csrf_token` field."""
    if not client.cookies.get("przystan_csrf"):
        await client.get("/healthz")
    form = {"_csrf_token": csrf_token(client), **(data or {})}
    kwargs.setdefault("follow_redirects", False)
    return await client.post(url, data=form, **kwargs)
