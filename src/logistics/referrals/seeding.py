"""Demo referrals (`logistics seed demo`): over the six weeks before the load day, the demo's case worker refers
demo households to the food-aid partners (most), people to the labour office and the social integration centre, to
legal aid, crisis intervention, addiction counselling, a Polish course and the night shelter in Knurów (overdue),
and the night shelter's staff refer a resident to the shelter in Zabrze. The older referrals were confirmed by the
receiving institution (with the day the person came and a note), a few are overdue, the recent ones are open and
one was cancelled.

Each is issued through `ReferralService.issue` (code, holder, household size, the food-aid eligibility judged on
the load day, the audit record) and then moved back in time with plain UPDATEs: the service only issues today.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.accounts.models import User
from logistics.core.actor import Actor
from logistics.core.i18n import local_today, local_zone
from logistics.directory.models import Service
from logistics.people.models import Household, HouseholdMember, Person
from logistics.referrals.models import Referral, ReferralKind, ReferralStatus
from logistics.referrals.services import ReferralInput, ReferralService
from logistics.shelter.models import Stay
from logistics.sites.models import Site

FOOD_BANK = "Pomoc żywnościowa FEPŻ — paczki i warsztaty"  # seeds/demo/services.csv
CHARITY = "Punkt pomocy żywnościowej i jadłodajnia"
COMMON_TABLE = "Wydawanie paczek FEPŻ — Trynek i Sośnica"
LABOUR_OFFICE = "Pośrednictwo pracy i rejestracja osób bezrobotnych"
TRAINING = "Szkolenia zawodowe i bony szkoleniowe"
INTEGRATION = "Reintegracja zawodowa i warsztaty"
ZABRZE = "Schronisko dla osób bezdomnych w Zabrzu"
KNUROW = "Noclegownia i ogrzewalnia w Knurowie"
LEGAL_UK = "Nieodpłatna pomoc prawna — punkt nr 2 (Sośnica), porady po ukraińsku"
CRISIS = "Interwencja kryzysowa i pomoc osobom doznającym przemocy"
ADDICTION = "Poradnia leczenia uzależnień od alkoholu i narkotyków"
POLISH = "Bezpłatny kurs języka polskiego dla cudzoziemców"
NIGHT_SHELTER = "Noclegownia dla mężczyzn „Przystań”"  # seeds/demo/sites.json

FOOD_REASON = "Dochód rodziny poniżej 220% kryterium; rodzina korzysta z pomocy ośrodka."
FOOD_REQUEST = "Paczki żywnościowe FEPŻ na najbliższe miesiące."


@dataclass(frozen=True)
class Planned:
    kind: ReferralKind
    service: str
    issued: int  # days before the load day
    expected: int  # days from issue to the expected date
    status: ReferralStatus
    came: int | None = None  # confirmed: days from issue to the day the person came
    note: str = ""  # the receiving institution's note, or the reason for cancelling
    reason: str = FOOD_REASON
    requested: str = FOOD_REQUEST


_FOOD, _WORK, _SHELTER, _GENERAL = ReferralKind.FOOD_AID, ReferralKind.WORK, ReferralKind.SHELTER, ReferralKind.GENERAL
_OPEN, _DONE, _LATE, _OFF = (
    ReferralStatus.OPEN,
    ReferralStatus.CONFIRMED,
    ReferralStatus.OVERDUE,
    ReferralStatus.CANCELLED,
)

#: The demo's referrals, oldest first. Open ones are expected on or after the load day, overdue ones before it.
PLAN = (
    Planned(_FOOD, FOOD_BANK, 41, 14, _DONE, 3, "Paczka wydana, rodzina zapisana na kolejne miesiące."),
    Planned(
        _WORK,
        LABOUR_OFFICE,
        39,
        14,
        _DONE,
        7,
        "Zarejestrowany jako bezrobotny, umówiony z doradcą zawodowym.",
        "Długotrwale bez pracy, chce wrócić do zawodu magazyniera.",
        "Rejestracja jako bezrobotny i oferty pracy.",
    ),
    Planned(_FOOD, CHARITY, 38, 14, _DONE, 6, "Przyszła z córką; paczka i obiad."),
    Planned(_FOOD, COMMON_TABLE, 35, 14, _DONE, 2, "Paczki będą dowożone co miesiąc."),
    Planned(_FOOD, FOOD_BANK, 33, 14, _LATE),
    Planned(_FOOD, CHARITY, 30, 14, _DONE, 9),
    Planned(
        _GENERAL,
        LEGAL_UK,
        27,
        14,
        _DONE,
        8,
        "Porada w sprawie świadczeń dla obywateli Ukrainy.",
        "Sprawa świadczenia wychowawczego po zmianie przepisów.",
        "Porada prawna po ukraińsku.",
    ),
    Planned(_FOOD, FOOD_BANK, 26, 14, _OFF, note="Rodzina wyprowadziła się z Gliwic."),
    Planned(_FOOD, COMMON_TABLE, 24, 14, _DONE, 4, "Paczka wydana."),
    Planned(
        _WORK,
        INTEGRATION,
        22,
        30,
        _OPEN,
        reason="Po terapii uzależnienia, bez pracy od dwóch lat.",
        requested="Przyjęcie do programu reintegracji zawodowej.",
    ),
    Planned(_FOOD, FOOD_BANK, 20, 14, _LATE),
    Planned(
        _WORK,
        TRAINING,
        19,
        10,
        _LATE,
        reason="Chce zdobyć uprawnienia operatora wózka widłowego.",
        requested="Bon szkoleniowy na kurs operatora wózka widłowego.",
    ),
    Planned(_FOOD, CHARITY, 16, 14, _DONE, 5),
    Planned(
        _GENERAL,
        CRISIS,
        14,
        7,
        _DONE,
        2,
        "Konsultacja psychologa odbyta, kolejna za tydzień.",
        "Przemoc w rodzinie, procedura Niebieskiej Karty w toku.",
        "Konsultacja psychologa i prawnika.",
    ),
    Planned(_FOOD, FOOD_BANK, 12, 14, _DONE, 1, "Paczka wydana."),
    Planned(
        _SHELTER,
        KNUROW,
        10,
        7,
        _LATE,
        reason="Brak wolnych miejsc w noclegowni w Gliwicach.",
        requested="Nocleg na okres zimowy.",
    ),
    Planned(_FOOD, COMMON_TABLE, 9, 14, _OPEN),
    Planned(
        _GENERAL,
        ADDICTION,
        8,
        14,
        _OPEN,
        reason="Problem alkoholowy, sam prosi o pomoc.",
        requested="Konsultacja terapeuty uzależnień.",
    ),
    Planned(_FOOD, FOOD_BANK, 6, 14, _OPEN),
    Planned(
        _GENERAL,
        POLISH,
        5,
        21,
        _OPEN,
        reason="Szuka pracy, potrzebuje polskiego na poziomie A2.",
        requested="Zapis na kurs języka polskiego.",
    ),
    Planned(_FOOD, CHARITY, 3, 14, _OPEN),
    Planned(
        _SHELTER,
        ZABRZE,
        2,
        5,
        _OPEN,
        reason="Potrzebuje miejsca całodobowego; noclegownia zapewnia tylko nocleg.",
        requested="Miejsce w schronisku całodobowym.",
    ),
    Planned(_FOOD, FOOD_BANK, 1, 14, _OPEN),
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), local_zone()).astimezone(UTC)


async def load_referrals_demo(session: AsyncSession, today: date) -> int:
    """Once (when there are no referrals and the directory is loaded); returns the number of referrals added."""
    if await session.scalar(select(func.count()).select_from(Referral)):
        return 0
    services = {name: id_ for name, id_ in await session.execute(select(Service.name, Service.id))}
    case_worker = await session.scalar(select(User).where(User.username == "caseworker"))
    if case_worker is None or not all(planned.service in services for planned in PLAN):
        return 0
    shelter_staff = await session.scalar(select(User).where(User.username == "shelter"))
    night_shelter = await session.scalar(select(Site.id).where(Site.name == NIGHT_SHELTER))
    residents = list(
        await session.execute(
            select(Stay.person_id, Stay.site_id)
            .where(Stay.ended_at.is_(None), Stay.site_id == night_shelter)
            .order_by(Stay.started_at, Stay.id)
        )
    )
    # Heads of households whose income is known, the poorest first: the food-aid referrals' families.
    heads = list(
        await session.scalars(
            select(HouseholdMember.person_id)
            .join(Household, Household.id == HouseholdMember.household_id)
            .join(Person, Person.id == HouseholdMember.person_id)
            .where(HouseholdMember.position == 0, Household.income_per_person.is_not(None))
            .where(Person.anonymised_at.is_(None))
            .order_by(Household.income_per_person, Person.id)
            .limit(120)
        )
    )
    chooser = random.Random(18)
    people = chooser.sample(heads, min(len(heads), len(PLAN)))
    if len(people) < len(PLAN):
        return 0
    as_case_worker = ReferralService(session, Actor.of_user(case_worker))
    as_shelter_staff = ReferralService(session, Actor.of_user(shelter_staff)) if shelter_staff else None
    real_today = local_today()
    added = 0
    for number, planned in enumerate(PLAN):
        service, person_id, site_id = as_case_worker, people[number], None
        if planned.kind == ReferralKind.SHELTER:
            if not residents:
                continue
            person_id, site_id = residents.pop(0)
            if planned.service == ZABRZE and as_shelter_staff is not None:
                service = as_shelter_staff  # the night shelter's staff refer their own resident
        referral = await service.issue(
            ReferralInput(
                kind=planned.kind.value,
                person_id=person_id,
                service_id=services[planned.service],
                activity_id=None,
                reason=planned.reason,
                requested=planned.requested,
                expected_by=real_today + timedelta(days=planned.expected),
                site_id=site_id,
                whole_household=planned.kind == ReferralKind.FOOD_AID,
            )
        )
        issued_on = today - timedelta(days=planned.issued)
        values: dict[str, object] = {
            "issued_on": issued_on,
            "expected_by": issued_on + timedelta(days=planned.expected),
            "created_at": _at(issued_on, 9 + number % 6, 10 + number),
            "updated_at": _at(issued_on, 9 + number % 6, 10 + number),
            "status": planned.status.value,
        }
        if planned.status == ReferralStatus.CONFIRMED:
            assert planned.came is not None
            came_on = issued_on + timedelta(days=planned.came)
            values |= {
                "came_on": came_on,
                "confirmed_at": _at(came_on, 11, 30),
                "updated_at": _at(came_on, 11, 30),
                "confirmation_note": planned.note,
            }
        elif planned.status == ReferralStatus.CANCELLED:
            cancelled = _at(issued_on + timedelta(days=5), 14)
            values |= {"cancelled_at": cancelled, "updated_at": cancelled, "cancelled_reason": planned.note}
        await session.execute(update(Referral).where(Referral.id == referral.id).values(**values))
        added += 1
    await session.flush()
    return added
