"""Database engine and session configuration shared by every domain.

SQLite is tuned for several writers at once: WAL, a long busy timeout, foreign keys, and write transactions that
start with ``BEGIN IMMEDIATE`` so that a transaction which reads and then writes waits for the lock instead of
failing at once with "database is locked". Whether a transaction is a write transaction is decided by the
``write_intent`` context variable: web requests with a safe method (GET, HEAD, OPTIONS) run deferred unless their
route says ``opt={"writes": True}``; everything else (forms, API writes, CLI commands, jobs) starts immediate.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from logistics.settings import Settings

write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)

SQLITE_BUSY_TIMEOUT_MS = 20_000


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN out of the driver's hands so that _on_begin decides DEFERRED or IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def make_alchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    """The one SQLAlchemy configuration: engine, per-request session, Alembic migrations."""
    engine_config = EngineConfig(pool_pre_ping=not settings.is_sqlite)
    if settings.is_sqlite:
        engine_config = EngineConfig(connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        engine_config=engine_config,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        # Commit happens in logistics.db.transaction.TransactionMiddleware; the default handler only closes.
        create_all=False,
        alembic_config=AlembicAsyncConfig(
            script_location=str(settings.migrations_dir),
            version_table_name="alembic_version",
            render_as_batch=True,
        ),
    )
    if settings.is_sqlite:
        _tune_sqlite(config.get_engine())
    return config
