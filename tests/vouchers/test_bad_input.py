"""Every bad input a clear refusal, next to its field, changing nothing: the programme form (the income limit, the
last day, whole quantities of pieces, packs and kits), a batch for a cycle that has ended, the scan page's
quantities, the reconciliation's day, and the JSON API's wrong types and unknown fields — the response and the
database."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from logistics.core.errors import DomainError
from logistics.core.i18n import local_today
from logistics.inventory.models import Balance
from logistics.vouchers.devices import DeviceService
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Programme, ProgrammeLine, Redemption, Voucher, VoucherLine
from logistics.vouchers.programmes import LineInput, ProgrammeInput, ProgrammeService

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import ADMIN


def _error(page: str, field: str) -> str:
    """The error shown next to a field ("" when there is none), spaces removed (Polish groups digits)."""
    found = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">([^<]*)</p>', page)
    return re.sub(r"\s", "", found.group(1)) if found else ""


async def _programmes(app) -> list[tuple]:
    """Every programme with what it entitles to, to check that a refusal changed nothing."""
    async with db_session(app) as session:
        programmes = await session.scalars(select(Programme).order_by(Programme.code))
        return [
            (
                p.code,
                p.name,
                p.income_percent,
                p.valid_until,
                [(line.kit_id, line.item_id, line.quantity) for line in p.lines],
            )
            for p in programmes
        ]


def _form(aid, **changes: str) -> dict[str, str]:
    return {
        "code": "ZIMA",
        "name": "Odzież zimowa",
        "cycle": "monthly",
        "rule": "income",
        "income_percent": "265",
        "active": "on",
        "goods-0": f"kit:{aid.kit.id}",
        "quantity-0": "1",
        **changes,
    }


# --- the programme form --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "says"),
    [("1e400", ""), ("NaN", ""), ("0", "1"), ("1000.01", "1000"), ("99999999999999999999", "1000")],
)
async def test_an_income_limit_out_of_1_to_1000_per_cent_is_refused_next_to_the_field(
    app, client, people, aid, typed, says
):
    await login(client, "coordinator")
    before = await _programmes(app)
    new = await post_form(client, "/vouchers/programmes/new", _form(aid, income_percent=typed))
    assert new.status_code == 422
    assert _error(new.text, "income_percent") and says in _error(new.text, "income_percent")
    edit = await post_form(
        client, f"/vouchers/programmes/{aid.food.id}/edit", _form(aid, code="FEPZ", income_percent=typed)
    )
    assert edit.status_code == 422 and _error(edit.text, "income_percent")
    assert await _programmes(app) == before


async def test_the_service_refuses_an_income_limit_out_of_range(app, aid):
    data = ProgrammeInput("ZIMA", "Zima", "monthly", "income", Decimal(1001), None, None, True, [])
    async with db_session(app) as session:
        with pytest.raises(DomainError) as refused:
            await ProgrammeService(session, ADMIN).save(None, data)
    assert refused.value.field == "income_percent"
    assert await count(app, Programme) == 2


async def test_1000_per_cent_is_accepted(app, client, people, aid):
    await login(client, "coordinator")
    created = await post_form(client, "/vouchers/programmes/new", _form(aid, income_percent="1000"))
    assert created.status_code == 303
    async with db_session(app) as session:
        assert await session.scalar(select(Programme.income_percent).where(Programme.code == "ZIMA")) == 1000


@pytest.mark.parametrize("typed", ["2019-05-31", (local_today() - timedelta(days=1)).isoformat(), "2199-12-31"])
async def test_a_last_day_in_the_past_or_decades_ahead_is_refused(app, client, people, aid, typed):
    await login(client, "coordinator")
    before = await _programmes(app)
    new = await post_form(client, "/vouchers/programmes/new", _form(aid, cycle="one_off", valid_until=typed))
    assert new.status_code == 422 and _error(new.text, "valid_until")
    assert await _programmes(app) == before


async def test_an_edit_keeps_a_last_day_that_has_passed_but_cannot_set_another_past_day(app, client, people, aid):
    """Renaming a programme that ended years ago is fine; moving its end to another past day is not."""
    async with db_session(app) as session:
        await session.execute(
            update(Programme).where(Programme.id == aid.hygiene.id).values(valid_until=date(2020, 6, 30))
        )
        await session.commit()
    await login(client, "coordinator")
    ended = {
        "code": "HIG",
        "rule": "decision",
        "cycle": "one_off",
        "goods-0": f"item:{aid.pasta.id}",
        "quantity-0": "4",
    }
    moved = await post_form(
        client, f"/vouchers/programmes/{aid.hygiene.id}/edit", _form(aid, **ended, valid_until="2020-07-31")
    )
    assert moved.status_code == 422 and _error(moved.text, "valid_until")
    kept = await post_form(
        client,
        f"/vouchers/programmes/{aid.hygiene.id}/edit",
        _form(aid, **ended, name="Higiena (zakończony)", valid_until="2020-06-30"),
    )
    assert kept.status_code == 303
    async with db_session(app) as session:
        programme = await session.get(Programme, aid.hygiene.id)
        assert (programme.name, programme.valid_until) == ("Higiena (zakończony)", date(2020, 6, 30))
    async with db_session(app) as session:
        data = ProgrammeInput(
            "HIG",
            "Higiena",
            "one_off",
            "decision",
            Decimal(100),
            None,
            date(2019, 1, 1),
            True,
            [LineInput(f"item:{aid.pasta.id}", Decimal(4))],
        )
        with pytest.raises(DomainError) as refused:
            await ProgrammeService(session, ADMIN).save(aid.hygiene.id, data)
    assert refused.value.field == "valid_until"


@pytest.mark.parametrize(("goods", "typed"), [("kit", "1.5"), ("pasta", "2.5"), ("pasta", "0,5")])
async def test_kits_pieces_and_packs_are_whole_numbers_in_a_programme(app, client, people, aid, goods, typed):
    await login(client, "coordinator")
    before = await _programmes(app)
    chosen = f"kit:{aid.kit.id}" if goods == "kit" else f"item:{aid.pasta.id}"
    refused = await post_form(
        client, "/vouchers/programmes/new", _form(aid, **{"goods-0": chosen, "quantity-0": typed})
    )
    assert refused.status_code == 422 and _error(refused.text, "quantity-0")
    assert await _programmes(app) == before


async def test_litres_may_have_decimals_and_the_service_refuses_half_a_piece(app, client, people, aid):
    await login(client, "coordinator")
    oil = await post_form(
        client, "/vouchers/programmes/new", _form(aid, **{"goods-0": f"item:{aid.oil.id}", "quantity-0": "1,5"})
    )
    assert oil.status_code == 303
    async with db_session(app) as session:
        assert await session.scalar(
            select(ProgrammeLine.quantity).join(Programme).where(Programme.code == "ZIMA")
        ) == Decimal("1.5")
        data = ProgrammeInput(
            "PIECES",
            "Pół",
            "monthly",
            "income",
            Decimal(100),
            None,
            None,
            True,
            [LineInput(f"item:{aid.pasta.id}", Decimal("0.5"))],
        )
        with pytest.raises(DomainError) as refused:
            await ProgrammeService(session, ADMIN).save(None, data)
    assert refused.value.field == "lines"
    assert await count(app, Programme) == 3


# --- a batch for a cycle that cannot be issued ---------------------------------------------------------------


async def test_a_batch_for_a_month_that_has_ended_previews_nobody_and_issues_nothing(app, client, people, aid):
    """It used to preview the eligible households and then silently issue none."""
    await login(client, "coordinator")
    url = f"/vouchers/programmes/{aid.food.id}/batch"
    preview = await client.get(f"{url}?cycle=2020-01")
    assert preview.status_code == 200
    assert "2020-01" in _error(preview.text, "cycle")  # the cycle has ended, next to the field
    assert re.search(r'<button type="submit" class="button primary" disabled>', preview.text)  # nothing to issue
    issued = await post_form(client, url, {"cycle": "2020-01"})
    assert issued.status_code == 303 and issued.headers["location"] == f"{url}?cycle=2020-01"
    assert "2020-01" in (await client.get(issued.headers["location"])).text  # the flashed reason
    assert await count(app, Voucher) == 0


async def test_a_batch_more_than_a_year_ahead_is_refused(app, client, people, aid):
    await login(client, "coordinator")
    url = f"/vouchers/programmes/{aid.food.id}/batch"
    ahead = f"{local_today().year + 2}-{local_today().month:02}"
    preview = await client.get(f"{url}?cycle={ahead}")
    assert preview.status_code == 200 and _error(preview.text, "cycle")
    assert (await post_form(client, url, {"cycle": ahead})).status_code == 303
    assert await count(app, Voucher) == 0


async def test_a_one_off_programme_that_has_ended_previews_nobody_and_issues_nothing(app, client, people, aid):
    async with db_session(app) as session:
        await VoucherService(session, ADMIN).decide(aid.hygiene.id, aid.poor.id, True, "bezdomność")
        await session.execute(
            update(Programme).where(Programme.id == aid.hygiene.id).values(valid_until=date(2021, 3, 31))
        )
        await session.commit()
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        preview = await service.preview(aid.hygiene.id)
        assert preview.eligible == [] and preview.problem
        with pytest.raises(DomainError):
            await service.issue_batch(aid.hygiene.id)
    await login(client, "coordinator")
    url = f"/vouchers/programmes/{aid.hygiene.id}/batch"
    page = await client.get(url)
    assert page.status_code == 200 and _error(page.text, "cycle")  # at the top: a one-off has no cycle field
    assert (await post_form(client, url, {"cycle": "once"})).status_code == 303
    assert await count(app, Voucher) == 0


# --- the scan page ---------------------------------------------------------------------------------------------


async def _hygiene_voucher(app, aid) -> Voucher:
    """A voucher for 4 packets of pasta (counted in pieces)."""
    async with db_session(app) as session:
        service = VoucherService(session, ADMIN)
        await service.decide(aid.hygiene.id, aid.poor.id, True, "bezdomność")
        voucher = await service.issue(aid.hygiene.id, aid.poor.id)
        await session.commit()
        return voucher


async def _stock(app, aid) -> dict:
    async with db_session(app) as session:
        rows = await session.execute(
            select(Balance.item_id, func.sum(Balance.quantity))
            .where(Balance.location_id == aid.point.id)
            .group_by(Balance.item_id)
        )
        return dict(rows.all())


async def _redeemed(app) -> list[Decimal]:
    async with db_session(app) as session:
        return list(await session.scalars(select(VoucherLine.redeemed).order_by(VoucherLine.id)))


@pytest.mark.parametrize("typed", ["1.5", "0,5", "1e400", "NaN"])
async def test_pieces_are_handed_out_in_whole_numbers_on_the_scan_page(app, client, people, aid, typed):
    voucher = await _hygiene_voucher(app, aid)
    stock = await _stock(app, aid)
    await login(client, "wolontariusz")
    refused = await post_form(
        client,
        f"/scan/{aid.point.id}/redeem",
        {"code": voucher.code, "request_id": str(uuid.uuid4()), f"qty-{aid.pasta.id}": typed},
    )
    assert refused.status_code == 422 and _error(refused.text, f"qty-{aid.pasta.id}")
    assert await count(app, Redemption) == 0
    assert await _redeemed(app) == [0]
    assert await _stock(app, aid) == stock


async def test_a_kit_is_handed_out_whole_on_the_scan_page(app, client, people, aid):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    stock = await _stock(app, aid)
    await login(client, "wolontariusz")
    refused = await post_form(
        client,
        f"/scan/{aid.point.id}/redeem",
        {"code": voucher.code, "request_id": str(uuid.uuid4()), f"qty-{aid.kit.id}": "0.5", f"qty-{aid.oil.id}": "1"},
    )
    assert refused.status_code == 422 and _error(refused.text, f"qty-{aid.kit.id}")
    assert await count(app, Redemption) == 0 and await _stock(app, aid) == stock


# --- the reconciliation's day ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day", ["0001-01-01", "9999-12-31", (local_today() + timedelta(days=1)).isoformat(), "2026-02-30", "x" * 5000]
)
async def test_a_day_far_away_or_not_a_date_is_an_error_next_to_the_field(app, client, people, aid, day):
    await login(client, "coordinator")
    page = await client.get("/vouchers/reconciliation", params={"point": str(aid.point.id), "day": day})
    assert page.status_code == 422 and _error(page.text, "day")
    assert 'id="agreement"' not in page.text  # no report of some other day
    csv = await client.get(
        "/vouchers/reconciliation/reconciliation.csv", params={"point": str(aid.point.id), "day": day}
    )
    assert csv.status_code == 422 and "text/csv" not in csv.headers["content-type"]


# --- the JSON API ----------------------------------------------------------------------------------------------


async def _token(app, aid) -> dict[str, str]:
    async with db_session(app) as session:
        _device, token = await DeviceService(session, ADMIN).create(aid.point.id, "Tablet 1")
        await session.commit()
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"colour": "red"}, "unknown_field", "colour"),
        ({"code": 5}, "invalid_field", "code"),
        ({"point": "Punkt 1"}, "invalid_field", "point"),
        ({"request_id": "short"}, "invalid_field", "request_id"),
        ({"lines": {"oil": 1}}, "invalid_field", "lines"),
        ({"lines": [{"item": "OIL", "quantity": "1"}]}, "invalid_field", "lines[0].item"),
        ({"lines": [{"item": "<oil>", "quantity": 1}]}, "invalid_field", "lines[0].quantity"),
        ({"lines": [{"item": "<oil>", "quantity": "1e400"}]}, "invalid_field", "lines[0].quantity"),
        ({"lines": [{"item": "<oil>", "quantity": "0.0001"}]}, "invalid_field", "lines[0].quantity"),
        ({"lines": [{"item": "<oil>", "quantity": "1", "lot": "A"}]}, "unknown_field", "lines[0].lot"),
        ({"lines": [{"quantity": "1"}]}, "missing_field", "lines[0].item"),
        ({"code": None}, "invalid_field", "code"),
    ],
)
async def test_api_wrong_types_and_unknown_fields_get_422_with_the_field(
    app, client, people, aid, change, error, field
):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    auth = await _token(app, aid)
    stock = await _stock(app, aid)
    body = {"code": voucher.code, "point": str(aid.point.id), "request_id": str(uuid.uuid4()), **change}
    if isinstance(body.get("lines"), list):
        body["lines"] = [
            {**line, "item": str(aid.oil.id)} if line.get("item") == "<oil>" else line for line in body["lines"]
        ]
    refused = await client.post("/api/v1/redemptions", json=body, headers=auth)
    assert refused.status_code == 422
    assert refused.json()["error"] == error and refused.json()["field"] == field and refused.json()["message"]
    assert await count(app, Redemption) == 0 and await _stock(app, aid) == stock and await _redeemed(app) == [0, 0]


async def test_api_a_missing_body_field_and_query_parameter_are_named(app, client, people, aid):
    auth = await _token(app, aid)
    missing = await client.post("/api/v1/redemptions", json={"code": "X", "point": str(aid.point.id)}, headers=auth)
    assert missing.status_code == 422 and missing.json()["field"] == "request_id"
    assert missing.json()["error"] == "missing_field"
    not_an_object = await client.post("/api/v1/redemptions", json=[1, 2], headers=auth)
    assert not_an_object.status_code == 422 and not_an_object.json()["field"] == "body"
    no_point = await client.get("/api/v1/vouchers/ABCD", headers=auth)
    assert no_point.status_code == 422 and no_point.json()["field"] == "point"
    bad_point = await client.get("/api/v1/vouchers/ABCD?point=Punkt-1", headers=auth)
    assert bad_point.status_code == 422 and bad_point.json()["field"] == "point"
    english = await client.get("/api/v1/vouchers/ABCD", headers={**auth, "accept-language": "en"})
    assert english.json()["message"] == "The field “point” is missing."
    assert await count(app, Redemption) == 0


async def test_api_half_a_piece_is_refused(app, client, people, aid):
    voucher = await _hygiene_voucher(app, aid)
    auth = await _token(app, aid)
    stock = await _stock(app, aid)
    body = {
        "code": voucher.code,
        "point": str(aid.point.id),
        "request_id": str(uuid.uuid4()),
        "lines": [{"item": str(aid.pasta.id), "quantity": "1.5"}],
    }
    refused = await client.post("/api/v1/redemptions", json=body, headers=auth)
    assert refused.status_code == 422 and refused.json()["error"] == "bad_quantity"
    assert await count(app, Redemption) == 0 and await _stock(app, aid) == stock and await _redeemed(app) == [0]


# --- the OpenAPI schema ----------------------------------------------------------------------------------------


async def test_the_openapi_schema_describes_the_api_only_with_its_security_and_responses(app, client, people):
    await login(client, "coordinator")
    schema = (await client.get("/api/docs/openapi.json")).json()
    assert schema["paths"] and all(path.startswith("/api/v1/") for path in schema["paths"])
    assert schema["components"]["securitySchemes"]["deviceToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["deviceToken"]["description"],
    }

    def names(body: dict) -> str:
        """The schema's name, or the names of a union's (a goods voucher or a value voucher at a shop)."""
        refs = [one["$ref"] for one in body["oneOf"]] if "oneOf" in body else [body["$ref"]]
        return " | ".join(ref.rsplit("/", 1)[1] for ref in refs)

    for path, method, success in (
        ("/api/v1/vouchers/{code}", "get", {"200": "VoucherOut | ValueVoucherOut"}),
        ("/api/v1/redemptions", "post", {"200": "RedemptionOut | SpendOut", "201": "RedemptionOut | SpendOut"}),
        ("/api/v1/spends/{spend_id}/undo", "post", {"200": "SpendOut"}),
    ):
        operation = schema["paths"][path][method]
        assert {"deviceToken": []} in operation["security"] and {"sessionCookie": []} in operation["security"]
        responses = {
            status: names(response["content"]["application/json"]["schema"])
            for status, response in operation["responses"].items()
        }
        if path.startswith("/api/v1/spends"):
            errors = {status: "ErrorOut" for status in ("401", "403", "404", "409", "422")}
            assert responses.items() >= {**success, **errors}.items()
            continue
        errors = {status: "ErrorOut" for status in ("401", "403", "404", "409", "410", "422")}
        assert responses.items() >= {**success, **errors}.items()
    assert set(schema["components"]["schemas"]["ErrorOut"]["required"]) == {"error", "message"}
