"""Inventory ledger: a location's stock page and a FEFO pick over 1,000,000 movements.

Target (issue 5): with 1,000,000 movements over 500 items, 20 locations and 20,000 lots, a location's stock page
takes under 100 ms server time and a FEFO pick under 10 ms at the 95th percentile, on SQLite and on PostgreSQL.
Measured in-process, as server time: `stock_at()` (the query behind the stock page) and `LedgerService.fefo()`
(the lot choice behind every issue and transfer), each repetition in a new session, after one untimed call that
opens the connection and warms SQLAlchemy's statement cache.

The data (random.Random(5): every run loads the same, only dated back from today's midnight): 20 stock
locations (a central warehouse, a second warehouse, 18 distribution points of different sizes), 500 items made
from the demo catalogue's items (more than half food, nearly all of it perishable), exactly 20,000 lots (each
item's lots follow one another over the two years; a perishable lot expires its item's shelf life after its
receiving window ends, goods that do not expire have 9999-12-31 and a producer's lot number). 1,000,000
movements over two years, replayed in time order so that no balance ever goes negative: receipts into the
warehouses (1–3 lines), transfers from a warehouse to a point (one movement of two lines, FEFO at the sender,
mostly what the point runs short of), issues at the points (1–3 lines, FEFO, never an expired lot), write-offs
of expired lots some days after their expiry and of damaged goods (one line). The balances are the sums of the
lines per (location, lot), zero rows included, as the ledger leaves them, and `verify()` checks them against
the lines after loading. Rows go in with bulk `insert(Model)` executemany, every column given so no ORM default
runs per row, ids time-ordered UUIDv7 values (bench_shelter's `Ids`).

The stock page of the central warehouse is also timed with the garbage collector off, which separates the
query and the ORM from the collector's full passes.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from bisect import bisect, insort
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchmarks.bench_shelter import Ids, _tune_loading
from benchmarks.common import BIN, ROOT, summary

SEED = 5
WAREHOUSES = 2
POINTS = 18
ITEMS = 500
LOTS = 20_000
MIN_LOTS_PER_ITEM = 8
MOVEMENTS = 1_000_000
HISTORY = timedelta(days=730)
CHUNK = 50_000  # movements per transaction, with their lines (about 100,000)
EXPIRING_DAYS = 14
NO_EXPIRY = date(9999, 12, 31)  # as logistics.inventory.models.NO_EXPIRY (models are imported late, when used)
NO_EXPIRY_DAY = NO_EXPIRY.toordinal()

CATEGORY_WEIGHTS = {"food": 55, "hygiene": 14, "baby": 10, "cleaning": 7, "clothing": 6, "bedding": 4, "other": 4}
#: Shelf life of perishable items in days: milk, baby jars and the like; dry goods; tins.
SHELF_LIFE = [((45, 150), 20), ((180, 540), 50), ((540, 1080), 30)]
#: Shares of the movements; a kind that finds nothing to do at its moment (no stock yet) becomes a receipt.
KIND_WEIGHTS = {"receipt": 14, "transfer": 26, "issue": 57, "write_off": 3}
REORDER_LEVEL = 20  # a transfer brings an item the point has less of than this, when it finds one
REORDER_TRIES = 12
CENTRAL_SHARE = 0.75  # of receipts into, and transfers out of, the central warehouse
CITIES = ["Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Lublin", "Białystok", "Radom"]
DONORS = [
    "Bank Żywności",
    "Program FE PŻ",
    "Zbiórka w sklepach",
    "Darowizna — sieć handlowa",
    "Darczyńca indywidualny",
    "Urząd Miasta",
]
USERS = ["magazyn.anna", "magazyn.piotr", "magazyn.oksana", "punkt.ewa", "punkt.tomasz", "punkt.iryna"]


def _progress(message: str) -> None:
    print(f"[bench_inventory] {message}", file=sys.stderr, flush=True)


class History:
    """The catalogue, the locations and the lots, then the movements replayed in time order (`movements()`),
    keeping every balance as the ledger would; `balances` holds the sums per (location, lot) afterwards."""

    def __init__(self, now: datetime) -> None:
        self.rng = rng = random.Random(SEED)
        self.now = now
        self.origin = now - HISTORY
        self.new_id = Ids(self.origin - timedelta(days=31))
        created = {"created_at": self.origin - timedelta(days=30), "updated_at": self.origin - timedelta(days=30)}

        # --- locations: the central warehouse, a second one, 18 distribution points --------------------------
        self.sites: list[dict[str, Any]] = []
        self.kind_rows: list[dict[str, Any]] = []
        for n in range(WAREHOUSES + POINTS):
            warehouse = n < WAREHOUSES
            city = CITIES[0] if n == 0 else CITIES[1] if n == 1 else rng.choice(CITIES)
            name = (
                "Magazyn centralny — Warszawa"
                if n == 0
                else f"Magazyn — {city}"
                if warehouse
                else f"Punkt wydawania {n - WAREHOUSES + 1:02d} — {city}"
            )
            site_id = self.new_id()
            self.sites.append(
                {
                    "id": site_id,
                    "name": name,
                    "address": f"ul. Magazynowa {n + 1}, {city}",
                    "phone": f"+48 22 {rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
                    "opening_hours": "pn–pt 8–16",
                    "is_active": True,
                    **created,
                }
            )
            kind = "warehouse" if warehouse else "distribution_point"
            self.kind_rows.append({"id": self.new_id(), "site_id": site_id, "kind": kind})
        self.site_ids = [site["id"] for site in self.sites]
        self.points = list(range(WAREHOUSES, WAREHOUSES + POINTS))
        self.point_cum = _cumulative([rng.uniform(0.3, 2.0) for _ in self.points])

        # --- items: the demo catalogue's items in several variants, by category ------------------------------
        catalogue = json.loads((ROOT / "seeds" / "demo" / "catalogue.json").read_text())["items"]
        templates: dict[str, list[dict[str, Any]]] = {}
        for row in catalogue:
            templates.setdefault(row["category"], []).append(row)
        self.items: list[dict[str, Any]] = []
        self.shelf: list[tuple[int, int] | None] = []
        for n in range(ITEMS):
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
            template = rng.choice(templates[category])
            perishable = bool(template["perishable"]) and not (category == "food" and rng.random() < 0.1)
            self.items.append(
                {
                    "id": self.new_id(),
                    "name": f"{template['name']} · {n + 1:03d}",
                    "name_en": f"{template['name_en']} · {n + 1:03d}",
                    "name_uk": f"{template['name_uk']} · {n + 1:03d}",
                    "category": category,
                    "unit": template["unit"],
                    "pack_size": Decimal(template["pack_size"]),
                    "perishable": perishable,
                    "is_active": True,
                    **created,
                }
            )
            shelf_range = rng.choices([r for r, _ in SHELF_LIFE], weights=[w for _, w in SHELF_LIFE])[0]
            self.shelf.append(shelf_range if perishable else None)
        popularity = [rng.lognormvariate(0, 0.75) for _ in range(ITEMS)]
        self.item_cum = _cumulative(popularity)

        # --- lots: each item's lots follow one another, as many as the item is popular ----------------------
        # Perishable goods come in more lots (every delivery its own expiry date) than soap or blankets.
        share = [p * (1.5 if shelf else 0.6) for p, shelf in zip(popularity, self.shelf, strict=True)]
        counts = [max(MIN_LOTS_PER_ITEM, round(LOTS * p / sum(share))) for p in share]
        by_size = sorted(range(ITEMS), key=lambda i: -counts[i])
        n = 0
        while sum(counts) != LOTS:
            i = by_size[n % ITEMS]
            if sum(counts) > LOTS and counts[i] > MIN_LOTS_PER_ITEM:
                counts[i] -= 1
            elif sum(counts) < LOTS:
                counts[i] += 1
            n += 1
        span = HISTORY.total_seconds()
        self.lots: list[dict[str, Any]] = []
        self.lot_item: list[int] = []
        self.expiry: list[int] = []  # ordinal days
        self.window_start: list[datetime] = []
        self.item_lots: list[list[int]] = []  # lot numbers of an item, by window
        self.item_starts: list[list[float]] = []  # window starts of an item's lots, seconds since origin
        for i, count in enumerate(counts):
            starts = [-rng.uniform(0, 30 * 86400)] + [
                span * (k + rng.uniform(-0.3, 0.3)) / count for k in range(1, count)
            ]
            taken: set[tuple[date, str]] = set()
            numbers = []
            for k, start in enumerate(starts):
                begins = self.origin + timedelta(seconds=start)
                ends = self.origin + timedelta(seconds=starts[k + 1]) if k + 1 < count else self.now
                shelf = self.shelf[i]
                if shelf is None:
                    expiry, producer_lot = NO_EXPIRY, f"P{begins:%y%m}-{k + 1:03d}"
                else:
                    days = rng.randint(*shelf)
                    expiry = (ends + timedelta(days=days)).date()
                    producer_lot = "" if rng.random() < 0.5 else f"L{begins:%y%j}{rng.randrange(10, 99)}"
                while (expiry, producer_lot) in taken:
                    expiry += timedelta(days=1)
                taken.add((expiry, producer_lot))
                numbers.append(len(self.lots))
                self.lots.append(
                    {
                        "id": self.new_id(),
                        "item_id": self.items[i]["id"],
                        "expiry": expiry,
                        "producer_lot": producer_lot,
                    }
                )
                self.lot_item.append(i)
                self.expiry.append(expiry.toordinal())
                self.window_start.append(begins)
            self.item_lots.append(numbers)
            self.item_starts.append(starts)
        assert len(self.lots) == LOTS
        self.sort_key = [self.expiry[lot] * LOTS + lot for lot in range(LOTS)]  # FEFO: expiry, then id

        # --- the state the replay keeps -----------------------------------------------------------------------
        self.balances: dict[tuple[int, int], int] = {}
        self.totals: dict[tuple[int, int], int] = {}  # (location, item) -> quantity, every lot
        self.stock: list[dict[int, list[int]]] = [{} for _ in self.sites]  # location -> item -> lots in stock, FEFO
        self.to_write_off: list[tuple[int, int, int]] = []  # (day to write off, location, lot), a heap
        self.unreceived = sorted(range(LOTS), key=lambda lot: self.window_start[lot])
        self.received = [False] * LOTS
        self.next_unreceived = 0
        self.kinds: dict[str, int] = dict.fromkeys(KIND_WEIGHTS, 0)
        self.lines = 0
        self.numbers = dict.fromkeys(KIND_WEIGHTS, 0)

    # --- balances -------------------------------------------------------------------------------------------

    def change(self, location: int, lot: int, quantity: int) -> None:
        key = (location, lot)
        before = self.balances.get(key, 0)
        after = before + quantity
        assert after >= 0, (key, before, quantity)
        self.balances[key] = after
        item = self.lot_item[lot]
        self.totals[location, item] = self.totals.get((location, item), 0) + quantity
        if before == 0 and after > 0:
            insort(self.stock[location].setdefault(item, []), lot, key=self.sort_key.__getitem__)
            if self.expiry[lot] != NO_EXPIRY_DAY:  # written off some days after expiry, unless gone by then
                delay = self.rng.randint(1, 45)
                heapq.heappush(self.to_write_off, (self.expiry[lot] + delay, location, lot))
        elif after == 0:
            lots = self.stock[location][item]
            lots.remove(lot)
            if not lots:
                del self.stock[location][item]

    def usable(self, location: int, item: int, today: int) -> int | None:
        """The first lot by expiry, not expired, of this item at this location (FEFO), or None."""
        for lot in self.stock[location].get(item, ()):
            if self.expiry[lot] >= today:
                return lot
        return None

    def popular(self) -> int:
        return bisect(self.item_cum, self.rng.random() * self.item_cum[-1])

    def pick(self, location: int, today: int, exclude: set[int]) -> tuple[int, int] | None:
        """An item with usable stock at the location, by popularity (or any such item), and its FEFO lot."""
        for _ in range(12):
            item = self.popular()
            if item not in exclude and (lot := self.usable(location, item, today)) is not None:
                return item, lot
        candidates = [item for item in self.stock[location] if item not in exclude]
        self.rng.shuffle(candidates)
        for item in candidates[:50]:
            if (lot := self.usable(location, item, today)) is not None:
                return item, lot
        return None

    # --- the kinds of movement: each returns its lines (location, lot, quantity) or None ---------------------

    def receipt(self, at: datetime) -> list[tuple[int, int, int]]:
        rng = self.rng
        location = 0 if rng.random() < CENTRAL_SHARE else 1
        seconds = (at - self.origin).total_seconds()
        items: list[int] = []
        # First a lot whose window has begun and that has not been received yet, so that every lot is.
        while self.next_unreceived < LOTS and self.received[self.unreceived[self.next_unreceived]]:
            self.next_unreceived += 1
        if self.next_unreceived < LOTS and self.window_start[self.unreceived[self.next_unreceived]] <= at:
            lot = self.unreceived[self.next_unreceived]
            lines = [(location, lot, rng.randint(10, 50))]
            items.append(self.lot_item[lot])
        else:
            lines = []
        wanted = rng.choices((1, 2, 3), weights=(30, 40, 30))[0]
        while len(lines) < wanted:
            item = self.popular()
            if item in items:
                continue
            items.append(item)
            lot = self.item_lots[item][bisect(self.item_starts[item], seconds) - 1]  # the lot being delivered now
            lines.append((location, lot, rng.randint(10, 50)))
        for _location, lot, _quantity in lines:
            assert self.expiry[lot] >= at.toordinal(), "an expired lot received"
            self.received[lot] = True
        return lines

    def transfer(self, at: datetime, today: int) -> list[tuple[int, int, int]] | None:
        rng = self.rng
        sender = 0 if rng.random() < CENTRAL_SHARE else 1
        receiver = self.points[bisect(self.point_cum, rng.random() * self.point_cum[-1])]
        # What the point runs short of: popular items the sender has, the one the point has least of.
        best: tuple[int, int] | None = None
        for _ in range(REORDER_TRIES):
            item = self.popular()
            lot = self.usable(sender, item, today)
            if lot is None:
                continue
            if best is None or self.totals.get((receiver, item), 0) < self.totals.get((receiver, best[0]), 0):
                best = (item, lot)
            if self.totals.get((receiver, item), 0) < REORDER_LEVEL:
                break
        if best is None:
            best = self.pick(sender, today, set())
            if best is None:
                return None
        _item, lot = best
        quantity = min(rng.randint(10, 50), self.balances[sender, lot])
        return [(sender, lot, -quantity), (receiver, lot, quantity)]

    def issue(self, at: datetime, today: int) -> list[tuple[int, int, int]] | None:
        rng = self.rng
        location = self.points[bisect(self.point_cum, rng.random() * self.point_cum[-1])]
        lines: list[tuple[int, int, int]] = []
        items: set[int] = set()
        for _ in range(rng.choices((1, 2, 3), weights=(45, 35, 20))[0]):
            picked = self.pick(location, today, items)
            if picked is None:
                break
            item, lot = picked
            items.add(item)
            lines.append((location, lot, -min(rng.randint(2, 13), self.balances[location, lot])))
        return lines or None

    def write_off(self, at: datetime, today: int) -> list[tuple[int, int, int]] | None:
        rng = self.rng
        while self.to_write_off and self.to_write_off[0][0] <= today:  # an expired lot still in stock
            _day, location, lot = heapq.heappop(self.to_write_off)
            left = self.balances.get((location, lot), 0)
            if left and self.expiry[lot] < today:
                return [(location, lot, -left)]
        location = rng.randrange(len(self.sites))  # otherwise damaged goods
        picked = self.pick(location, today, set())
        if picked is None:
            return None
        _item, lot = picked
        return [(location, lot, -min(rng.randint(1, 3), self.balances[location, lot]))]

    # --- the replay -------------------------------------------------------------------------------------------

    def movements(self) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """The movements and their lines in time order, CHUNK movements at a time."""
        rng, new_id = self.rng, self.new_id
        kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        step = HISTORY / MOVEMENTS
        movements: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        for n in range(MOVEMENTS):
            at = self.origin + step * (n + rng.random())
            today = at.toordinal()
            kind = rng.choices(kinds, weights=weights)[0]
            made = None
            if kind == "transfer":
                made = self.transfer(at, today)
            elif kind == "issue":
                made = self.issue(at, today)
            elif kind == "write_off":
                made = self.write_off(at, today)
            if made is None:
                kind, made = "receipt", self.receipt(at)
            self.kinds[kind] += 1
            self.numbers[kind] += 1
            movement_id = new_id()
            movements.append(
                {
                    "id": movement_id,
                    "kind": kind,
                    "at": at,
                    "user_name": rng.choice(USERS),
                    "source": self.source(kind, made, today),
                    "reference": self.reference(kind, at),
                    "reverses_id": None,
                }
            )
            for location, lot, quantity in made:
                self.change(location, lot, quantity)
                lines.append(
                    {
                        "id": new_id(),
                        "movement_id": movement_id,
                        "location_id": self.site_ids[location],
                        "item_id": self.items[self.lot_item[lot]]["id"],
                        "lot_id": self.lots[lot]["id"],
                        "quantity": quantity,
                    }
                )
            self.lines += len(made)
            if len(movements) >= CHUNK:
                yield movements, lines
                movements, lines = [], []
        if movements:
            yield movements, lines

    def source(self, kind: str, lines: list[tuple[int, int, int]], today: int) -> str:
        if kind == "receipt":
            return self.rng.choice(DONORS)
        if kind == "transfer":
            return str(self.sites[lines[1][0]]["name"])
        if kind == "write_off":
            return "przeterminowane" if self.expiry[lines[0][1]] < today else "uszkodzone"
        return ""

    def reference(self, kind: str, at: datetime) -> str:
        prefix = {"receipt": "PZ", "transfer": "MM", "issue": "WZ", "write_off": "PW"}[kind]
        return f"{prefix}/{at:%Y}/{self.numbers[kind]:06d}"

    def balance_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "id": self.new_id(),
                "location_id": self.site_ids[location],
                "item_id": self.items[self.lot_item[lot]]["id"],
                "lot_id": self.lots[lot]["id"],
                "quantity": quantity,
            }
            for (location, lot), quantity in sorted(self.balances.items())
        ]

    # --- what the measurements need -----------------------------------------------------------------------------

    def in_stock(self, location: int) -> int:
        return sum(1 for (where, _lot), quantity in self.balances.items() if where == location and quantity > 0)

    def fefo_questions(self, today: date, count: int) -> list[tuple[UUID, UUID, Decimal, int]]:
        """Random (location, item) pairs with unexpired stock, a quantity they can give, and their unexpired lots."""
        usable: dict[tuple[int, int], int] = {}
        lots: dict[tuple[int, int], int] = {}
        for (location, lot), quantity in self.balances.items():
            if quantity > 0 and self.expiry[lot] >= today.toordinal():
                key = (location, self.lot_item[lot])
                usable[key] = usable.get(key, 0) + quantity
                lots[key] = lots.get(key, 0) + 1
        pairs = self.rng.sample(sorted(usable), count)
        return [
            (
                self.site_ids[location],
                self.items[item]["id"],
                Decimal(self.rng.randint(1, usable[location, item])),
                lots[location, item],
            )
            for location, item in pairs
        ]


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


async def populate(url: str, history: History) -> dict[str, Any]:
    """Load the locations, catalogue, lots, the million movements and the balances; returns the counts."""
    from logistics.inventory import models
    from logistics.inventory.models import Balance, Item, Lot, Movement, MovementLine
    from logistics.sites.models import Site, SiteKindRow

    assert models.NO_EXPIRY == NO_EXPIRY

    engine = create_async_engine(url)
    _tune_loading(engine, url)

    async def put(model: type, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            async with engine.begin() as connection:
                await connection.execute(insert(model), rows[start : start + CHUNK])

    await put(Site, history.sites)
    await put(SiteKindRow, history.kind_rows)
    await put(Item, history.items)
    await put(Lot, history.lots)
    _progress(f"{len(history.sites)} locations, {len(history.items)} items, {len(history.lots)} lots")

    done = 0
    for movement_rows, line_rows in history.movements():
        async with engine.begin() as connection:
            await connection.execute(insert(Movement), movement_rows)
            await connection.execute(insert(MovementLine), line_rows)
        done += len(movement_rows)
        if done % 200_000 == 0:
            _progress(f"{done} movements, {history.lines} lines")
    balances = history.balance_rows()
    await put(Balance, balances)
    _progress(f"{len(balances)} balances")

    async with engine.connect() as connection:  # fresh planner statistics, as autovacuum would give a live database
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await engine.dispose()
    return {"movements": done, "movement_lines": history.lines, "balances": len(balances)}


async def check(url: str) -> dict[str, Any]:
    """`verify()`: the balances against the sums of the lines, as the application checks them."""
    from logistics.inventory.ledger import verify

    engine = create_async_engine(url)
    started = time.perf_counter()
    async with async_sessionmaker(engine)() as session:
        differences = await verify(session)
    seconds = round(time.perf_counter() - started, 1)
    await engine.dispose()
    return {"differences": len(differences), "seconds": seconds}


def targets(history: History, repeats_fefo: int = 300) -> dict[str, Any]:
    """What the measurements ask about: the busiest location (the central warehouse), a typical one (the point
    of median stock), and random (location, item) pairs with unexpired stock and a quantity they can give."""
    points = sorted(history.points, key=history.in_stock)
    typical = points[len(points) // 2]
    return {
        "locations": {
            label: (history.site_ids[location], history.sites[location]["name"])
            for label, location in (("central warehouse", 0), ("typical point", typical))
        },
        "questions": history.fefo_questions(date.today(), repeats_fefo),
    }


async def measure(url: str, asked: dict[str, Any], repeats_stock: int = 50) -> dict[str, dict[str, Any]]:
    from logistics.core.actor import Actor
    from logistics.inventory.ledger import LedgerService
    from logistics.inventory.stock import stock_at

    engine = create_async_engine(url)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    actor = Actor(user_id=None, username="bench", role="admin", sees_all_sites=True)

    async def timed(calls: list[Callable[[Any], Any]], collector: bool = True) -> dict[str, float]:
        async with maker() as session:  # untimed: opens the connection, fills the statement cache
            await calls[0](session)
        samples, found = [], 0
        if not collector:
            gc.collect()
            gc.disable()
        try:
            for call in calls:
                async with maker() as session:
                    started = time.perf_counter()
                    found += len(await call(session))
                    samples.append((time.perf_counter() - started) * 1000)
        finally:
            gc.enable()
        return {**summary(samples), "rows_per_call": round(found / len(calls), 1)}

    import logistics.app

    logistics.app._freeze_startup_objects()  # as `logistics serve` does once at start
    _progress(f"measuring; {len(gc.get_objects())} objects tracked by the garbage collector")
    stock: dict[str, Any] = {}
    for label, (site_id, name) in asked["locations"].items():
        stock[label] = {"location": name, **await timed([lambda s, w=site_id: stock_at(s, w)] * repeats_stock)}
    # The same page with the garbage collector off: the query and the ORM alone, without the collector's pauses.
    site_id, name = asked["locations"]["central warehouse"]
    stock["central warehouse, collector off"] = {
        "location": name,
        **await timed([lambda s: stock_at(s, site_id)] * repeats_stock, collector=False),
    }

    questions = asked["questions"]
    fefo = await timed(
        [
            lambda s, w=where, i=item, q=quantity: LedgerService(s, actor).fefo(w, i, q)
            for where, item, quantity, _lots in questions
        ]
    )
    fefo["unexpired_lots_per_pair"] = round(sum(n for *_, n in questions) / len(questions), 1)
    await engine.dispose()
    return {"stock_page_ms": stock, "fefo_ms": fefo}


def describe(history: History) -> dict[str, Any]:
    """What was loaded, in the figures RESULTS.md quotes."""
    today = history.now.date().toordinal()
    expired = sum(1 for day in history.expiry if day < today)
    soon = sum(1 for day in history.expiry if today <= day <= today + EXPIRING_DAYS)
    in_stock = [(location, lot) for (location, lot), quantity in history.balances.items() if quantity > 0]
    return {
        "locations": len(history.sites),
        "items": len(history.items),
        "perishable_items": sum(1 for item in history.items if item["perishable"]),
        "lots": len(history.lots),
        "lots_expired": expired,
        "lots_expiring_within_14_days": soon,
        "lots_without_expiry": sum(1 for day in history.expiry if day == NO_EXPIRY_DAY),
        "movements_by_kind": history.kinds,
        "balances_in_stock": len(in_stock),
        "balances_in_stock_expired": sum(1 for _location, lot in in_stock if history.expiry[lot] < today),
        "in_stock_central_warehouse": history.in_stock(0),
        "in_stock_per_point": sorted(history.in_stock(point) for point in history.points),
    }


def run(database_url: str | None = None) -> dict[str, object]:
    import logistics.app  # noqa: F401 — registers every model

    with tempfile.TemporaryDirectory() as var_dir:
        url = database_url or f"sqlite+aiosqlite:///{var_dir}/inventory.db"
        env = {**os.environ, "LOGISTICS_VAR_DIR": var_dir, "LOGISTICS_DATABASE_URL": url}
        subprocess.run(
            [BIN / "logistics", "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True
        )
        started = time.perf_counter()
        # Midnight: the data are the same on every run, only their dates move with today.
        history = History(datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0))
        loaded = asyncio.run(populate(url, history))
        load_seconds = round(time.perf_counter() - started, 1)
        facts, asked = describe(history), targets(history)
        # The replay's state is a few million objects: dropped, so that the measuring process holds what a server
        # process holds, and the garbage collector's full passes take as long as they would there.
        del history
        gc.collect()
        verified = asyncio.run(check(url))
        figures = asyncio.run(measure(url, asked))
        pages = asyncio.run(measure_pages(url, var_dir, asked))
        return {**loaded, **facts, "load_seconds": load_seconds, "verify": verified, **figures, **pages}


async def measure_pages(url: str, var_dir: str, asked: dict[str, Any], repeats: int = 30) -> dict[str, Any]:
    """The whole stock page — query, template, middleware — through the application in this process (no
    network): a signed-in administrator's GET /stock/{location}, timed from request to complete response."""
    from litestar.testing import AsyncTestClient

    from logistics.accounts.services import AccountService, UserInput
    from logistics.app import create_app
    from logistics.core.actor import Actor
    from logistics.settings import get_settings

    os.environ.update({"LOGISTICS_DATABASE_URL": url, "LOGISTICS_VAR_DIR": var_dir, "LOGISTICS_SCHEDULER": "off"})
    get_settings.cache_clear()
    app = create_app()
    engine = create_async_engine(url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        await AccountService(session, Actor.system("bench")).create_user(
            UserInput(username="bench", full_name="Bench", role="admin", site_ids=[], password="bench-password-2026")
        )
        await session.commit()
    await engine.dispose()
    result: dict[str, Any] = {}
    async with AsyncTestClient(app=app) as client:
        login = await client.get("/login")
        token = login.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        await client.post(
            "/login", data={"_csrf_token": token, "username": "bench", "password": "bench-password-2026", "next": "/"}
        )
        for label, (site_id, name) in asked["locations"].items():
            await client.get(f"/stock/{site_id}")  # untimed: warms the templates and the statement cache
            samples, size = [], 0
            for _ in range(repeats):
                started = time.perf_counter()
                response = await client.get(f"/stock/{site_id}")
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
                size = len(response.content)
            result[label] = {"location": name, "bytes": size, **summary(samples)}
    return {"stock_page_http_ms": result}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
