"""App and database fixtures for SQLite and PostgreSQL, and users of every role.

LOGISTICS_TEST_DB=sqlite (default) or postgres (with LOGISTICS_TEST_POSTGRES_URL) picks the database; `make test`
runs the whole suite once for each. The schema is created once per run from the models (migrations are checked
against the models separately, in test_migrations.py and `logistics database check`); every test starts with
empty tables.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

import logistics.app  # noqa: F401 — imports every model, so the metadata is complete
from logistics.accounts import passwords
from logistics.db.base import metadata
from logistics.settings import Settings, get_settings

# Fast hashes in tests: the cost parameters are not what is under test.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

TEST_DB = os.environ.get("LOGISTICS_TEST_DB", "sqlite")
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DB == "postgres":
        url = os.environ.get("LOGISTICS_TEST_POSTGRES_URL")
        if not url:
            pytest.exit("LOGISTICS_TEST_DB=postgres needs LOGISTICS_TEST_POSTGRES_URL (scripts/with-postgres.sh)", 2)
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker has a PostgreSQL database of its own (`<database>_<worker>`), created on
    first use (the test role may create databases: scripts/with-postgres.sh)."""
    base, _sep, name = url.rpartition("/")
    own = f"{name}_{worker}"

    def create(connection: Any) -> None:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{own}"'))

    from sqlalchemy.ext.asyncio import create_async_engine

    async def go() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.run_sync(create)
        finally:
            await engine.dispose()

    asyncio.run(go())
    return f"{base}/{own}"


def _run_sync(url: str, work: Any) -> Any:
    """Run `work(sync_connection)` on a short-lived async engine (no sync driver is installed)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    async def go() -> Any:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.fixture(scope="session")
def schema(database_url: str) -> str:
    def create(connection: Any) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        metadata.create_all(connection)

    _run_sync(database_url, create)
    return database_url


def _empty_tables(connection: Any) -> None:
    tables = [table.name for table in metadata.sorted_tables]
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            connection.execute(text(f"DELETE FROM {name}"))


def _test_environment(monkeypatch: pytest.MonkeyPatch, url: str, var_dir: Path) -> None:
    monkeypatch.setenv("LOGISTICS_DATABASE_URL", url)
    monkeypatch.setenv("LOGISTICS_VAR_DIR", str(var_dir))
    monkeypatch.setenv("LOGISTICS_SECRET_KEY", "test-secret-key-0123456789abcdef")
    monkeypatch.setenv("LOGISTICS_SCHEDULER", "off")
    monkeypatch.setenv("LOGISTICS_ORG_NAME", "MOPS Testowo")
    monkeypatch.delenv("LOGISTICS_DEFAULT_LOCALE", raising=False)


@pytest.fixture
def settings(schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    _run_sync(schema, _empty_tables)
    _test_environment(monkeypatch, schema, tmp_path / "var")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


#: The demo centre's rows are kept aside once per run (and worker), in a schema of this name (PostgreSQL) or an
#: attached database file (SQLite) — out of sight of the migrations check — and copied back for each test that asks
#: for `demo`: loading the demo through the services takes most of a minute.
SNAPSHOT = "demo_snapshot"


def _open_snapshot(connection: Any) -> None:
    if connection.dialect.name == "sqlite":
        from sqlalchemy.engine import make_url

        path = f"{make_url(str(connection.engine.url)).database}.{SNAPSHOT}"
        connection.exec_driver_sql(f"ATTACH DATABASE '{path}' AS {SNAPSHOT}")
    else:
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SNAPSHOT}"))


@pytest.fixture(scope="session")
def demo_snapshot(schema: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`logistics seed demo` (as `load_demo`) once, on empty tables, then every table copied aside."""
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
    from sqlalchemy.pool import NullPool

    from logistics.seeding import load_demo

    async def load() -> None:
        engine = create_async_engine(schema, poolclass=NullPool)
        try:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                await load_demo(session)
                await session.commit()
        finally:
            await engine.dispose()

    def keep(connection: Any) -> None:
        _open_snapshot(connection)
        for table in metadata.sorted_tables:
            connection.execute(text(f"DROP TABLE IF EXISTS {SNAPSHOT}.{table.name}"))
            connection.execute(text(f"CREATE TABLE {SNAPSHOT}.{table.name} AS SELECT * FROM {table.name}"))

    with pytest.MonkeyPatch.context() as monkeypatch:
        _run_sync(schema, _empty_tables)
        _test_environment(monkeypatch, schema, tmp_path_factory.mktemp("demo-var"))
        get_settings.cache_clear()
        try:
            asyncio.run(load())
            _run_sync(schema, keep)
        finally:
            get_settings.cache_clear()
    return schema


@pytest.fixture
def demo(app: Litestar, demo_snapshot: str) -> None:
    """The demo centre in the test's (emptied) tables: the rows of `demo_snapshot`, copied back."""

    def restore(connection: Any) -> None:
        _open_snapshot(connection)
        _empty_tables(connection)  # the snapshot may have been taken just now, in these very tables
        for table in metadata.sorted_tables:
            # By name, not position: a test that migrates the schema again (test_migrations) leaves columns
            # added by later migrations at the end of their tables, in another order than the snapshot's.
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            connection.execute(
                text(f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {SNAPSHOT}.{table.name}")
            )

    _run_sync(demo_snapshot, restore)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    from logistics.app import create_app

    return create_app(settings)


@dataclass
class People:
    """One user per role plus two sites; `shelter` works only at site_a."""

    site_a: Any
    site_b: Any
    users: dict[str, Any]


@pytest.fixture
async def people(app: Litestar) -> People:
    from logistics.accounts.services import AccountService, UserInput
    from logistics.core.actor import Actor
    from logistics.sites.services import SiteInput, SiteService

    from .helpers import db_session

    async with db_session(app) as session:
        sites = SiteService(session, Actor.system("test"))
        site_a = await sites.create_site(
            SiteInput("Noclegownia A", "ul. Testowa 1", "+48 32 000 00 01", "", ["night_shelter"])
        )
        site_b = await sites.create_site(SiteInput("Schronisko B", "ul. Testowa 2", "", "", ["shelter"]))
        accounts = AccountService(session, Actor.system("test"))
        users = {}
        for role, username in (
            ("admin", "admin"),
            ("coordinator", "coordinator"),
            ("case_worker", "caseworker"),
            ("shelter_staff", "shelter"),
            ("warehouse", "warehouse"),
            ("volunteer", "volunteer"),
        ):
            site_ids = [site_a.id] if role in {"shelter_staff", "volunteer", "warehouse"} else []
            users[username] = await accounts.create_user(
                UserInput(
                    username=username, full_name=username.title(), role=role, site_ids=site_ids, password=PASSWORD
                )
            )
        await session.commit()
    return People(site_a=site_a, site_b=site_b, users=users)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


def csrf_token(client: AsyncTestClient[Any]) -> str:
    token = client.cookies.get("przystan_csrf")
    assert token, "no CSRF cookie yet: GET a page first"
    return token


async def login(client: AsyncTestClient[Any], username: str, password: str = PASSWORD) -> Any:
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    return await client.post(
        "/login",
        data={"_csrf_token": token.group(1), "username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )
