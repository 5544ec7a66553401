"""Voucher PDFs: 1,000 vouchers into one PDF in each layout (target: under 10 s for "a4" and "a4x4").

A pure function, so no server and no database: `render_vouchers` is timed in-process on vouchers with random codes
(`codes.generate`, 80 bits, as issued), Polish and Ukrainian (Latin and Cyrillic) household names, one to four
entitlement lines and three collection points each. The data other than the codes comes from random.Random(1000).
"""

from __future__ import annotations

import random
import re
import time
from datetime import date, timedelta

from benchmarks.bench_registry import FAMILY, GIVEN
from logistics import codes
from logistics.vouchers.printing import LAYOUTS, PointInfo, VoucherPrint, render_vouchers

VOUCHERS = 1_000
POINTS = 3
ORG = "Bank Żywności „Przystań” w Warszawie"
PROGRAMMES = ["FEPŻ — paczka żywnościowa", "Pomoc doraźna — środki czystości", "Zima 2025 — odzież i koce"]
LINES = [
    "2 × Paczka żywnościowa A",
    "1 × Paczka żywnościowa B (bezglutenowa)",
    "1 l Olej rzepakowy",
    "3 kg Mąka pszenna typ 450",
    "1 × Zestaw higieniczny dla niemowląt",
    "2 × Koc polarowy 150 × 200 cm",
]
STREETS = ["ul. Marszałkowska", "al. Jerozolimskie", "ul. Grochowska", "ul. Targowa", "ul. Świętokrzyska"]
HOURS = ["pon.–pt. 9:00–15:00", "wt., czw. 12:00–18:00", "pon.–pt. 8:00–14:00, sob. 10:00–12:00"]


def vouchers(count: int = VOUCHERS, rng: random.Random | None = None) -> list[VoucherPrint]:
    rng = rng or random.Random(1000)
    points = [
        PointInfo(
            f"Punkt wydawania nr {n} — parafia św. {rng.choice(['Wojciecha', 'Barbary', 'Józefa'])}",
            f"{rng.choice(STREETS)} {rng.randrange(1, 200)}, 0{rng.randrange(0, 4)}-{rng.randrange(100, 999)} Warszawa",
            rng.choice(HOURS),
        )
        for n in range(1, 21)
    ]
    start = date(2025, 3, 1)
    return [
        VoucherPrint(
            code=codes.generate(),
            household=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
            programme=rng.choice(PROGRAMMES),
            lines=rng.sample(LINES, rng.randint(1, 4)),
            valid_from=start,
            valid_until=start + timedelta(days=rng.choice([14, 30, 90])),
            points=rng.sample(points, POINTS),
        )
        for _ in range(count)
    ]


def run(count: int = VOUCHERS) -> dict[str, object]:
    batch = vouchers(count)
    render_vouchers(batch[:4], "a4x4", ORG)  # untimed: loads the fonts and warms the caches
    figures: dict[str, object] = {"vouchers": count, "points_per_voucher": POINTS}
    for layout in LAYOUTS:
        started = time.perf_counter()
        pdf = render_vouchers(batch, layout, ORG)
        seconds = time.perf_counter() - started
        figures[layout] = {
            "seconds": round(seconds, 2),
            "ms_per_voucher": round(seconds * 1000 / count, 2),
            "pages": len(re.findall(rb"/Type /Page\b(?!s)", pdf)),
            "pdf_mb": round(len(pdf) / 1_000_000, 2),
        }
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, ensure_ascii=False))
