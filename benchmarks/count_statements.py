"""SQL statements per redemption, counted in-process: the application (`create_app()`, the settings from the
environment, as `logistics serve` has them) behind Litestar's AsyncTestClient, the same POST /api/v1/redemptions
with a device token as the benchmark sends over HTTP, one request at a time.

What is counted: every statement SQLAlchemy sends through a DBAPI cursor (`before_cursor_execute` on every
Engine) — SELECT, INSERT, UPDATE, DELETE, SAVEPOINT / RELEASE / ROLLBACK TO, and an explicit BEGIN (as SQLite's
write transactions send); not the driver's own BEGIN and COMMIT. Requests go one after another and the count is
read once each has been answered, so what a request asks for after commit (`after_commit`) is counted with the
next one: the totals are exact, one request's share is too as long as every request of a kind does the same.
`sql_ms_per_request`: the time from sending each statement to its cursor having run it (wall time), and the
statements that took most of it. `cpu_ms_per_request_in_process`: this process's CPU time per request, one
request at a time (the test client's share included; on SQLite the database's work too, as it runs in-process).

Run by bench_vouchers in a process of its own (so the settings and engine are the server's, not the loader's):
`python -m benchmarks.count_statements` with a JSON object on stdin — {"vouchers": [[code, point id, token],
...]} — prints a JSON object: per kind of request (first scan 201, retry 200, second scan 409) the requests, the
statements per request (mean, min, max) and the statements by their first word.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections import Counter, defaultdict
from typing import Any


async def count(vouchers: list[list[str]]) -> dict[str, Any]:
    from litestar.testing import AsyncTestClient
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from logistics.app import create_app

    statements: list[str] = []
    started_at: list[float] = []
    sql_ms: dict[str, Counter[str]] = defaultdict(Counter)  # kind -> statement (its start) -> milliseconds
    current = ["warm-up"]

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.lstrip().split(None, 1)[0].upper())
        started_at.append(time.perf_counter())

    def done(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = " ".join(statement.split())[:110]
        sql_ms[current[0]][text] += (time.perf_counter() - started_at.pop()) * 1000

    event.listen(Engine, "before_cursor_execute", seen)
    event.listen(Engine, "after_cursor_execute", done)
    per_kind: dict[str, list[int]] = defaultdict(list)
    cpu: dict[str, float] = defaultdict(float)
    words: dict[str, Counter[str]] = defaultdict(Counter)
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    try:
        async with AsyncTestClient(app=create_app()) as client:

            async def send(kind: str, code: str, point: str, token: str, request_id: str) -> None:
                statements.clear()
                current[0] = kind
                started = time.process_time()
                response = await client.post(
                    "/api/v1/redemptions",
                    json={"code": code, "point": point, "request_id": request_id},
                    headers={"authorization": f"Bearer {token}", "accept-language": "pl"},
                )
                cpu[kind] += time.process_time() - started
                statuses[kind][response.status_code] += 1
                per_kind[kind].append(len(statements))
                words[kind].update(statements)

            # One untimed request first: the first one of a process reads what later ones have cached.
            code, point, token = vouchers[0]
            await send("warm-up", code, point, token, str(uuid.uuid4()))
            for code, point, token in vouchers[1:]:
                request_id = str(uuid.uuid4())
                await send("first scan", code, point, token, request_id)
                await send("retry", code, point, token, request_id)
                await send("second scan", code, point, token, str(uuid.uuid4()))
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
        event.remove(Engine, "after_cursor_execute", done)
    return {
        kind: {
            "requests": len(counts),
            "statuses": {str(status): n for status, n in statuses[kind].items()},
            "statements_per_request": round(sum(counts) / len(counts), 2),
            "min": min(counts),
            "max": max(counts),
            "cpu_ms_per_request_in_process": round(cpu[kind] * 1000 / len(counts), 2),
            "sql_ms_per_request": round(sum(sql_ms[kind].values()) / len(counts), 2),
            "slowest_statements_ms_per_request": {
                text: round(ms / len(counts), 2) for text, ms in sql_ms[kind].most_common(6)
            },
            "by_first_word_per_request": {word: round(n / len(counts), 2) for word, n in words[kind].most_common()},
        }
        for kind, counts in per_kind.items()
        if kind != "warm-up"
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(count(json.load(sys.stdin)["vouchers"]))))
