"""The bare endpoint that bench_vouchers compares the redemption API with: the same route and JSON body, parsed
into the application's own body type (`logistics.vouchers.api.RedemptionIn`, a msgspec Struct) by Litestar, a
small JSON answer, no database, no middleware, no authentication.

Served by uvicorn as `benchmarks.bare_app:app` with the application's worker count (see bench_vouchers).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Response, post

from logistics.vouchers.api import RedemptionIn


@post("/api/v1/redemptions")
async def redeem(data: RedemptionIn) -> Response[dict[str, Any]]:
    return Response(
        {"request_id": data.request_id, "code": data.code, "point": str(data.point), "lines": []}, status_code=201
    )


app = Litestar([redeem], openapi_config=None)
