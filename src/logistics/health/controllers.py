"""Health checks for load balancers and monitoring: public, no personal data."""

from __future__ import annotations

from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from litestar import MediaType, Response, get
from litestar.di import NamedDependency
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.db.migrations_info import script_directory

PUBLIC = {"exclude_from_auth": True}


@get("/healthz", opt=PUBLIC, media_type=MediaType.JSON, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


def _current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


@get("/readyz", opt=PUBLIC, media_type=MediaType.JSON)
async def readyz(db_session: NamedDependency[AsyncSession]) -> Response[dict[str, Any]]:
    """The database answers and its schema is at the latest migration."""
    try:
        await db_session.execute(text("SELECT 1"))
        connection = await db_session.connection()
        current = await connection.run_sync(_current_heads)
    except Exception:
        return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)
    scripts: ScriptDirectory = script_directory()
    expected = set(scripts.get_heads())
    if current != expected:
        return Response({"status": "unavailable", "database": "migrations pending"}, status_code=503)
    return Response({"status": "ok", "database": "ok"}, status_code=200)
