"""A small directory for the tests: four entries (labour office, legal aid speaking Ukrainian and English, a food
bank verified long ago, a counselling service with no address) and three places in Gliwice."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.directory.services import CSV_COLUMNS, DirectoryService

from ..helpers import db_session

SYSTEM = Actor.system("test")
HEADER = ",".join(CSV_COLUMNS)


def row(**values: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([values.get(column, "") for column in CSV_COLUMNS])
    return out.getvalue()


def sample(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def services_csv() -> bytes:
    return sample(
        row(
            institution="Powiatowy Urząd Pracy w Gliwicach",
            name="Pośrednictwo pracy",
            name_uk="Посередництво праці",
            name_en="Job placement",
            category="work",
            languages="pl;uk",
            offers="Oferty pracy, szkolenia, status osoby bezrobotnej",
            offers_uk="Вакансії, навчання",
            offers_en="Job offers, training",
            address="ul. Płowiecka 31",
            district="Śródmieście",
            latitude="50.2960",
            longitude="18.6680",
            phone="32 000 00 01",
            referral_required="tak",
            verified_on=(local_today() - timedelta(days=30)).isoformat(),
        ),
        row(
            institution="Punkt nieodpłatnej pomocy prawnej",
            name="Nieodpłatna pomoc prawna",
            name_uk="Безоплатна правова допомога",
            category="legal;refugees",
            languages="pl;uk;en",
            offers="Porady prawne dla osób, które nie mogą zapłacić za prawnika; pomoc Prawną w sprawach rodzinnych",
            offers_uk="Безоплатна юридична допомога",
            address="ul. Jagiellońska 2",
            latitude="50.3050",
            longitude="18.6900",
            opening_hours="pon.–pt. 9–15",
            verified_on=(local_today() - timedelta(days=100)).isoformat(),
        ),
        row(
            institution="Bank Żywności",
            name="Paczki żywnościowe FEPŻ",
            category="food",
            languages="pl",
            offers="Paczki żywnościowe",
            address="ul. Toszecka 101",
            latitude="50.3200",
            longitude="18.6800",
            referral_required="yes",
            verified_on="2020-01-15",
        ),
        row(institution="Poradnia bez adresu", name="Wsparcie psychologiczne", category="psychological;family"),
    )


PLACES = (
    "name,latitude,longitude\nŚródmieście,50.2945,18.6714\nSikornik,50.2850,18.6350\nul. Toszecka,50.3190,18.6790\n"
)


@pytest.fixture
async def directory(app: Any) -> dict[str, Any]:
    """The four entries and three places; their ids by name."""
    async with db_session(app) as session:
        service = DirectoryService(session, SYSTEM)
        await service.import_csv(services_csv())
        await service.import_places(PLACES.encode())
        found = await service.search("", limit=10)
        await session.commit()
        return {item.service.name: item.service.id for item in found.services}
