"""Check that what the reports count from agrees with what it is derived from (`logistics reports verify`).

- `BedAssignment.first_night` and `end_night` are derived from `started_at` and `ended_at` (`night_of`) and kept
  with them; the reports' bed-nights are counted from them (`verify_nights`).
- `BedAssignment.site_id`, `family_id` and `opens_stay` are copied from the bed and the stay, and
  `Redemption.programme_id`, `family_id` and `household_size` from the voucher, when the row is written
  (`verify_copies`).

All of them can be rebuilt at any time: the checks find the rows where they disagree (a bulk UPDATE or INSERT that
forgot them, a change of LOGISTICS_TIMEZONE, a hand-edited database) and, with `repair`, set them again from their
sources.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Table, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement

from logistics.people.models import Household
from logistics.shelter.models import Bed, BedAssignment, Stay, night_of
from logistics.vouchers.models import Redemption, Voucher

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


def _assignment_wrong() -> ColumnElement[bool]:
    """An assignment whose site, family or opening flag disagrees with its bed and stay."""
    return or_(
        BedAssignment.site_id != select(Bed.site_id).where(Bed.id == BedAssignment.bed_id).scalar_subquery(),
        ~exists().where(
            Stay.id == BedAssignment.stay_id,
            func.coalesce(Stay.group_id, Stay.person_id) == BedAssignment.family_id,
            (Stay.started_at == BedAssignment.started_at) == BedAssignment.opens_stay,
        ),
    )


def _redemption_wrong() -> ColumnElement[bool]:
    """A redemption whose programme, household size or family disagrees with its voucher. A voucher whose household
    was deleted since (household_id set to NULL) keeps the family it was redeemed for."""
    return ~exists().where(
        Voucher.id == Redemption.voucher_id,
        Voucher.programme_id == Redemption.programme_id,
        Voucher.household_size == Redemption.household_size,
        or_(
            Voucher.household_id == Redemption.family_id,
            and_(
                Voucher.household_id.is_(None),
                or_(
                    Redemption.family_id == Voucher.id,
                    ~exists().where(Household.id == Redemption.family_id).correlate(Redemption),
                ),
            ),
        ),
    )


async def verify_copies(session: AsyncSession, repair: bool = False) -> dict[str, int]:
    """The number of bed assignments and of redemptions whose copied columns disagree with their sources; with
    `repair`, they are copied again (in the session's transaction: the caller commits)."""
    wrong = {
        "bed_assignments": int(
            await session.scalar(select(func.count()).select_from(BedAssignment).where(_assignment_wrong())) or 0
        ),
        "redemptions": int(
            await session.scalar(select(func.count()).select_from(Redemption).where(_redemption_wrong())) or 0
        ),
    }
    if repair and wrong["bed_assignments"]:
        stay = select(Stay).where(Stay.id == BedAssignment.stay_id)
        await session.execute(
            update(BedAssignment)
            .where(_assignment_wrong())
            .values(
                site_id=select(Bed.site_id).where(Bed.id == BedAssignment.bed_id).scalar_subquery(),
                family_id=stay.with_only_columns(func.coalesce(Stay.group_id, Stay.person_id)).scalar_subquery(),
                opens_stay=stay.with_only_columns(Stay.started_at == BedAssignment.started_at).scalar_subquery(),
            )
            .execution_options(synchronize_session=False)
        )
    if repair and wrong["redemptions"]:
        voucher = select(Voucher).where(Voucher.id == Redemption.voucher_id)
        await session.execute(
            update(Redemption)
            .where(_redemption_wrong())
            .values(
                programme_id=voucher.with_only_columns(Voucher.programme_id).scalar_subquery(),
                household_size=voucher.with_only_columns(Voucher.household_size).scalar_subquery(),
                family_id=voucher.with_only_columns(func.coalesce(Voucher.household_id, Voucher.id)).scalar_subquery(),
            )
            .execution_options(synchronize_session=False)
        )
    if repair and any(wrong.values()):
        for row in list(session.sync_session.identity_map.values()):
            if isinstance(row, BedAssignment | Redemption):
                session.expire(row)
    return wrong
