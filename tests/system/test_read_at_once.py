"""`read_at_once`: independent reads run at once, each in a read-only session of its own (SQLite: a deferred BEGIN,
so they neither take nor wait for the write lock); a session holding changes of its own runs them on itself."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from logistics.db import read_at_once
from logistics.sites.models import Site

from ..helpers import db_session


async def test_reads_run_at_once_in_sessions_of_their_own(app, people):
    started: list[int] = []
    both_running = asyncio.Event()
    sessions = set()

    async def read(session):
        sessions.add(id(session))
        started.append(1)
        if len(started) == 2:
            both_running.set()
        await asyncio.wait_for(both_running.wait(), 5)  # the second read began before the first ended
        return await session.scalar(select(func.count()).select_from(Site))

    async with db_session(app) as session:
        expected = await session.scalar(select(func.count()).select_from(Site))
        assert await read_at_once(session, read, read) == [expected, expected]
    assert len(sessions) == 2 and id(session) not in sessions


async def test_a_session_with_changes_of_its_own_reads_them_itself(app, people):
    seen: list[int] = []

    async def read(session):
        seen.append(id(session))
        return await session.scalar(select(func.count()).select_from(Site).where(Site.name == "Nowy punkt"))

    async with db_session(app) as session:
        session.add(Site(name="Nowy punkt"))  # not flushed: other sessions could not see it
        assert await read_at_once(session, read, read) == [1, 1]
        assert seen == [id(session), id(session)]
        await session.rollback()


async def test_a_read_that_fails_fails_the_whole(app, people):
    async def fails(_session):
        raise RuntimeError("broken read")

    async def counts(session):
        return await session.scalar(select(func.count()).select_from(Site))

    async with db_session(app) as session:
        with pytest.raises(RuntimeError, match="broken read"):
            await read_at_once(session, counts, fails)
