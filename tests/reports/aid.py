"""Known aid for the in-kind and FEPŻ reports: two distribution points, a FEPŻ programme (a kit of pasta and oil,
tea per person) and a clothing one, six households, vouchers issued and redeemed through the services, the
redemptions then dated in October 2026 (the service records "now") — some just outside the month, one undone —
and issues from stock without a voucher (3 soaps and 2 teas, whose weight is not known, in October; a jacket
reversed; 5 soaps on 30 September).

Households (the period's last year is 2026; age = 2026 − year of birth):
- H1 Kowalscy (4): Anna ♀ 2011 (15, disability), Jan ♂ 2010 (16), Ewa ♀ 1961 (65), Piotr ♂ 1962 (64, disability,
  BY, a shelter stay that ended before October). FEPŻ at Punkt 1 (the kit, 1 Oct 00:00) and Punkt 2 (the tea,
  15 Oct); clothing (a jacket) at Punkt 1 on 20 Oct.
- H2 Szewczenko (2, reason homelessness): Olena ♀ 1990 UA, Maria ♀ 2009 (17) UA. FEPŻ at Punkt 1, 31 Oct 23:59:59.
- H3 Nowak (1): Adam ♂, year of birth unknown, citizenship unknown, a shelter stay into October. FEPŻ at Punkt 1.
- H4, H5: FEPŻ redeemed on 1 Nov 00:00 and 30 Sep 23:59:59 (outside); H6: FEPŻ redeemed in October but undone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import update

from logistics.core.actor import Actor
from logistics.core.i18n import day_start, in_locale, local_today
from logistics.inventory.ledger import LedgerService, ReceiptLine
from logistics.inventory.models import Item, Kit, KitLine, Movement
from logistics.people.models import Household, HouseholdMember, HouseholdReason, Person
from logistics.reports.core import Period, Table
from logistics.shelter.models import Stay
from logistics.sites.services import SiteInput, SiteService
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Programme, ProgrammeLine, Redemption
from logistics.vouchers.redeeming import RedemptionService

from ..helpers import db_session

ADMIN = Actor(user_id=None, username="koordynator", role="admin", sees_all_sites=True)
CASE_WORKER = Actor(user_id=None, username="pracownik", role="case_worker", sees_all_sites=True)
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def local(day: date, hour: int = 12) -> datetime:
    return day_start(day) + timedelta(hours=hour)


@dataclass
class Known:
    points: dict[str, UUID] = field(default_factory=dict)
    items: dict[str, UUID] = field(default_factory=dict)
    households: dict[str, UUID] = field(default_factory=dict)
    people: dict[str, UUID] = field(default_factory=dict)


def _person(given: str, family: str, sex: str, born: int | None, citizenship: str = "PL", **extra: Any) -> Person:
    return Person(
        given_name=given,
        family_name=family,
        sex=sex,
        birth_year=born,
        citizenship=citizenship,
        last_activity_at=datetime.now(UTC),
        **extra,
    )


async def build_known(app: Any) -> Known:
    known = Known()
    volunteer_sites: set[UUID] = set()
    async with db_session(app) as session:
        sites = SiteService(session, ADMIN)
        for name in ("Punkt 1", "Punkt 2"):
            site = await sites.create_site(SiteInput(name, "ul. Testowa 1", "", "", ["distribution_point"]))
            known.points[name] = site.id
            volunteer_sites.add(site.id)
        shelter = await sites.create_site(SiteInput("Schronisko", "ul. Testowa 2", "", "", ["shelter"]))
        items = {
            "pasta": Item(name="Makaron 500 g", category="food", unit="szt", net_weight_kg=Decimal("0.5")),
            "oil": Item(name="Olej 1 l", category="food", unit="l", net_weight_kg=Decimal("0.92")),
            "tea": Item(name="Herbata 50 torebek", category="food", unit="szt"),  # no weight known
            "jacket": Item(name="Kurtka zimowa", category="clothing", unit="szt", net_weight_kg=Decimal("1.2")),
            "soap": Item(name="Mydło 100 g", category="hygiene", unit="szt", net_weight_kg=Decimal("0.1")),
        }
        session.add_all(items.values())
        await session.flush()
        known.items = {key: item.id for key, item in items.items()}
        kit = Kit(
            name="Paczka FEPŻ",
            lines=[
                KitLine(item_id=items["pasta"].id, quantity=Decimal(2)),
                KitLine(item_id=items["oil"].id, quantity=Decimal(1)),
            ],
        )
        session.add(kit)
        await session.flush()
        fepz = Programme(
            code="FEPZ",
            name="FEPŻ",
            cycle="monthly",
            rule="decision",
            lines=[
                ProgrammeLine(position=0, kit_id=kit.id, quantity=Decimal(1)),
                ProgrammeLine(position=1, item_id=items["tea"].id, quantity=Decimal(1), per_person=True),
            ],
        )
        clothes = Programme(
            code="ODZ",
            name="Odzież zimowa",
            cycle="one_off",
            rule="decision",
            lines=[ProgrammeLine(position=0, item_id=items["jacket"].id, quantity=Decimal(1))],
        )
        members = {
            "H1": [
                ("Anna", _person("Anna", "Kowalska", "female", 2011, has_disability=True)),
                ("Jan", _person("Jan", "Kowalski", "male", 2010)),
                ("Ewa", _person("Ewa", "Kowalska", "female", 1961)),
                ("Piotr", _person("Piotr", "Kowalski", "male", 1962, "BY", has_disability=True)),
            ],
            "H2": [
                ("Olena", _person("Olena", "Szewczenko", "female", 1990, "UA")),
                ("Maria", _person("Maria", "Szewczenko", "female", 2009, "UA")),
            ],
            "H3": [("Adam", _person("Adam", "Nowak", "male", None, ""))],
            "H4": [("Zenon", _person("Zenon", "Późny", "male", 1980))],
            "H5": [("Wanda", _person("Wanda", "Wczesna", "female", 1950))],
            "H6": [("Cofnięty", _person("Cofnięty", "Cofnięty", "male", 1950))],
        }
        households = {}
        for key, people in members.items():
            households[key] = Household(
                members=[
                    HouseholdMember(person=person, relationship="head" if n == 0 else "other", position=n)
                    for n, (_name, person) in enumerate(people)
                ],
                reason_rows=[HouseholdReason(reason="homelessness")] if key == "H2" else [],
            )
        session.add_all([fepz, clothes, *households.values()])
        await session.flush()
        known.households = {key: household.id for key, household in households.items()}
        known.people = {name: person.id for people in members.values() for name, person in people}
        # Adam's shelter stay runs into October (homeless); Piotr's ended the day before October began.
        session.add_all(
            [
                Stay(person_id=known.people["Adam"], site_id=shelter.id, started_at=local(date(2026, 9, 20))),
                Stay(
                    person_id=known.people["Piotr"],
                    site_id=shelter.id,
                    started_at=local(date(2026, 9, 1)),
                    ended_at=day_start(date(2026, 10, 1)) - timedelta(seconds=1),
                ),
            ]
        )
        expiry = local_today() + timedelta(days=90)
        ledger = LedgerService(session, ADMIN)
        for point_id in known.points.values():
            await ledger.receive(
                point_id,
                "Bank Żywności",
                [ReceiptLine(item_id, Decimal(50), expiry) for item_id in known.items.values()],
            )
        vouchers = VoucherService(session, ADMIN)
        issued = {}
        for key, household_id in known.households.items():
            await vouchers.decide(fepz.id, household_id, True, "decyzja")
            issued[key] = await vouchers.issue(fepz.id, household_id)
        await vouchers.decide(clothes.id, known.households["H1"], True, "decyzja")
        jacket_voucher = await vouchers.issue(clothes.id, known.households["H1"])

        actor = Actor(user_id=None, username="wolontariusz", role="volunteer", site_ids=frozenset(volunteer_sites))
        redeeming = RedemptionService(session, actor)
        point1, point2 = known.points["Punkt 1"], known.points["Punkt 2"]
        october_1, november_1 = day_start(date(2026, 10, 1)), day_start(date(2026, 11, 1))
        plan = [
            ("H1-kit", issued["H1"], point1, {kit.id: Decimal(1)}, october_1),
            ("H1-tea", issued["H1"], point2, None, local(date(2026, 10, 15))),
            ("H2", issued["H2"], point1, None, november_1 - timedelta(seconds=1)),
            ("H3", issued["H3"], point1, None, local(date(2026, 10, 10))),
            ("H1-jacket", jacket_voucher, point1, None, local(date(2026, 10, 20))),
            ("H4", issued["H4"], point1, None, november_1),
            ("H5", issued["H5"], point1, None, october_1 - timedelta(seconds=1)),
            ("H6", issued["H6"], point1, None, local(date(2026, 10, 12))),
        ]
        for request, voucher, point_id, wants, at in plan:
            outcome = await redeeming.redeem(voucher.code, point_id, f"request-{request}", wants)
            if request == "H6":
                await redeeming.undo(outcome.redemption.id)
            await session.execute(update(Redemption).where(Redemption.id == outcome.redemption.id).values(at=at))
            await session.execute(update(Movement).where(Movement.id == outcome.redemption.movement_id).values(at=at))
        # Without a voucher: 3 soaps to a kitchen, 2 teas to a club; a jacket issued by mistake and reversed.
        kitchen = await ledger.issue(point1, [(known.items["soap"], Decimal(3))], source="Kuchnia parafialna")
        mistake = await ledger.issue(point1, [(known.items["jacket"], Decimal(1))], source="Pomyłka")
        await ledger.reverse(mistake.id, "pomyłka")
        club = await ledger.issue(point1, [(known.items["tea"], Decimal(2))], source="Świetlica")
        early = await ledger.issue(point1, [(known.items["soap"], Decimal(5))], source="Kuchnia we wrześniu")
        for movement, at in (
            (kitchen, date(2026, 10, 5)),
            (mistake, date(2026, 10, 6)),
            (club, date(2026, 10, 7)),
            (early, date(2026, 9, 30)),
        ):
            await session.execute(update(Movement).where(Movement.id == movement.id).values(at=local(at)))
        await session.commit()
    return known


async def english_report(app: Any, build: Any, period: Period = OCTOBER) -> list[Table]:
    async with db_session(app) as session:
        with in_locale("en"):
            return list(await build(session, period))


def figures(tables: list[Table]) -> list[Any]:
    return [(table.columns, table.rows, table.total) for table in tables]
