"""Check that the derived nights of bed assignments agree with their times (`logistics reports verify`).

`BedAssignment.first_night` and `end_night` are derived from `started_at` and `ended_at` (`night_of`) and kept
with them; the reports' bed-nights are counted from them. They can be rebuilt at any time: this finds the rows
where they disagree (a bulk UPDATE that forgot them, a change of LOGISTICS_TIMEZONE, a hand-edited database) and,
with `repair`, sets them again from the times.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.shelter.models import BedAssignment, night_of

BATCH = 5000


async def verify_nights(session: AsyncSession, repair: bool = False) -> int:
    """The number of bed assignments whose `first_night`/`end_night` disagree with `night_of(started_at)` /
    `night_of(ended_at)`; with `repair`, they are set right (in the session's transaction: the caller commits)."""
    wrong: list[dict[str, Any]] = []
    rows = await session.stream(
        select(
            BedAssignment.id,
            BedAssignment.started_at,
            BedAssignment.ended_at,
            BedAssignment.first_night,
            BedAssignment.end_night,
        ).execution_options(yield_per=BATCH)
    )
    async for assignment_id, started_at, ended_at, first_night, end_night in rows:
        first: date = night_of(started_at)
        end: date | None = None if ended_at is None else night_of(ended_at)
        if (first_night, end_night) != (first, end):
            wrong.append({"_id": assignment_id, "_first": first, "_end": end})
    if repair and wrong:
        table = BedAssignment.__table__
        assert isinstance(table, Table)
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(first_night=bindparam("_first"), end_night=bindparam("_end"))
        )
        for start in range(0, len(wrong), BATCH):
            await session.execute(statement, wrong[start : start + BATCH])
        ids: set[UUID] = {row["_id"] for row in wrong}
        for assignment in list(
            session.sync_session.identity_map.values()
        ):  # objects already loaded see the repaired nights
            if isinstance(assignment, BedAssignment) and assignment.id in ids:
                session.expire(assignment, ["first_night", "end_night"])
    return len(wrong)
