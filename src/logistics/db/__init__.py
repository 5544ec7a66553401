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
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from logistics.settings import Settings

write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)

#: The route option of a page that writes while it reads (the audit entry of a view): its transaction takes
#: SQLite's write lock first. Say it once, on the route: `@get("/people/{id}", opt=WRITES)`.
WRITES = {"writes": True}
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteInReadTransaction(RuntimeError):
    """A programming error: a request that declared no writes wrote (caught by the SQLite suite)."""


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
        # Reports read a year of history: a larger page cache and memory-mapped reads (no copy per page).
        cursor.execute("PRAGMA cache_size = -32768")  # 32 MiB per connection
        cursor.execute("PRAGMA mmap_size = 268435456")  # up to 256 MiB mapped
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = write_intent.get()
        connection.info["reads_only"] = not writes
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _no_write_in_a_read(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if connection.info.get("reads_only") and statement.lstrip()[:7].upper().startswith(_WRITES):
            raise WriteInReadTransaction(
                "This GET request writes (an audit entry of a view?) in a read transaction, which fails with "
                "'database is locked' while others write: give its route opt=WRITES (logistics.db.WRITES)."
            )


async def lock_keys(session: Any, *keys: str) -> None:
    """Hold a lock on each of `keys` until the transaction ends, so that read-then-write sections of concurrent
    transactions on the same keys run one after the other. PostgreSQL: transaction-level advisory locks, taken in
    a fixed order (no deadlock). SQLite needs none: its write transactions already run one at a time."""
    if session.bind.dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


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
