"""One way to run a use case: a refusal leaves nothing behind, effects happen after commit, GET pages that write
say so, and parallel failed sign-ins never pass the limit."""

from __future__ import annotations

import asyncio
import contextlib
import re

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from logistics.accounts.models import LoginFailure
from logistics.core.actor import Actor
from logistics.core.errors import DomainError
from logistics.core.service import Service, after_commit, query, unit_of_work
from logistics.db import WriteInReadTransaction, write_intent
from logistics.sites.models import Site, SiteKindRow

from ..conftest import TEST_DB
from ..helpers import count, db_session
from ..live import serve


class Sites(Service):
    """A toy domain: each use case adds a site, then maybe refuses."""

    async def add(self, name: str, *, refuse: bool = False, effects: list[str] | None = None) -> Site:
        site = Site(name=name, kind_rows=[SiteKindRow(kind="warehouse")])
        self.session.add(site)
        await self.session.flush()
        if effects is not None:

            async def remember() -> None:
                effects.append(name)

            after_commit(self.session, remember)
        if refuse:
            raise DomainError("no")
        return site

    async def add_two(self, first: str, second: str, *, refuse_second: bool) -> None:
        await self.add(first)
        await self.add(second, refuse=refuse_second)

    async def add_unless_refused(self, first: str, second: str) -> None:
        """Catches the refusal of an inner use case and completes: only the inner one's work is undone."""
        await self.add(first)
        with contextlib.suppress(DomainError):
            await self.add(second, refuse=True)

    @query
    async def names(self) -> list[str]:
        return list(await self.session.scalars(select(Site.name).order_by(Site.name)))


async def test_a_refused_use_case_leaves_nothing_even_when_the_caller_goes_on(app):
    effects: list[str] = []
    async with db_session(app) as session:
        sites = Sites(session, Actor.system("test"))
        await sites.add("kept", effects=effects)
        with pytest.raises(DomainError):
            await sites.add("refused", refuse=True, effects=effects)
        with pytest.raises(DomainError):
            await sites.add_two("first of two", "second of two", refuse_second=True)
        await sites.add_unless_refused("outer", "inner")
        assert await sites.names() == ["kept", "outer"]  # visible at once, in the same transaction
        await session.commit()
    async with db_session(app) as session:
        assert list(await session.scalars(select(Site.name).order_by(Site.name))) == ["kept", "outer"]


async def test_effects_run_after_commit_and_never_for_a_refusal_or_a_rollback(app):
    from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin

    config = app.plugins.get(SQLAlchemyPlugin).config[0]
    maker = config.create_session_maker()
    effects: list[str] = []
    async with unit_of_work(maker) as session:
        sites = Sites(session, Actor.system("test"))
        await sites.add("committed", effects=effects)
        with pytest.raises(DomainError):
            await sites.add("refused", refuse=True, effects=effects)
        assert effects == []  # nothing happens inside the transaction
    assert effects == ["committed"]

    async def failing_job() -> None:
        async with unit_of_work(maker) as session:
            await Sites(session, Actor.system("test")).add("rolled back", effects=effects)
            raise RuntimeError("the job failed")

    with pytest.raises(RuntimeError):
        await failing_job()
    assert effects == ["committed"]
    assert await count(app, Site) == 1
    await config.get_engine().dispose()


@pytest.mark.skipif(TEST_DB != "sqlite", reason="SQLite's read transactions are what the guard protects")
async def test_a_write_in_a_read_transaction_is_refused_on_sqlite(app):
    from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin

    config = app.plugins.get(SQLAlchemyPlugin).config[0]
    token = write_intent.set(False)
    try:
        async with config.get_session() as session:
            await session.scalar(select(Site.id))
            session.add(Site(name="written in a read"))
            with pytest.raises(WriteInReadTransaction):
                await session.flush()
    finally:
        write_intent.reset(token)
        await config.get_engine().dispose()


def test_serve_with_several_workers_refuses_on_sqlite(settings):
    from logistics.cli import serve

    if not settings.is_sqlite:
        pytest.skip("PostgreSQL serves several workers")
    result = CliRunner().invoke(serve, ["--workers", "2"])
    assert result.exit_code == 2
    assert "SQLite serves one worker process" in result.output


@pytest.mark.skipif(TEST_DB != "postgres", reason="SQLite runs one writer at a time: the race needs PostgreSQL")
async def test_parallel_failed_sign_ins_never_pass_the_limit(app, people, settings):
    """Twenty wrong guesses at once for one user: the limit (5) is kept — five counted failures, the rest refused
    as throttled, and the right password is refused too until the lockout ends."""
    with serve(app) as url:

        async def guess(password: str) -> int:
            async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                page = await client.get("/login")
                token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
                assert token
                response = await client.post(
                    "/login",
                    data={"_csrf_token": token.group(1), "username": "admin", "password": password, "next": "/"},
                )
                return response.status_code

        statuses = await asyncio.gather(*(guess(f"wrong-password-{n}") for n in range(20)))
        assert await count(app, LoginFailure, LoginFailure.username == "admin") == settings.login_max_failures
        assert sorted(statuses) == [401] * settings.login_max_failures + [429] * (20 - settings.login_max_failures)
        assert await guess("correct-horse-battery") == 429
