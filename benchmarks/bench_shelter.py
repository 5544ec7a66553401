"""Shelter: the occupancy board and "beds that fit this person" at 150 sites, 10,000 beds and 1,000,000 past stays.

Target (issue 4): the board renders in under 150 ms server time and "beds that fit this person" answers in under
50 ms at the 95th percentile, on SQLite and on PostgreSQL. Measured in-process, as server time: `occupancy()` (the
code behind the board) and `StayService.proposals()` (the code behind "beds that fit"), each repetition in a new
session, after one untimed call that opens the connection and warms SQLAlchemy's statement cache, with the
start-up objects frozen as `logistics serve` freezes them. Issue 19 adds the pages themselves over HTTP: a real
`logistics serve` (a separate process) and one aiohttp client timing each GET to its last byte (p99 under 100 ms
for the board, under 50 ms for every fit page). `--keep DIR` keeps the loaded database (and `loaded.json`) in DIR
and measures it again on the next run without loading (about 3–5 minutes).

The data (random.Random(4), so every run loads the same): 150 active shelter-kind sites (night shelters, shelters,
warming centres — some also an activity venue), rooms for men, women, families and mixed (a fifth accessible),
exactly 10,000 places (bunks in half the dormitories, seats and mats in warming centres). About 85 % are occupied
by an open stay with an open bed assignment, about 2 % held, 2 % out of service, the rest free. Behind them lie
1,000,000 closed stays (100 per place over three years, each with its closed bed assignment) of a pool of 100,000
people. Rows go in with bulk `insert(Model)` executemany, every column given so no ORM default runs per row, and
ids are time-ordered UUIDv7 values as the application makes them.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import event, insert, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchmarks.bench_registry import FAMILY, GIVEN
from benchmarks.common import BIN, free_port, summary, wait_for_port

SITES = 150
BEDS = 10_000
HISTORICAL_PER_BED = 100  # 10,000 places x 100 = 1,000,000 closed stays
PEOPLE = 100_000
CHUNK = 20_000
HISTORY = timedelta(days=3 * 365)
RECENT = timedelta(days=30)  # current stays began within the last 30 days; history ends before that

KIND_WEIGHTS = {"night_shelter": 45, "shelter": 40, "warming_centre": 15}
BEDS_PER_SITE = {"night_shelter": (40, 120), "shelter": (30, 100), "warming_centre": (20, 80)}
ROOM_SIZE = {"night_shelter": (4, 12), "shelter": (2, 8), "warming_centre": (10, 30)}
CATEGORY_WEIGHTS = {
    "night_shelter": {"men": 50, "women": 20, "mixed": 15, "family": 15},
    "shelter": {"men": 35, "women": 30, "family": 25, "mixed": 10},
    "warming_centre": {"mixed": 70, "men": 15, "women": 15},
}
CITIES = ["Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Szczecin", "Lublin", "Białystok", "Rzeszów"]
CHECKOUT_REASONS = ["own_housing", "other_facility", "hospital", "left_without_notice", "rules_violation", "other"]


class Ids:
    """Time-ordered UUIDv7 values (as the application's ids are), deterministic: a fixed millisecond and a counter."""

    def __init__(self, at: datetime) -> None:
        self.prefix = int(at.timestamp() * 1000) << 80 | 0x7 << 76 | 0x2 << 62
        self.counter = 0

    def __call__(self) -> UUID:
        self.counter += 1
        return UUID(int=self.prefix | self.counter)


def _tune_loading(engine: Any, url: str) -> None:
    """SQLite loads faster without fsyncs and with a larger page cache; WAL, as the application runs it."""
    if not url.startswith("sqlite"):
        return

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -131072")  # 128 MiB
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()


def _progress(message: str) -> None:
    print(f"[bench_shelter] {message}", file=sys.stderr, flush=True)


async def populate(url: str) -> dict[str, Any]:
    """Load the sites, places, people, current and past stays; returns what the measurements need."""
    from logistics.people.models import Person, birth_year_band
    from logistics.shelter.models import Bed, BedAssignment, Hold, OutOfService, Room, Stay, night_of
    from logistics.sites.models import Site, SiteKindRow

    rng = random.Random(4)
    now = datetime.now(UTC)
    new_id = Ids(now - HISTORY - RECENT - timedelta(days=1))
    engine = create_async_engine(url)
    _tune_loading(engine, url)

    async def put(model: type, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            async with engine.begin() as connection:
                await connection.execute(insert(model), rows[start : start + CHUNK])

    def audit(at: datetime) -> dict[str, datetime]:
        return {"created_at": at, "updated_at": at}

    # --- sites and their kinds -----------------------------------------------------------------------------
    sites, kind_rows, site_kind, weights = [], [], {}, []
    for n in range(SITES):
        kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        site_id = new_id()
        city = rng.choice(CITIES)
        sites.append(
            {
                "id": site_id,
                "name": f"{city} — {kind.replace('_', ' ')} {n + 1:03d}",
                "address": f"ul. Testowa {n + 1}, {city}",
                "phone": f"+48 22 {rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
                "opening_hours": "",
                "is_active": True,
                **audit(now - HISTORY - RECENT),
            }
        )
        kinds = {kind}
        if kind == "night_shelter" and rng.random() < 0.15:
            kinds.add("shelter")
        if rng.random() < 0.10:
            kinds.add("activity_venue")
        kind_rows.extend({"id": new_id(), "site_id": site_id, "kind": k} for k in sorted(kinds))
        site_kind[site_id] = kind
        weights.append(rng.randint(*BEDS_PER_SITE[kind]))
    # Scale the sizes so that the places add up to exactly BEDS.
    sizes = [w * BEDS // sum(weights) for w in weights]
    for i in range(BEDS - sum(sizes)):
        sizes[i % SITES] += 1
    await put(Site, sites)
    await put(SiteKindRow, kind_rows)

    # --- rooms and places ----------------------------------------------------------------------------------
    rooms, beds, bed_category = [], [], {}
    for site, size in zip(sites, sizes, strict=True):
        kind = site_kind[site["id"]]
        categories = CATEGORY_WEIGHTS[kind]
        left, number = size, 0
        while left:
            number += 1
            room_size = min(left, rng.randint(*ROOM_SIZE[kind]))
            left -= room_size
            category = rng.choices(list(categories), weights=list(categories.values()))[0]
            accessible = rng.random() < 0.2
            room_id = new_id()
            rooms.append(
                {
                    "id": room_id,
                    "site_id": site["id"],
                    "name": f"{'Sala' if kind == 'warming_centre' else 'Pokój'} {number:02d}",
                    "category": category,
                    "accessible": accessible,
                    "floor": str(rng.randrange(0, 4)),
                    "is_active": True,
                    **audit(now - HISTORY - RECENT),
                }
            )
            bunks = kind != "warming_centre" and room_size >= 4 and rng.random() < 0.5
            place = rng.choice(["seat", "mat"]) if kind == "warming_centre" else "bed"
            for b in range(room_size):
                bunk = ("lower" if b % 2 == 0 else "upper") if bunks else ""
                bed_id = new_id()
                beds.append(
                    {
                        "id": bed_id,
                        "room_id": room_id,
                        "site_id": site["id"],
                        "label": f"{number:02d}-{b + 1:02d}",
                        "kind": place,
                        "bunk": bunk,
                        "accessible": accessible and bunk != "upper" and rng.random() < 0.6,
                        "state": "available",
                        "is_active": True,
                        **audit(now - HISTORY - RECENT),
                    }
                )
                bed_category[bed_id] = category
    assert len(beds) == BEDS

    # --- the pool of people --------------------------------------------------------------------------------
    people, men, women = [], [], []
    for _ in range(PEOPLE):
        sex = "male" if rng.random() < 0.6 else "female"
        year = rng.randint(1940, 2005)
        person_id = new_id()
        (men if sex == "male" else women).append(person_id)
        people.append(
            {
                "id": person_id,
                "given_name": rng.choice(GIVEN),
                "family_name": rng.choice(FAMILY),
                "birth_date": None,
                "birth_year": year,
                "birth_year_band": birth_year_band(year),
                "sex": sex,
                "citizenship": rng.choice(["PL", "PL", "PL", "UA", ""]),
                "pesel": None,
                "pesel_ukr": False,
                "id_document": "",
                "phone": "",
                "phone_digits": "",
                "email": "",
                "preferred_language": "pl",
                "needs_accessible": rng.random() < 0.05,
                "mobility_note": "",
                "notes": "",
                "clause_given_on": None,
                "clause_basis": "",
                "is_incomplete": False,
                "merged_into_id": None,
                "anonymised_at": None,
                "last_activity_at": now - timedelta(seconds=rng.randrange(int(HISTORY.total_seconds()))),
                **audit(now - HISTORY - RECENT),
            }
        )
    await put(Person, people)
    del people
    everyone = men + women

    def someone(category: str) -> UUID:
        return rng.choice(men if category == "men" else women if category == "women" else everyone)

    _progress(f"{len(sites)} sites, {len(rooms)} rooms, {len(beds)} places, {PEOPLE} people")

    # --- now: occupied, held, out of service ---------------------------------------------------------------
    free_men, free_women = rng.sample(men, len(men)), rng.sample(women, len(women))
    stays, assignments, holds, repairs = [], [], [], []
    family_group: dict[UUID, UUID] = {}
    current_start: dict[UUID, datetime] = {}
    for bed in beds:
        draw, category = rng.random(), bed_category[bed["id"]]
        if draw < 0.85:
            bed["state"] = "occupied"
            pool = free_men if category == "men" else free_women if category == "women" else None
            if pool is None:
                pool = free_men if rng.random() < 0.5 else free_women
            person_id = pool.pop()
            started = now - timedelta(seconds=rng.randrange(int(RECENT.total_seconds())))
            current_start[bed["id"]] = started
            stay_id = new_id()
            group = family_group.setdefault(bed["room_id"], new_id()) if category == "family" else None
            stays.append(
                {
                    "id": stay_id,
                    "person_id": person_id,
                    "site_id": bed["site_id"],
                    "started_at": started,
                    "ended_at": None,
                    "checkout_reason": "",
                    "destination": "",
                    "group_id": group,
                    **audit(started),
                }
            )
            assignments.append(
                {
                    "id": new_id(),
                    "stay_id": stay_id,
                    "bed_id": bed["id"],
                    "person_id": person_id,
                    "started_at": started,
                    "ended_at": None,
                    "first_night": night_of(started),  # as the ORM listener keeps them
                    "end_night": None,
                    "site_id": bed["site_id"],  # as BedAssignment.begin copies them
                    "family_id": group or person_id,
                    "opens_stay": True,
                }
            )
        elif draw < 0.87:
            bed["state"] = "held"
            holds.append(
                {
                    "id": new_id(),
                    "bed_id": bed["id"],
                    "person_id": free_women.pop() if rng.random() < 0.5 else None,
                    "note": "skierowanie z MOPS",
                    "until": now + timedelta(minutes=rng.randrange(10, 240)),
                    "created_at": now - timedelta(minutes=rng.randrange(1, 60)),
                    "created_by": "bench",
                    "ended_at": None,
                    "end_reason": "",
                }
            )
        elif draw < 0.89:
            bed["state"] = "out_of_service"
            repairs.append(
                {
                    "id": new_id(),
                    "bed_id": bed["id"],
                    "reason": rng.choice(["repair", "disinfection", "quarantine", "other"]),
                    "note": "",
                    "expected_back": None,
                    "started_at": now - timedelta(days=rng.randrange(1, 20)),
                    "ended_at": None,
                }
            )
    await put(Room, rooms)
    await put(Bed, beds)
    await put(Stay, stays)
    await put(BedAssignment, assignments)
    await put(Hold, holds)
    await put(OutOfService, repairs)
    current = len(stays)
    _progress(f"{current} open stays, {len(holds)} holds, {len(repairs)} out of service")
    del stays, assignments, holds, repairs, free_men, free_women

    # --- 1,000,000 closed stays, 100 per place over three years --------------------------------------------
    origin = now - HISTORY - RECENT
    segment = HISTORY / HISTORICAL_PER_BED

    def history() -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        stays, assignments = [], []
        for bed in beds:
            category = bed_category[bed["id"]]
            for n in range(HISTORICAL_PER_BED):
                started = origin + segment * n + segment * rng.uniform(0, 0.3)
                ended = started + max(timedelta(hours=12), segment * rng.uniform(0.05, 0.65))
                person_id = someone(category)
                stay_id = new_id()
                stays.append(
                    {
                        "id": stay_id,
                        "person_id": person_id,
                        "site_id": bed["site_id"],
                        "started_at": started,
                        "ended_at": ended,
                        "checkout_reason": rng.choice(CHECKOUT_REASONS),
                        "destination": "",
                        "group_id": None,
                        **audit(started),
                    }
                )
                assignments.append(
                    {
                        "id": new_id(),
                        "stay_id": stay_id,
                        "bed_id": bed["id"],
                        "person_id": person_id,
                        "started_at": started,
                        "ended_at": ended,
                        "first_night": night_of(started),
                        "end_night": night_of(ended),
                        "site_id": bed["site_id"],
                        "family_id": person_id,
                        "opens_stay": True,
                    }
                )
                if len(stays) >= CHUNK:
                    yield stays, assignments
                    stays, assignments = [], []
        if stays:
            yield stays, assignments

    historical = 0
    for stay_rows, assignment_rows in history():
        async with engine.begin() as connection:
            await connection.execute(insert(Stay), stay_rows)
            await connection.execute(insert(BedAssignment), assignment_rows)
        historical += len(stay_rows)
        if historical % 100_000 == 0:
            _progress(f"{historical} closed stays")

    async with engine.connect() as connection:  # fresh planner statistics, as autovacuum would give a live database
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await engine.dispose()

    # A typical site for the one-site questions: a shelter with rooms of every category, of middle size.
    categories_at: dict[UUID, set[str]] = {}
    for room in rooms:
        categories_at.setdefault(room["site_id"], set()).add(room["category"])
    candidates = [
        (size, site["id"], site["name"])
        for site, size in zip(sites, sizes, strict=True)
        if site_kind[site["id"]] == "shelter" and categories_at[site["id"]] >= {"men", "women", "family", "mixed"}
    ]
    candidates.sort()
    _size, site_id, site_name = candidates[len(candidates) // 2]
    return {
        "historical_stays": historical,
        "open_stays": current,
        "site_id": site_id,
        "site_name": site_name,
    }


async def measure(url: str, site_id: UUID, repeats_board: int = 50, repeats_fit: int = 100) -> dict[str, Any]:
    import logistics.app
    from logistics.core.actor import Actor
    from logistics.people.models import Person
    from logistics.shelter.occupancy import occupancy
    from logistics.shelter.stays import StayService

    # As `logistics serve` does once at start: without it, each full collection of this process walks the ~230,000
    # objects of the loaded modules — 40–200 ms pauses that the server does not have.
    logistics.app._freeze_startup_objects()
    engine = create_async_engine(url)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    actor = Actor(user_id=None, username="bench", role="coordinator", sees_all_sites=True)

    async def timed(call: Any, repeats: int) -> dict[str, float]:
        async with maker() as session:  # untimed: opens the connection, fills the statement cache
            await call(session)
        samples, found = [], 0
        for _ in range(repeats):
            async with maker() as session:
                started = time.perf_counter()
                found = len(await call(session))
                samples.append((time.perf_counter() - started) * 1000)
        return {**summary(samples), "results": found}

    board = {
        "all sites": await timed(lambda s: occupancy(s, actor), repeats_board),
        "night shelters": await timed(lambda s: occupancy(s, actor, kind="night_shelter"), repeats_board),
    }
    man = Person(given_name="Jan", family_name="Bench", sex="male", needs_accessible=False)
    woman = Person(given_name="Anna", family_name="Bench", sex="female", needs_accessible=True)
    mother = Person(given_name="Olena", family_name="Bench", sex="female", needs_accessible=False)
    questions = {
        "man": (man, False),
        "woman needing an accessible bed": (woman, False),
        "family": (mother, True),
    }
    fit: dict[str, Any] = {}
    for label, (person, family) in questions.items():
        for where, site in (("all sites", None), ("one site", site_id)):
            fit[f"{label}, {where}"] = await timed(
                lambda s, p=person, f=family, w=site: StayService(s, actor).proposals(p, site_id=w, family=f),
                repeats_fit,
            )
    await engine.dispose()
    return {"board_ms": board, "fit_ms": fit}


PASSWORD = "bench-password-2026"


async def prepare_http(url: str, site_id: UUID) -> dict[str, str]:
    """Once per database: a coordinator (every site), shelter staff of the one site, and the three people asked
    about — a man, a woman needing an accessible bed, a mother with two children (a household not staying
    anywhere, so the check-in page also plans the family's room). Found again by name on a later run."""
    from logistics.accounts.models import User
    from logistics.accounts.services import AccountService, UserInput
    from logistics.core.actor import Actor
    from logistics.people.households import HouseholdService
    from logistics.people.models import Person
    from logistics.people.services import PersonInput, PersonService

    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            found = {
                person.given_name: str(person.id)
                for person in await session.scalars(select(Person).where(Person.family_name == "Benchowa-Fit"))
            }
            if not found:
                system = Actor(user_id=None, username="bench", role="admin", sees_all_sites=True)
                accounts = AccountService(session, system)
                for username, role, sites in [
                    ("bench-coordinator", "coordinator", []),
                    ("bench-staff", "shelter_staff", [site_id]),
                ]:
                    if await session.scalar(select(User.id).where(User.username == username)) is None:
                        await accounts.create_user(
                            UserInput(
                                username=username, full_name="Bench", role=role, site_ids=sites, password=PASSWORD
                            )
                        )
                worker = Actor(user_id=None, username="bench", role="case_worker", sees_all_sites=True)
                registry = PersonService(session, worker)
                people = {}
                for given, year, sex, accessible in [
                    ("Jan", 1970, "male", False),
                    ("Anna", 1965, "female", True),
                    ("Olena", 1990, "female", False),
                    ("Taras", 2016, "male", False),
                    ("Ola", 2019, "female", False),
                ]:
                    person = await registry.register(
                        PersonInput(given, "Benchowa-Fit", None, year, sex, needs_accessible=accessible),
                        confirmed_new=True,
                    )
                    people[given] = person.id
                homes = HouseholdService(session, worker)
                home = await homes.create(people["Olena"])
                await homes.add_member(home.id, people["Taras"], "child")
                await homes.add_member(home.id, people["Ola"], "child")
                await session.commit()
                found = {given: str(person_id) for given, person_id in people.items()}
            assert await session.scalar(select(User.id).where(User.username == "bench-staff")) is not None
    finally:
        await engine.dispose()
    return found


async def _client(base: str, username: str, paths: dict[str, str], repeats: int) -> dict[str, Any]:
    """One signed-in browser, one request at a time over a kept-alive connection: each GET timed from sending
    to the last byte of the body. The client's own garbage collector is off while it times (it is the apparatus,
    not the server); every answer must be 200."""
    import gc

    import aiohttp

    result: dict[str, Any] = {}
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(base, connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get("/login") as page:
            token = (await page.text()).split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"_csrf_token": token, "username": username, "password": PASSWORD, "next": "/"}
        async with http.post("/login", data=form, allow_redirects=False) as signed_in:
            assert signed_in.status == 303, signed_in.status
        for label, path in paths.items():
            for _ in range(3):  # untimed: the server's statement cache and templates, this connection
                async with http.get(path) as response:
                    await response.read()
            samples, size = [], 0
            gc.collect()
            gc.disable()
            try:
                for _ in range(repeats):
                    started = time.perf_counter()
                    async with http.get(path) as response:
                        body = await response.read()
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response.status == 200, (path, response.status)
                    size = len(body)
            finally:
                gc.enable()
            result[label] = {"path": path, "bytes": size, **summary(samples)}
    return result


def measure_http(url: str, var_dir: str, site_id: UUID, repeats: int = 100) -> dict[str, Any]:
    """The pages themselves through a real `logistics serve` (a separate process, one worker, the scheduler off)
    on the loaded database: the board (full page, the refresh partial, the JSON API) and the check-in page's step
    2 for each person — the beds that fit, the other categories (coordinator) and the family plan — as the
    coordinator (all sites) and as shelter staff of the one site."""
    people = asyncio.run(prepare_http(url, site_id))
    env = {
        **os.environ,
        "LOGISTICS_VAR_DIR": var_dir,
        "LOGISTICS_DATABASE_URL": url,
        "LOGISTICS_SCHEDULER": "off",
        "LOGISTICS_LOGIN_MAX_FAILURES": "100000",
    }
    port = free_port()
    process = subprocess.Popen(
        [BIN / "logistics", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, 60)

        def fit(given: str) -> str:
            return f"/shelter/check-in?person={people[given]}"

        board = {
            "board, all sites": "/shelter/board",
            "board, night shelters": "/shelter/board?kind=night_shelter",
            "occupancy API, all sites": "/api/v1/occupancy",
        }
        questions = {"man": fit("Jan"), "woman needing an accessible bed": fit("Anna"), "family": fit("Olena")}
        coordinator = asyncio.run(
            _client(
                base,
                "bench-coordinator",
                {**board, **{f"fit: {k}, all sites": v for k, v in questions.items()}},
                repeats,
            )
        )
        staff = asyncio.run(
            _client(base, "bench-staff", {f"fit: {k}, one site": v for k, v in questions.items()}, repeats)
        )
    finally:
        process.terminate()
        process.wait(timeout=20)
    return {"http_ms": {**coordinator, **staff}}


def run(database_url: str | None = None, keep: str | None = None) -> dict[str, object]:
    """Load and measure. With `keep` (a directory): the SQLite file (unless `database_url` is given) and what was
    loaded (`loaded.json`) stay there, and a later run with the same `keep` measures them again without loading."""
    import logistics.app  # noqa: F401 — registers every model

    with tempfile.TemporaryDirectory() as temporary:
        var_dir = keep or temporary
        os.makedirs(var_dir, exist_ok=True)
        url = database_url or f"sqlite+aiosqlite:///{var_dir}/shelter.db"
        env = {**os.environ, "LOGISTICS_VAR_DIR": var_dir, "LOGISTICS_DATABASE_URL": url}
        facts = Path(var_dir) / "loaded.json"
        if keep and facts.exists() and json.loads(facts.read_text())["url"] == url:
            loaded = json.loads(facts.read_text())
            loaded["site_id"] = UUID(loaded["site_id"])
            _progress(f"reusing the data loaded in {loaded['load_seconds']} s at {url}")
        else:
            subprocess.run(
                [BIN / "logistics", "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True
            )
            started = time.perf_counter()
            loaded = asyncio.run(populate(url))
            loaded["load_seconds"] = round(time.perf_counter() - started, 1)
            if keep:
                facts.write_text(json.dumps({**loaded, "url": url}, default=str))
        figures = asyncio.run(measure(url, loaded["site_id"]))
        figures |= measure_http(url, var_dir, loaded["site_id"])
        return {
            "sites": SITES,
            "beds": BEDS,
            "historical_stays": loaded["historical_stays"],
            "open_stays": loaded["open_stays"],
            "one_site": loaded["site_name"],
            "load_seconds": loaded["load_seconds"],
            **figures,
        }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", help="PostgreSQL (an empty, migrated-by-the-bench database); SQLite if not")
    parser.add_argument("--keep", help="a directory to keep the loaded data in, and to reuse them from next time")
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.database_url, arguments.keep), indent=2, ensure_ascii=False))
