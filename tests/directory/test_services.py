"""The directory's use cases without HTTP: search (words without diacritics, Cyrillic, categories, languages,
nearest first), the CSV import (all or nothing, every bad row named), export → import, places, suggestions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from logistics.core.actor import Actor
from logistics.core.errors import DomainError, Forbidden
from logistics.directory.models import Service, ServiceSuggestion
from logistics.directory.services import DirectoryService, ImportRefused, months_ago

from ..helpers import db_session
from .conftest import PLACES, SYSTEM, row, sample, services_csv

CASE_WORKER = Actor(user_id=None, username="pracownik", role="case_worker")
SERVICES = services_csv()


async def load(app: Any) -> None:
    async with db_session(app) as session:
        service = DirectoryService(session, SYSTEM)
        assert await service.import_csv(SERVICES) == 4
        assert await service.import_places(PLACES.encode()) == 3
        await session.commit()


async def names(app: Any, query: str = "", **kwargs: Any) -> list[str]:
    async with db_session(app) as session:
        found = await DirectoryService(session, CASE_WORKER).search(query, **kwargs)
        return [item.service.name for item in found.services]


async def test_search_words_categories_languages(app: Any) -> None:
    await load(app)
    assert await names(app, "prawna") == ["Nieodpłatna pomoc prawna"]
    assert await names(app, "PRAWNĄ rodzinnych") == ["Nieodpłatna pomoc prawna"]
    assert await names(app, "юридична") == ["Nieodpłatna pomoc prawna"]
    assert await names(app, "посередництво") == ["Pośrednictwo pracy"]
    assert await names(app, "paczki prawna") == []
    assert await names(app, "paczki zywnosc") == ["Paczki żywnościowe FEPŻ"]
    assert await names(app, "", category="food") == ["Paczki żywnościowe FEPŻ"]
    assert await names(app, "", language="en") == ["Nieodpłatna pomoc prawna"]
    assert sorted(await names(app, "", language="uk")) == ["Nieodpłatna pomoc prawna", "Pośrednictwo pracy"]
    assert len(await names(app)) == 4


async def test_near_sorts_by_distance(app: Any) -> None:
    await load(app)
    async with db_session(app) as session:
        found = await DirectoryService(session, CASE_WORKER).search("", near="ul. Toszecka 5")
        assert found.place is not None and found.place.name == "ul. Toszecka"
        assert not found.near_unknown
        order = [item.service.institution for item in found.services]
        assert order == [
            "Bank Żywności",
            "Punkt nieodpłatnej pomocy prawnej",
            "Powiatowy Urząd Pracy w Gliwicach",
            "Poradnia bez adresu",
        ]
        distances = [item.distance_km for item in found.services]
        assert distances[0] is not None and distances[0] < 0.2
        assert distances[1] is not None and 1.5 < distances[1] < 2.0
        assert distances[3] is None
        unknown = await DirectoryService(session, CASE_WORKER).search("", near="Zielona Góra")
        assert unknown.near_unknown and unknown.place is None
        pair = await DirectoryService(session, CASE_WORKER).search("", near="50.2960, 18.6680")
        assert pair.services[0].service.name == "Pośrednictwo pracy"
        assert pair.services[0].distance_km == pytest.approx(0.0, abs=0.001)


async def test_import_refuses_every_bad_row_and_saves_nothing(app: Any) -> None:
    await load(app)
    bad = sample(
        row(institution="Dobry wiersz", name="Dobra usługa", category="legal"),
        row(institution="", name="Bez instytucji", category="legal"),
        row(institution="X", name="Y", category="astrology"),
        row(institution="X", name="Y", category="legal", languages="pl;xx"),
        row(institution="X", name="Y", category="legal", latitude="95", longitude="18"),
        row(institution="X", name="Y", category="legal", verified_on="2024-13-01"),
        row(institution="X", name="Y", category="legal", referral_required="może"),
        row(id="0190a3c8-0000-7000-8000-000000000000", institution="X", name="Y", category="legal"),
        row(institution="X" * 161, name="Y", category="legal"),
    )
    async with db_session(app) as session:
        before = await session.scalar(select(func.count()).select_from(Service))
        with pytest.raises(ImportRefused) as refused:
            await DirectoryService(session, SYSTEM).import_csv(bad)
        lines = sorted({line for line, _message in refused.value.rows})
        assert lines == [3, 4, 5, 6, 7, 8, 9, 10]
        assert await session.scalar(select(func.count()).select_from(Service)) == before


async def test_export_import_round_trip(app: Any) -> None:
    await load(app)
    async with db_session(app) as session:
        service = DirectoryService(session, SYSTEM)
        exported = await service.export_csv()
        assert await service.import_csv(exported) == 4
        assert await service.export_csv() == exported
        assert await session.scalar(select(func.count()).select_from(Service)) == 4


async def test_suggest_and_resolve(app: Any) -> None:
    async with db_session(app) as session:
        with pytest.raises(Forbidden):
            await DirectoryService(session, SYSTEM).suggest("x")
        suggestion = await DirectoryService(session, CASE_WORKER).suggest("Nowy punkt pomocy prawnej na Zatorzu")
        with pytest.raises(DomainError):
            await DirectoryService(session, CASE_WORKER).suggest("  ")
        resolved = await DirectoryService(session, SYSTEM).resolve_suggestion(suggestion.id)
        assert resolved.resolved_at is not None
        with pytest.raises(DomainError):
            await DirectoryService(session, SYSTEM).resolve_suggestion(suggestion.id)
        assert await session.scalar(select(func.count()).select_from(ServiceSuggestion)) == 1


def test_months_ago() -> None:
    from datetime import date

    assert months_ago(date(2026, 3, 31), 12) == date(2025, 3, 31)
    assert months_ago(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_ago(date(2026, 1, 15), 1) == date(2025, 12, 15)
