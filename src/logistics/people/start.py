"""The registry part of a case worker's start page: records registered with the minimum at a night desk (to
complete), and households whose verified income lapses this month (verified a year ago: to verify again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.core.service import Service, query
from logistics.people.models import Household, Person
from logistics.people.policy import EDIT, EDIT_HOUSEHOLD, policy
from logistics.web.layout import register_panel

#: How long a verified income stands: a household's eligibility lapses this many months after the verification.
INCOME_VALID_MONTHS = 12
SHOWN = 5


def _months_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def lapse_window(today: date) -> tuple[date, date]:
    """Verified on a day in [first, last) lapses in `today`'s month."""
    return _months_back(today, INCOME_VALID_MONTHS), _months_back(today, INCOME_VALID_MONTHS - 1)


@dataclass(frozen=True)
class RegistryStart:
    incomplete: int
    incomplete_people: list[Person]  # the oldest first, at most SHOWN
    lapsing: int
    lapsing_households: list[Household]  # by verification date, at most SHOWN


class RegistryStartService(Service):
    @query
    async def start(self, today: date | None = None) -> RegistryStart:
        """What a case worker completes or verifies again: counts and the first few of each."""
        self.require(EDIT)
        incomplete = (Person.is_incomplete.is_(True), Person.merged_into_id.is_(None), Person.anonymised_at.is_(None))
        first, last = lapse_window(today or local_today())
        lapsing = (Household.income_verified_on >= first, Household.income_verified_on < last)
        may_edit_households = self.can(EDIT_HOUSEHOLD)
        return RegistryStart(
            incomplete=int(await self.session.scalar(select(func.count()).select_from(Person).where(*incomplete)) or 0),
            incomplete_people=list(
                await self.session.scalars(select(Person).where(*incomplete).order_by(Person.created_at).limit(SHOWN))
            ),
            lapsing=int(await self.session.scalar(select(func.count()).select_from(Household).where(*lapsing)) or 0)
            if may_edit_households
            else 0,
            lapsing_households=list(
                await self.session.scalars(
                    select(Household).where(*lapsing).order_by(Household.income_verified_on).limit(SHOWN)
                )
            )
            if may_edit_households
            else [],
        )


async def start_panel(session: AsyncSession, actor: Actor, _subject: None = None) -> dict[str, Any]:
    return {"registry": await RegistryStartService(session, actor).start()}


register_panel("home", "people/start_panel.html", policy.roles(EDIT), start_panel, order=15)
