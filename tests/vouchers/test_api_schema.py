"""schemathesis over the JSON API: a live server on the test database with vouchers, a point and a device token;
every operation called with data that fits its schema (random, and real codes with real lines, request ids
sent twice) and with data that does not — as a scanning device and as a signed-in volunteer. It fails on any
server error and on any answer the schema does not describe: an undocumented status, content type or body."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from logistics import codes
from logistics.core.i18n import local_today
from logistics.sites.models import Site, SiteKindRow
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.issuing import CODE_BITS, VoucherService
from logistics.vouchers.models import Programme, ProgrammeCategory, Voucher

from ..conftest import PASSWORD
from ..helpers import db_session
from ..live import serve
from .conftest import ADMIN, _household

EXAMPLES = 30  # per operation, kind of data and caller: about 500 requests, well within a minute
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
QUANTITIES = st.sampled_from(["0", "1", "2", "3", "0.5", "1.25", "12.125"])


def _signed_in(url: str, username: str) -> dict[str, str]:
    """The session cookie of a user signed in on the live server."""
    with httpx.Client(base_url=url, timeout=30) as client:
        page = client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        response = client.post("/login", data={"_csrf_token": token, "username": username, "password": PASSWORD})
        assert response.status_code == 303
        return dict(client.cookies)


def _as(case: Any, fixed: dict[str, Any]) -> Any:
    """The generated case with the real values put in (and no credentials of its own: the caller's are sent)."""
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.cookies = {}
    for part, values in fixed.items():
        if values is not None:
            setattr(case, part, {**(getattr(case, part) or {}), **values} if part != "body" else values)
    return case


def _check(strategy: Any, url: str, headers: dict, cookies: dict, negative: bool) -> None:
    """Call the API with EXAMPLES cases of the strategy and check each answer against the schema."""
    checks = [*CHECKS, negative_data_rejection] if negative else CHECKS

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def call(case: Any) -> None:
        _as(case, {})
        case.call_and_validate(base_url=url, headers=headers, cookies=cookies, checks=checks, timeout=30)

    call()


async def test_the_api_answers_every_request_as_its_schema_says(app, people, aid):
    async with db_session(app) as session:
        households = [_household(Decimal(600), (f"Osoba {n}", "Testowa"), ("Dziecko", "Testowe")) for n in range(6)]
        session.add_all(households)
        await session.flush()
        service = VoucherService(session, ADMIN)
        vouchers = [await service.issue(aid.food.id, household.id) for household in [aid.poor, *households]]
        await service.decide(aid.hygiene.id, aid.poor.id, True, "bezdomność")
        vouchers.append(await service.issue(aid.hygiene.id, aid.poor.id))
        revoked = vouchers.pop()
        await service.revoke(revoked.id, "zgubiony")
        _device, token = await DeviceService(session, ADMIN).create(aid.point.id, "Tablet 1")
        # A partner shop with a till and value vouchers (grants in zł) spent there.
        shop = Site(name="Sklep „Społem”", kind_rows=[SiteKindRow(kind="shop")])
        grant = Programme(
            code="ZC",
            name="Zasiłek celowy",
            cycle="one_off",
            rule="decision",
            kind="value",
            amount=Decimal("100.00"),
            category_rows=[ProgrammeCategory(category="food")],
        )
        session.add_all([shop, grant])
        await session.flush()
        value_vouchers = [
            Voucher(
                code=codes.normalize(codes.generate(CODE_BITS)),
                programme_id=grant.id,
                cycle="once",
                valid_from=local_today(),
                valid_until=local_today() + timedelta(days=30),
                holder="Olena S.",
                amount=Decimal("100.00"),
            )
            for _n in range(3)
        ]
        session.add_all(value_vouchers)
        _till, till_token = await DeviceService(session, ADMIN).create(shop.id, "Kasa 1")
        await session.commit()
    point = str(aid.point.id)
    real_codes = st.sampled_from([codes.format_code(v.code) for v in [*vouchers, revoked]] + [vouchers[0].code])
    goods = st.sampled_from([str(aid.kit.id), str(aid.oil.id), str(aid.pasta.id), str(aid.other_point.id)])
    bodies = st.fixed_dictionaries(
        {
            "code": real_codes,
            "point": st.sampled_from([point, point, str(aid.other_point.id)]),
            # A few request ids over and over: retries of one redemption, and the same id for another voucher.
            "request_id": st.sampled_from([f"schema-request-{n:02}" for n in range(8)]),
        },
        optional={"lines": st.lists(st.fixed_dictionaries({"item": goods, "quantity": QUANTITIES}), max_size=3)},
    )
    schema = schemathesis.openapi.from_dict(app.openapi_schema.to_schema()).include(tag="vouchers")
    operations = {op.ok().label: op.ok() for op in schema.get_all_operations()}
    assert set(operations) == {
        "GET /api/v1/vouchers/{code}",
        "POST /api/v1/redemptions",
        "POST /api/v1/spends/{spend_id}/undo",
    }
    look_up, redeem = operations["GET /api/v1/vouchers/{code}"], operations["POST /api/v1/redemptions"]
    undo = operations["POST /api/v1/spends/{spend_id}/undo"]
    value_codes = st.sampled_from([codes.format_code(v.code) for v in value_vouchers] + [vouchers[0].code])
    spends = st.fixed_dictionaries(
        {
            "code": value_codes,
            "point": st.sampled_from([str(shop.id), str(shop.id), point]),
            "request_id": st.sampled_from([f"schema-spend-{n:02}" for n in range(8)]),
        },
        optional={
            "amount": st.sampled_from(["0", "0.01", "30", "45.90", "99.99", "100.01"]),
            "category": st.sampled_from(["food", "fuel"]),
        },
    )
    with serve(app) as url:
        callers = [({"authorization": f"Bearer {token}"}, {}), ({}, _signed_in(url, "wolontariusz"))]
        strategies = [
            (look_up.as_strategy(), False),
            (look_up.as_strategy(generation_mode=GenerationMode.NEGATIVE), True),
            (
                st.tuples(look_up.as_strategy(), real_codes).map(
                    lambda pair: _as(pair[0], {"path_parameters": {"code": pair[1]}, "query": {"point": point}})
                ),
                False,
            ),
            (redeem.as_strategy(), False),
            (redeem.as_strategy(generation_mode=GenerationMode.NEGATIVE), True),
            (st.tuples(redeem.as_strategy(), bodies).map(lambda pair: _as(pair[0], {"body": pair[1]})), False),
        ]
        for headers, cookies in callers:
            for strategy, negative in strategies:
                _check(strategy, url, headers, cookies, negative)
        till = ({"authorization": f"Bearer {till_token}"}, {})
        at_the_till = [
            (st.tuples(redeem.as_strategy(), spends).map(lambda pair: _as(pair[0], {"body": pair[1]})), False),
            (
                st.tuples(look_up.as_strategy(), value_codes).map(
                    lambda pair: _as(pair[0], {"path_parameters": {"code": pair[1]}, "query": {"point": str(shop.id)}})
                ),
                False,
            ),
            (undo.as_strategy(), False),
            (undo.as_strategy(generation_mode=GenerationMode.NEGATIVE), True),
        ]
        for headers, cookies in (till, *callers):
            for strategy, negative in at_the_till:
                _check(strategy, url, headers, cookies, negative)
