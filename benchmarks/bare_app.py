"""The bare endpoint that bench_vouchers compares the redemption API with: the same route and JSON body, parsed
into the same dataclasses by Litestar, a small JSON answer, no database, no middleware, no authentication.

Served by uvicorn as `benchmarks.bare_app:app` with the application's worker count (see bench_vouchers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from litestar import Litestar, Response, post


@dataclass
class RedemptionLineIn:
    item: UUID
    quantity: str


@dataclass
class RedemptionIn:
    code: str
    point: UUID
    request_id: str
    lines: list[RedemptionLineIn] | None = field(default=None)


@post("/api/v1/redemptions")
async def redeem(data: RedemptionIn) -> Response[dict[str, Any]]:
    return Response(
        {"request_id": data.request_id, "code": data.code, "point": str(data.point), "lines": []}, status_code=201
    )


app = Litestar([redeem], openapi_config=None)
