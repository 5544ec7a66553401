"""Vouchers set-up: two distribution points with stock, a kit, the income criterion, households and programmes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from logistics.accounts.services import AccountService, UserInput
from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Item, Kit, KitLine
from logistics.people.models import EligibilityThreshold, Household, HouseholdMember, Person
from logistics.sites.services import SiteInput, SiteService
from logistics.vouchers.models import Programme, ProgrammeLine, ProgrammePoint

from ..conftest import PASSWORD
from ..helpers import db_session

ADMIN = Actor(user_id=None, username="koordynator", role="admin", sees_all_sites=True)
EXPIRY = local_today() + timedelta(days=90)
#: Next month, a cycle a batch may be issued for ahead whatever the day the tests run: its first and last day.
NEXT_FIRST = (local_today().replace(day=1) + timedelta(days=32)).replace(day=1)
NEXT_LAST = (NEXT_FIRST + timedelta(days=32)).replace(day=1) - timedelta(days=1)
NEXT_CYCLE = f"{NEXT_FIRST:%Y-%m}"


@dataclass
class Aid:
    point: Any  # Punkt 1, with stock; the volunteer "wolontariusz" works here
    other_point: Any  # Punkt 2, no stock
    pasta: Any
    oil: Any
    kit: Any  # Paczka A: 2 pasta + 1 oil
    food: Any  # FEPZ: monthly, 1 kit + 1 oil per person, income rule 265 %, both points
    hygiene: Any  # HIG: one-off, decision rule, Punkt 1 only
    poor: Any  # household of 3, income 1,000 zł per person: eligible for FEPZ
    rich: Any  # household of 1, income 5,000 zł: not eligible
    unknown: Any  # household of 2 with no income recorded


def _person(given: str, family: str) -> Person:
    return Person(given_name=given, family_name=family, sex="female", last_activity_at=datetime.now(UTC))


def _household(income: Decimal | None, *names: tuple[str, str]) -> Household:
    return Household(
        income_per_person=income,
        members=[
            HouseholdMember(person=_person(*name), relationship="head" if n == 0 else "child", position=n)
            for n, name in enumerate(names)
        ],
    )


@pytest.fixture
async def aid(app, people) -> Aid:
    async with db_session(app) as session:
        sites = SiteService(session, ADMIN)
        point = await sites.create_site(
            SiteInput("Punkt 1", "ul. Parafialna 1", "", "pn–pt 10–14", ["distribution_point"])
        )
        other = await sites.create_site(SiteInput("Punkt 2", "ul. Szkolna 2", "", "", ["distribution_point"]))
        await AccountService(session, Actor.system("test")).create_user(
            UserInput(
                username="wolontariusz",
                full_name="Wolontariusz",
                role="volunteer",
                site_ids=[point.id],
                password=PASSWORD,
            )
        )
        pasta = Item(name="Makaron 500 g", category="food", unit="szt", perishable=True)
        oil = Item(name="Olej 1 l", category="food", unit="l", perishable=False)
        session.add_all([pasta, oil])
        await session.flush()
        kit = Kit(
            name="Paczka A",
            lines=[KitLine(item_id=pasta.id, quantity=Decimal(2)), KitLine(item_id=oil.id, quantity=Decimal(1))],
        )
        session.add(kit)
        session.add(
            EligibilityThreshold(
                valid_from=date(2025, 1, 1),
                single_person=Decimal(1010),
                per_person_in_family=Decimal(823),
                food_aid_percent=Decimal(265),
            )
        )
        await session.flush()
        food = Programme(
            code="FEPZ",
            name="FEPŻ — paczka żywnościowa",
            cycle="monthly",
            rule="income",
            income_percent=Decimal(265),
            lines=[
                ProgrammeLine(position=0, kit_id=kit.id, quantity=Decimal(1)),
                ProgrammeLine(position=1, item_id=oil.id, quantity=Decimal(1), per_person=True),
            ],
        )
        hygiene = Programme(
            code="HIG",
            name="Zestaw higieniczny",
            cycle="one_off",
            rule="decision",
            valid_days=30,
            lines=[ProgrammeLine(position=0, item_id=pasta.id, quantity=Decimal(4))],
            point_rows=[ProgrammePoint(site_id=point.id)],
        )
        poor = _household(Decimal(1000), ("Anna", "Kowalska"), ("Jan", "Kowalski"), ("Ola", "Kowalska"))
        rich = _household(Decimal(5000), ("Piotr", "Zamożny"))
        unknown = _household(None, ("Олена", "Шевченко"), ("Марія", "Шевченко"))
        session.add_all([food, hygiene, poor, rich, unknown])
        await session.flush()
        await LedgerService(session, ADMIN).receive(
            point.id, "Bank Żywności", [ReceiptLine(pasta.id, Decimal(40), EXPIRY), ReceiptLine(oil.id, Decimal(40))]
        )
        await session.commit()
        return Aid(point, other, pasta, oil, kit, food, hygiene, poor, rich, unknown)
