"""The demo directory (seeds/demo/services.csv and places.csv, loaded by `logistics seed demo`): a city like Gliwice
with its labour office, legal aid (one point speaking Ukrainian), counselling, health, food-aid partners, shelters of
other communes and more; fictional contact data; translated texts; verified over the past 18 months relative to the
load day, a few more than 12 months ago; places that a typed address resolves to, nearest first. The file is an
ordinary import file in the export's format."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import func, select

from logistics.core.actor import Actor
from logistics.core.i18n import local_today
from logistics.directory.models import Place, Service
from logistics.directory.seeding import DIRECTORY_WRITTEN_FOR
from logistics.directory.services import CSV_COLUMNS, DirectoryService, months_ago, needs_verification
from logistics.settings import get_settings

from ..conftest import login
from ..helpers import db_session

COORDINATOR = Actor(user_id=None, username="test", role="coordinator", sees_all_sites=True)
# Gliwice and the communes around it (Knurów to the south, Pyskowice to the north, Zabrze to the east).
SOUTH, NORTH, WEST, EAST = 50.20, 50.41, 18.55, 18.80


async def _services(app):
    async with db_session(app) as session:
        return list(await session.scalars(select(Service).order_by(Service.institution, Service.name)))


async def test_the_demo_directory_is_a_realistic_city(app, demo):
    services = await _services(app)
    assert len(services) >= 24
    categories = {category for service in services for category in service.categories}
    assert len(categories) >= 10
    assert {"work", "legal", "food", "shelter", "psychological", "health", "refugees"} <= categories
    for service in services:
        assert service.active and service.has_location
        assert SOUTH < service.latitude < NORTH and WEST < service.longitude < EAST, service.name
        assert service.phone.startswith("32 000 00 ") and service.email.endswith("@example.org")
        assert "example.org" in service.website
        assert service.address and service.opening_hours and service.district
        for field in ("name", "offers", "eligibility"):
            for suffix in ("_en", "_uk"):
                assert getattr(service, field + suffix), (service.name, field + suffix)
        assert "pl" in service.languages
    speaking = {language: sum(language in s.languages for s in services) for language in ("uk", "en", "ru")}
    assert speaking["uk"] >= 5 and speaking["en"] >= 3 and speaking["ru"] >= 2
    by_institution = {service.institution: service for service in services}
    assert by_institution["Powiatowy Urząd Pracy w Gliwicach"].referral_required
    food = [service for service in services if "food" in service.categories]
    partners = [service for service in food if service.referral_required and "FEPŻ" in service.offers]
    assert len(partners) >= 2  # the food bank and the charities hand out FEPŻ parcels on the centre's referral
    shelters = [service for service in services if "shelter" in service.categories]
    assert any("Gliwice" not in service.address for service in shelters)  # other communes'
    legal = [service for service in services if "legal" in service.categories]
    assert len(legal) >= 3 and any("uk" in service.languages for service in legal)
    assert any("en" in service.languages for service in legal)


async def test_verified_over_the_past_18_months_a_few_due_again(app, demo):
    today = local_today()
    services = await _services(app)
    days = [service.verified_on for service in services]
    assert all(day is not None and months_ago(today, 19) <= day <= today for day in days)
    due = [service for service in services if needs_verification(service)]
    assert 3 <= len(due) <= len(services) // 3
    assert all(service.verified_on < months_ago(today, 12) for service in due)
    assert max(day for day in days if day) >= today - timedelta(days=30)  # some checked in the last month


async def test_a_ukrainian_speaking_legal_aid_point_nearest_first(app, demo):
    async with db_session(app) as session:
        directory = DirectoryService(session, COORDINATOR)
        found = await directory.search(category="legal", language="uk", near="ul. Zwycięstwa 10")
        assert found.place is not None and found.place.name == "Zwycięstwa"
        names = [hit.service.name for hit in found.services]
        assert "Nieodpłatna pomoc prawna — punkt nr 2 (Sośnica), porady po ukraińsku" in names
        assert all("uk" in hit.service.languages and "legal" in hit.service.categories for hit in found.services)
        distances = [hit.distance_km for hit in found.services]
        assert all(distance is not None for distance in distances) and distances == sorted(distances)
        # Any legal aid near the same address: the point on that very street first, within a few hundred metres.
        nearest = (await directory.search(category="legal", near="ul. Zwycięstwa 10")).services[0]
        assert nearest.service.address.startswith("ul. Zwycięstwa") and nearest.distance_km < 0.5
        # From Łabędy the civic advice point there comes first.
        north = await directory.search(category="legal", near="Łabędy")
        assert north.services[0].service.district == "Łabędy"
        # Diacritics-insensitive, in Ukrainian too.
        assert (await directory.search("pomoc prawna ukrainsku")).services
        assert (await directory.search("безоплатна правова")).services


async def test_the_places_of_the_city(app, demo):
    async with db_session(app) as session:
        places = list(await session.scalars(select(Place)))
        assert len(places) >= 30
        assert all(SOUTH < p.latitude < NORTH and WEST < p.longitude < EAST for p in places)
        names = {place.name for place in places}
        assert {"Śródmieście", "Sikornik", "Sośnica", "Łabędy", "Zwycięstwa", "Toszecka", "Kozielska"} <= names


def test_the_demo_file_is_an_import_file_in_the_exports_format():
    path = get_settings().seeds_dir / "demo" / "services.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == CSV_COLUMNS
    assert all(len(row) == len(CSV_COLUMNS) and row[0] == "" for row in rows[1:])  # new entries: no ids
    verified = [row[CSV_COLUMNS.index("verified_on")] for row in rows[1:]]
    assert max(verified) <= DIRECTORY_WRITTEN_FOR.isoformat()  # importable on any day after it was written


async def test_the_demo_directory_through_the_search_page(app, client, demo):
    await login(client, "caseworker", "pomoc-demo-2026")
    client.cookies.set("lang", "uk")
    page = await client.get("/directory", params={"category": "legal", "language": "uk", "near": "ul. Zwycięstwa 10"})
    assert page.status_code == 200
    assert "Безоплатна правова допомога — пункт № 2" in page.text  # the Ukrainian name for a Ukrainian user
    async with db_session(app) as session:
        assert await session.scalar(select(func.count()).select_from(Service)) >= 24
