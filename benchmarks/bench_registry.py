"""Registry: search over 50,000 people (target: under 100 ms on SQLite), measured in-process as server time.

People are generated with Polish and Ukrainian (Latin and Cyrillic) names and inserted in bulk with their
search tokens; then each query kind runs repeatedly through PersonService.search, the code behind the page.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchmarks.common import BIN, summary

GIVEN = [
    "Anna",
    "Maria",
    "Katarzyna",
    "Małgorzata",
    "Agnieszka",
    "Barbara",
    "Ewa",
    "Krystyna",
    "Łukasz",
    "Piotr",
    "Krzysztof",
    "Andrzej",
    "Tomasz",
    "Paweł",
    "Michał",
    "Józef",
    "Olena",
    "Oksana",
    "Iryna",
    "Natalia",
    "Mykola",
    "Serhii",
    "Олена",
    "Ірина",
    "Тарас",
    "Наталія",
    "Żaneta",
    "Grzegorz",
    "Stanisław",
    "Zofia",
]
FAMILY = [
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Kwiatkowski",
    "Krawczyk",
    "Piotrowski",
    "Grabowski",
    "Pawłowski",
    "Michalski",
    "Shevchenko",
    "Bondarenko",
    "Kovalenko",
    "Tkachenko",
    "Шевченко",
    "Бондаренко",
    "Коваленко",
    "Ковальчук",
    "Gościński",
    "Szczepański",
]
QUERIES = {
    "full name, no diacritics": "lukasz wojcik",
    "family-name prefix": "kowal",
    "Latin for a Cyrillic name": "olena kovalchuk",
    "Polish transcription": "szewczenko",
    "PESEL": None,  # filled with a real one
    "phone prefix": "+48 612",
}


async def populate(url: str, count: int) -> str:
    from logistics.people.models import Person, PersonToken, birth_year_band
    from logistics.people.names import search_tokens
    from logistics.people.pesel import make_pesel
    from logistics.people.services import phone_digits

    rng = random.Random(50_000)
    _seen.clear()
    engine = create_async_engine(url)
    a_pesel = ""
    async with engine.begin() as connection:
        people, tokens = [], []
        for n in range(count):
            born = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 32_000))
            sex = rng.choice(["female", "male"])
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            pesel = make_pesel(born, sex, n % 1000) if rng.random() < 0.8 and n < 900_000 else None
            phone = f"+48 6{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}"
            person_id = uuid4()
            if pesel and not a_pesel:
                a_pesel = pesel
            people.append(
                {
                    "id": person_id,
                    "given_name": given,
                    "family_name": family,
                    "birth_date": born,
                    "birth_year": born.year,
                    "birth_year_band": birth_year_band(born.year),
                    "sex": sex,
                    "citizenship": "PL",
                    "pesel": None if pesel in {p.get("pesel") for p in people[-5:]} else pesel,
                    "pesel_ukr": False,
                    "id_document": "",
                    "phone": phone,
                    "phone_digits": phone_digits(phone),
                    "email": "",
                    "preferred_language": "pl",
                    "needs_accessible": False,
                    "mobility_note": "",
                    "notes": "",
                    "clause_basis": "",
                    "is_incomplete": False,
                    "last_activity_at": datetime.now(UTC),
                    "created_at": datetime.now(UTC),
                    "updated_at": datetime.now(UTC),
                }
            )
            tokens.extend({"id": uuid4(), "person_id": person_id, "token": t} for t in search_tokens(given, family))
            if len(people) >= 5_000:
                await connection.execute(insert(Person), _unique_pesel(people))
                await connection.execute(insert(PersonToken), tokens)
                people, tokens = [], []
        if people:
            await connection.execute(insert(Person), _unique_pesel(people))
            await connection.execute(insert(PersonToken), tokens)
    async with engine.connect() as connection:  # fresh planner statistics, as autovacuum would give a live database
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await engine.dispose()
    return a_pesel


_seen: set[str] = set()


def _unique_pesel(rows: list[dict]) -> list[dict]:
    for row in rows:
        if row["pesel"] in _seen:
            row["pesel"] = None
        elif row["pesel"]:
            _seen.add(row["pesel"])
    return rows


async def measure(url: str, a_pesel: str, repeats: int = 60) -> dict[str, dict[str, float]]:
    from logistics.core.actor import Actor
    from logistics.people.services import PersonService

    engine = create_async_engine(url)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    actor = Actor(user_id=None, username="bench", role="case_worker", sees_all_sites=True)
    results: dict[str, dict[str, float]] = {}
    for label, query in QUERIES.items():
        text = query or a_pesel
        samples, found = [], 0
        for _ in range(repeats):
            async with maker() as session:
                started = time.perf_counter()
                hits = await PersonService(session, actor).search(text)
                samples.append((time.perf_counter() - started) * 1000)
                found = len(hits)
        results[label] = {**summary(samples), "results": found}
    await engine.dispose()
    return results


def run(people: int = 50_000, database_url: str | None = None) -> dict[str, object]:
    import logistics.app  # noqa: F401 — registers every model

    with tempfile.TemporaryDirectory() as var_dir:
        url = database_url or f"sqlite+aiosqlite:///{var_dir}/registry.db"
        env = {**os.environ, "LOGISTICS_VAR_DIR": var_dir, "LOGISTICS_DATABASE_URL": url}
        subprocess.run(
            [BIN / "logistics", "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True
        )
        started = time.perf_counter()
        a_pesel = asyncio.run(populate(url, people))
        load_seconds = round(time.perf_counter() - started, 1)
        return {"people": people, "load_seconds": load_seconds, "search_ms": asyncio.run(measure(url, a_pesel))}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, ensure_ascii=False))
