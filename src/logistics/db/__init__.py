"""Database engine and session configuration shared by every domain.

SQLite is tuned for several writers at once: WAL, a long busy timeout, foreign keys, and write transactions that
start with ``BEGIN IMMEDIATE`` so that a transaction which reads and then writes waits for the lock instead of
failing at once with "database is locked". Whether a transaction is a write transaction is decided by the
``write_intent`` context variable: web requests with a safe method (GET, HEAD, OPTIONS) run deferred unless their
route says ``opt={"writes": True}``; everything else (forms, API writes, CLI commands, jobs) starts immediate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar
from uuid import UUID

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from logistics.settings import Settings

T = TypeVar("T")

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
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            # Alembic's autocommit_block: no transaction, so a migration can switch PRAGMA foreign_keys off
            # around a table rebuild (which would otherwise delete the rows that cascade from the old table).
            connection.info["reads_only"] = False
            return
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


async def read_at_once(session: AsyncSession, *reads: Callable[[AsyncSession], Awaitable[T]]) -> list[T]:
    """The results of independent reads, each run in a read-only session of its own, all at once.

    SQLite runs one statement on one core: a page or a report made of several slow, independent reads then waits
    for the slowest instead of their sum (on PostgreSQL they overlap too). Each session reads in a transaction of
    its own, so two reads may see the database a moment apart — use it for figures, not for a read and a write
    that must agree. A session bound to a connection, holding changes of its own, or an engine with a single
    shared connection (an in-memory database) runs the reads one after another on `session` itself."""
    bind = session.bind
    if (
        len(reads) < 2
        or not isinstance(bind, AsyncEngine)
        or isinstance(bind.sync_engine.pool, StaticPool | SingletonThreadPool)
        or session.new
        or session.dirty
        or session.deleted
    ):
        return [await read(session) for read in reads]

    async def one(read: Callable[[AsyncSession], Awaitable[T]]) -> T:
        write_intent.set(False)  # a read transaction (SQLite: BEGIN, not BEGIN IMMEDIATE), in this task only
        async with AsyncSession(bind, expire_on_commit=False) as own:
            return await read(own)

    return list(await asyncio.gather(*(one(read) for read in reads)))


async def queue_on(session: AsyncSession, key: UUID) -> None:
    """Wait for, then hold until the transaction ends, a lock named by `key` (a distribution point): on PostgreSQL a
    transaction-level advisory lock, whose waiters are served in the order they came — rather than left to scramble
    for the row locks they will all want (the point's balance rows), which kept a few waiting for seconds under
    load. Nothing on SQLite, whose write transactions never overlap (and queue first come, first served in
    `logistics.db.transaction`)."""
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        number = int.from_bytes(key.bytes[:8], "big", signed=True) ^ int.from_bytes(key.bytes[8:], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})


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
