"""`logistics seed demo`: fictional demo data from seeds/demo/, loaded idempotently (matched by natural keys)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.accounts.models import User
from logistics.accounts.passwords import hash_password_now
from logistics.activities.seeding import load_activities_demo
from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.directory.seeding import load_directory_demo
from logistics.inventory.seeding import load_catalogue_demo
from logistics.people.models import EligibilityThreshold, Person
from logistics.referrals.seeding import load_referrals_demo
from logistics.settings import get_settings
from logistics.shelter.seeding import load_shelter_demo
from logistics.sites.models import Site, SiteKindRow
from logistics.vouchers.seeding import load_grant_demo, load_voucher_demo

DEMO_PASSWORD = "pomoc-demo-2026"  # noqa: S105 — documented in the README, for the demo only


def _load(name: str) -> Any:
    path: Path = get_settings().seeds_dir / "demo" / name
    return json.loads(path.read_text(encoding="utf-8"))


async def load_demo(
    session: AsyncSession, *, only_if_empty: bool = False, households: bool = True, today: date | None = None
) -> str:
    """Load the demo; its history (stock, stays, roll calls, vouchers, sessions, referrals) lies in the weeks
    before `today` (the load day in the centre's time zone; another day for tests)."""
    if only_if_empty and await session.scalar(select(func.count()).select_from(User)):
        return "The database already has users; demo data not loaded."
    today = today or local_today()
    sites_by_name: dict[str, Site] = {}
    created_sites = 0
    for row in _load("sites.json"):
        site = await session.scalar(select(Site).where(Site.name == row["name"]))
        if site is None:
            site = Site(name=row["name"])
            session.add(site)
            created_sites += 1
        site.address, site.phone, site.opening_hours = row["address"], row["phone"], row["opening_hours"]
        site.gmina, site.operator = row.get("gmina", ""), row.get("operator", "")
        site.contact = row.get("contact", "")
        if "contract" in row and not site.contract_number:  # set once: a later load leaves the contract as it is
            site.contract_number, site.contract_from, site.contract_until = _contract(row["contract"], today)
        if sorted(k.value for k in site.kinds) != sorted(row["kinds"]):
            site.kind_rows = [SiteKindRow(kind=kind) for kind in sorted(row["kinds"])]
        sites_by_name[site.name] = site
    await session.flush()
    created_users = 0
    password_hash = hash_password_now(DEMO_PASSWORD)
    for row in _load("users.json"):
        user = await session.scalar(select(User).where(User.username == row["username"]))
        if user is None:
            user = User(username=row["username"], password_hash=password_hash, role=row["role"])
            session.add(user)
            created_users += 1
        user.full_name, user.role = row["full_name"], row["role"]
        user.sites = [sites_by_name[name] for name in row.get("sites", [])]
    await session.flush()
    thresholds = await _load_thresholds(session)
    added_households = await _load_households(session, today) if households else 0
    beds = await load_shelter_demo(session, _load("shelter.json"), today) if households else 0
    items = await load_catalogue_demo(session, _load("catalogue.json"), today) if households else 0
    vouchers, redeemed, tokens = (
        await load_voucher_demo(session, _load("programmes.json"), today) if households else (0, 0, [])
    )
    grants, spends, tills = (
        await load_grant_demo(session, _load("programmes.json").get("grants"), today) if households else (0, 0, [])
    )
    tokens += tills
    activities = await load_activities_demo(session, _load("activities.json"), today) if households else 0
    services, places = (
        await load_directory_demo(session, get_settings().seeds_dir / "demo", today) if households else (0, 0)
    )
    referrals = await load_referrals_demo(session, today) if households else 0
    summary = (
        f"Demo data: {created_sites} sites and {created_users} users added, {thresholds} income criteria, "
        f"{added_households} households, {beds} beds, {items} items, {vouchers} vouchers ({redeemed} redeemed), "
        f"{grants} grants ({spends} purchases at the partner shops), {activities} activities, "
        f"{services} services in the directory ({places} places), {referrals} referrals "
        f"(password for demo users: {DEMO_PASSWORD})."
    )
    if tokens:
        summary += "\nDevice tokens for the scanning API (shown only now):\n" + "\n".join(tokens)
    return summary


def _contract(row: dict[str, Any], today: date) -> tuple[str, date, date]:
    """A partner shop's contract around the load day: from the first day of the month `from_months` away to the
    last day of the month `until_months` away; its number names the year it began."""

    def month(shift: int) -> date:
        index = today.year * 12 + today.month - 1 + shift
        return date(index // 12, index % 12 + 1, 1)

    begins = month(row["from_months"])
    ends = month(row["until_months"] + 1) - timedelta(days=1)
    return row["number"].format(year=begins.year), begins, ends


async def _load_thresholds(session: AsyncSession) -> int:
    added = 0
    for row in _load("thresholds.json"):
        valid_from = date.fromisoformat(row["valid_from"])
        if await session.scalar(select(EligibilityThreshold.id).where(EligibilityThreshold.valid_from == valid_from)):
            continue
        session.add(
            EligibilityThreshold(
                valid_from=valid_from,
                single_person=Decimal(row["single_person"]),
                per_person_in_family=Decimal(row["per_person_in_family"]),
                food_aid_percent=Decimal(row["food_aid_percent"]),
            )
        )
        added += 1
    return added


#: The day households.json was written for: its verification dates move with the load day, so that every month
#: a few households' income, verified twelve months before, is due to be verified again.
HOUSEHOLDS_WRITTEN_FOR = date(2026, 12, 1)

#: People registered with the minimum at the night desk (given name, sex, year of birth), left for a case worker.
WALK_INS = (("Wiktor", "male", 1979), ("Jurij", "male", 1991), ("Halina", "female", 1962))


async def _load_households(session: AsyncSession, today: date) -> int:
    """Demo households, once: a household is recognised by its head's name and year of birth."""
    from logistics.people.households import HouseholdInput, HouseholdService
    from logistics.people.services import PersonInput, PersonService

    shift = today - HOUSEHOLDS_WRITTEN_FOR
    night_desk = PersonService(session, Actor(user_id=None, username="seed", role="shelter_staff"))
    for given_name, sex, birth_year in WALK_INS:
        if not await session.scalar(
            select(Person.id).where(Person.given_name == given_name, Person.is_incomplete.is_(True))
        ):
            await night_desk.quick_register(given_name, sex, birth_year)
    case_workers = {u.username: u for u in await session.scalars(select(User).where(User.role == "case_worker"))}
    added = 0
    for row in _load("households.json"):
        head = row["members"][0]
        exists = await session.scalar(
            select(Person.id).where(
                Person.given_name == head["given_name"],
                Person.family_name == head["family_name"],
                Person.birth_year == head["birth_year"],
            )
        )
        if exists:
            continue
        case_worker = case_workers.get(row["case_worker"])
        actor = Actor(user_id=case_worker.id if case_worker else None, username="seed", role="case_worker")
        people, homes = PersonService(session, actor), HouseholdService(session, actor)
        household = None
        for member in row["members"]:
            data = PersonInput(
                given_name=member["given_name"],
                family_name=member["family_name"],
                birth_date=date.fromisoformat(member["birth_date"]) if member["birth_date"] else None,
                birth_year=member["birth_year"],
                sex=member["sex"],
                citizenship=member["citizenship"],
                pesel=member["pesel"],
                pesel_ukr=member["pesel_ukr"],
                phone=member["phone"],
                email=member["email"],
                preferred_language=member["preferred_language"],
                needs_accessible=member["needs_accessible"],
                has_disability=member.get("has_disability", False),
                clause_given_on=date(2026, 1, 2),
                clause_basis="legal_obligation",
            )
            person = await people.register(data, confirmed_new=True)
            if household is None:
                household = await homes.create(person.id)
            else:
                await homes.add_member(household.id, person.id, member["relationship"])
        assert household is not None
        income = row["income_per_person"]
        verified = row["income_verified_on"]
        await homes.update(
            household.id,
            HouseholdInput(
                income_per_person=Decimal(income) if income is not None else None,
                # never after the load day, nor after the real one (a test may load the demo for a day ahead)
                income_verified_on=(
                    min(today, local_today(), date.fromisoformat(verified) + shift) if verified else None
                ),
                case_worker_id=case_worker.id if case_worker else None,
                reasons=row["reasons"],
            ),
        )
        added += 1
    return added
