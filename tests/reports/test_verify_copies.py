"""`verify_copies`: the columns the reports count from, copied onto bed assignments (site, family, first-assignment
flag) and redemptions (programme, family, household size), are found when they disagree with their sources and
copied again with `repair`; a voucher whose household was deleted since keeps the family it was redeemed for."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import select, update

from logistics.reports.in_kind import build as in_kind
from logistics.reports.verify import verify_copies
from logistics.shelter.models import BedAssignment
from logistics.vouchers.models import Redemption, Voucher

from ..helpers import db_session
from . import aid
from .test_shelter_report import BY_KIND_TOTAL, english_report
from .test_shelter_report import build_known as build_shelter

AGREE = {"bed_assignments": 0, "redemptions": 0}


async def test_tampered_assignments_are_found_and_repaired(app, people):
    known = await build_shelter(app)
    async with db_session(app) as session:
        assert await verify_copies(session) == AGREE
        other_site = next(site for name, site in known.sites.items() if name != "Noclegownia")
        await session.execute(
            update(BedAssignment).where(BedAssignment.id == known.assignments["P1:n1"]).values(site_id=other_site)
        )
        await session.execute(
            update(BedAssignment).where(BedAssignment.id == known.assignments["P6:c1"]).values(family_id=uuid4())
        )
        flipped = known.assignments["P2:n2"]
        opens = await session.scalar(select(BedAssignment.opens_stay).where(BedAssignment.id == flipped))
        await session.execute(update(BedAssignment).where(BedAssignment.id == flipped).values(opens_stay=not opens))
        await session.commit()
    kinds, _ages, _reasons = await english_report(app)
    assert kinds.total != BY_KIND_TOTAL  # the copies are what the report counts
    async with db_session(app) as session:
        assert await verify_copies(session) == {"bed_assignments": 3, "redemptions": 0}
        assert await verify_copies(session) == {"bed_assignments": 3, "redemptions": 0}  # counting changes nothing
        assert await verify_copies(session, repair=True) == {"bed_assignments": 3, "redemptions": 0}
        await session.commit()
    async with db_session(app) as session:
        assert await verify_copies(session) == AGREE
        opens_again = await session.scalar(select(BedAssignment.opens_stay).where(BedAssignment.id == flipped))
        assert opens_again == opens
    kinds, _ages, _reasons = await english_report(app)
    assert kinds.total == BY_KIND_TOTAL


async def test_tampered_redemptions_are_found_and_repaired(app, people):
    await aid.build_known(app)
    before = aid.figures(await aid.english_report(app, in_kind))
    async with db_session(app) as session:
        assert await verify_copies(session) == AGREE
        first, second, third = (await session.scalars(select(Redemption).order_by(Redemption.at).limit(3))).all()
        await session.execute(
            update(Redemption).where(Redemption.id == first.id).values(household_size=first.household_size + 5)
        )
        await session.execute(update(Redemption).where(Redemption.id == second.id).values(family_id=uuid4()))
        other = await session.scalar(select(Voucher.programme_id).where(Voucher.programme_id != third.programme_id))
        await session.execute(update(Redemption).where(Redemption.id == third.id).values(programme_id=other))
        await session.commit()
    assert aid.figures(await aid.english_report(app, in_kind)) != before
    async with db_session(app) as session:
        assert await verify_copies(session) == {"bed_assignments": 0, "redemptions": 3}
        assert await verify_copies(session, repair=True) == {"bed_assignments": 0, "redemptions": 3}
        await session.commit()
    async with db_session(app) as session:
        assert await verify_copies(session) == AGREE
    assert aid.figures(await aid.english_report(app, in_kind)) == before


async def test_a_voucher_whose_household_is_gone_keeps_its_family(app, people):
    await aid.build_known(app)
    async with db_session(app) as session:
        redemption = await session.scalar(select(Redemption).order_by(Redemption.at).limit(1))
        # as ON DELETE SET NULL leaves a voucher whose household was deleted: the redemption keeps that household
        await session.execute(update(Voucher).where(Voucher.id == redemption.voucher_id).values(household_id=None))
        await session.execute(update(Redemption).where(Redemption.id == redemption.id).values(family_id=uuid4()))
        await session.commit()
    async with db_session(app) as session:
        assert await verify_copies(session) == AGREE
