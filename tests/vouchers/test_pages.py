"""Case workers' and coordinators' voucher pages through HTTP: the household panel, one voucher, a batch (preview,
issue, a rerun issuing nothing), prints and lists, revoke and reissue, sending, the public QR page, devices,
the end-of-day reconciliation and the RODO export — the response and the database."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from logistics import codes
from logistics.audit.models import AuditEntry
from logistics.core.i18n import format_date, in_locale
from logistics.notifications.models import OutboxMessage
from logistics.notifications.outbox import deliver_due
from logistics.people.models import Person
from logistics.settings import get_settings
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import DeviceToken, Voucher
from logistics.vouchers.redeeming import RedemptionService

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import ADMIN, NEXT_CYCLE, NEXT_FIRST, NEXT_LAST


async def test_household_panel_issue_and_the_voucher_page(app, client, people, aid):
    await login(client, "caseworker")
    page = await client.get(f"/households/{aid.poor.id}")
    assert page.status_code == 200 and 'id="vouchers-panel"' in page.text
    assert "FEPŻ — paczka żywnościowa" in page.text
    issued = await post_form(client, "/vouchers/issue", {"programme": str(aid.food.id), "household": str(aid.poor.id)})
    assert issued.status_code == 303
    voucher_url = issued.headers["location"]
    twice = await post_form(client, "/vouchers/issue", {"programme": str(aid.food.id), "household": str(aid.poor.id)})
    assert twice.status_code == 303 and twice.headers["location"] == f"/households/{aid.poor.id}"
    assert await count(app, Voucher) == 1
    refused = await post_form(client, "/vouchers/issue", {"programme": str(aid.food.id), "household": str(aid.rich.id)})
    assert refused.status_code == 303
    assert await count(app, Voucher) == 1
    detail = await client.get(voucher_url)
    assert detail.status_code == 200 and "Anna Kowalska" in detail.text
    pdf = await client.get(f"{voucher_url}/voucher.pdf?layout=receipt")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (await client.get(f"{voucher_url}/voucher.pdf?layout=poster")).status_code == 422


async def test_batch_preview_issue_rerun_and_prints(app, client, people, aid):
    await login(client, "coordinator")
    listing = await client.get("/vouchers")
    assert listing.status_code == 200 and "FEPZ" in listing.text
    preview = await client.get(f"/vouchers/programmes/{aid.food.id}/batch?cycle={NEXT_CYCLE}")
    assert preview.status_code == 200
    assert "Dochód nie jest znany" in preview.text and "powyżej" in preview.text  # who is left out, and why
    bad = await client.get(f"/vouchers/programmes/{aid.food.id}/batch?cycle=2026-13")
    assert bad.status_code == 200 and "RRRR-MM" in bad.text
    done = await post_form(client, f"/vouchers/programmes/{aid.food.id}/batch", {"cycle": NEXT_CYCLE})
    assert done.status_code == 303
    rerun = await post_form(client, f"/vouchers/programmes/{aid.food.id}/batch", {"cycle": NEXT_CYCLE})
    assert rerun.status_code == 303
    assert await count(app, Voucher) == 1
    issued = await client.get(done.headers["location"])
    assert issued.status_code == 200 and "Anna Kowalska" in issued.text
    for layout in ("a4", "a4x4", "receipt"):
        pdf = await client.get(f"/vouchers/programmes/{aid.food.id}/vouchers.pdf?cycle={NEXT_CYCLE}&layout={layout}")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), layout
    csv_text = (await client.get(f"/vouchers/programmes/{aid.food.id}/vouchers.csv?cycle={NEXT_CYCLE}")).text
    assert csv_text.splitlines()[0] == "code,household_id,programme,valid_from,valid_until"
    assert f",{aid.poor.id},FEPZ,{NEXT_FIRST},{NEXT_LAST}" in csv_text


class FakeSMTP:
    """Stands in for smtplib.SMTP: keeps what it was given to send."""

    sent: list = []

    def __init__(self, *args, **kwargs):
        pass

    def starttls(self):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)

    def quit(self):
        pass


async def test_reissue_a_lost_voucher(app, client, people, aid):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    await login(client, "caseworker")
    no_reason = await post_form(client, f"/vouchers/{voucher.id}/reissue", {"reason": ""})
    assert no_reason.status_code == 303
    assert await count(app, Voucher) == 1
    reissued = await post_form(client, f"/vouchers/{voucher.id}/reissue", {"reason": "zgubiony w autobusie"})
    assert reissued.status_code == 303
    async with db_session(app) as session:
        old = await session.get(Voucher, voucher.id)
        new = await session.scalar(select(Voucher).where(Voucher.replaces_id == voucher.id))
    assert old.status == "revoked" and new.status == "issued"
    assert reissued.headers["location"] == f"/vouchers/{new.id}"


async def test_sending_a_voucher_queues_it_in_the_outbox_and_sends_nothing_from_the_request(
    app, client, people, aid, monkeypatch, caplog
):
    """The SMS and the e-mail are outbox messages written with the request's transaction; nothing reaches the SMS
    gateway or the mail server until the outbox's delivery job runs — then the e-mail carries the QR and the PDF,
    made at delivery from the voucher, in the household's language."""
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        head = await session.scalar(select(Person).where(Person.given_name == "Anna"))
        head.phone, head.email, head.preferred_language = "+48 600 100 200", "anna@example.org", "en"
        await session.commit()
    FakeSMTP.sent = []
    monkeypatch.setattr("logistics.mail.smtplib.SMTP", FakeSMTP)
    monkeypatch.setenv("LOGISTICS_SMTP_HOST", "smtp.example.org")
    get_settings.cache_clear()
    caplog.set_level("INFO", logger="logistics.sms")
    await login(client, "caseworker")
    sms = await post_form(client, f"/vouchers/{voucher.id}/send", {"channel": "sms"})
    mail = await post_form(client, f"/vouchers/{voucher.id}/send", {"channel": "email"})
    assert sms.status_code == mail.status_code == 303
    assert FakeSMTP.sent == [] and "SMS to" not in caplog.text  # nothing sent from the request
    queued = await _outbox(app)
    code = codes.format_code(voucher.code)
    assert [(m.channel, m.recipient, m.status, m.person_id) for m in queued] == [
        ("sms", "+48 600 100 200", "pending", head.id),
        ("email", "anna@example.org", "pending", head.id),
    ]
    assert queued[0].body == f"Your voucher: http://testserver.local/v/{code}?lang=en"  # in Anna's language
    assert queued[1].subject == "Your voucher: FEPŻ — paczka żywnościowa"
    assert await count(app, AuditEntry, AuditEntry.action == "voucher.send") == 2
    async with db_session(app) as session:
        outcome = await deliver_due(session)
    assert (outcome.sent, outcome.failed) == (2, 0)
    assert f"/v/{code}" in caplog.text and "+48 600 100 200" in caplog.text
    assert len(FakeSMTP.sent) == 1 and FakeSMTP.sent[0]["To"] == "anna@example.org"
    attachments = {part.get_filename(): part for part in FakeSMTP.sent[0].iter_attachments()}
    assert list(attachments) == [f"{code}.png", f"{code}.pdf"]
    assert attachments[f"{code}.png"].get_content().startswith(b"\x89PNG")
    assert attachments[f"{code}.pdf"].get_content().startswith(b"%PDF")
    assert [m.status for m in await _outbox(app)] == ["sent", "sent"]


async def test_a_ukrainian_household_gets_its_messages_and_its_voucher_page_in_ukrainian(
    app, client, people, aid, monkeypatch
):
    """Whatever the case worker's language: the SMS, its link's page and the e-mail (dates, item names) are in
    the language of the household's head."""
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        head = await session.scalar(select(Person).where(Person.given_name == "Anna"))
        head.phone, head.email, head.preferred_language = "+48 600 100 200", "anna@example.org", "uk"
        oil = await session.get(type(aid.oil), aid.oil.id)
        oil.name_uk = "Олія 1 л"
        await session.commit()
    monkeypatch.setenv("LOGISTICS_SMTP_HOST", "smtp.example.org")
    get_settings.cache_clear()
    await login(client, "caseworker")  # working in Polish
    for channel in ("sms", "email"):
        assert (await post_form(client, f"/vouchers/{voucher.id}/send", {"channel": channel})).status_code == 303
    sms, mail = await _outbox(app)
    code = codes.format_code(voucher.code)
    assert sms.body == f"Ваш талон: http://testserver.local/v/{code}?lang=uk"
    assert mail.subject.startswith("Ваш талон") and mail.body.startswith(f"Ваш талон {code}")
    with in_locale("uk"):
        start, end = format_date(voucher.valid_from), format_date(voucher.valid_until)
    assert f"з {start} до {end}." in mail.body and voucher.valid_from.isoformat() not in mail.body
    client.cookies.clear()  # the household's phone: no session, no language cookie
    page = await client.get(f"/v/{code}?lang=uk")
    assert page.status_code == 200 and "Де отримати" in page.text and "Олія 1 л" in page.text
    assert "Olej" not in page.text and "Gdzie odebrać" not in page.text
    polish = await client.get(f"/v/{code}?lang=xx")  # an unknown language: the organisation's
    assert "Olej 1 l" in polish.text


async def test_a_voucher_revoked_before_its_e_mail_goes_out_is_not_sent(app, client, people, aid, monkeypatch):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        head = await session.scalar(select(Person).where(Person.given_name == "Anna"))
        head.email = "anna@example.org"
        await session.commit()
    FakeSMTP.sent = []
    monkeypatch.setattr("logistics.mail.smtplib.SMTP", FakeSMTP)
    monkeypatch.setenv("LOGISTICS_SMTP_HOST", "smtp.example.org")
    get_settings.cache_clear()
    await login(client, "caseworker")
    assert (await post_form(client, f"/vouchers/{voucher.id}/send", {"channel": "email"})).status_code == 303
    revoked = await post_form(client, f"/vouchers/{voucher.id}/revoke", {"reason": "pomyłka"})
    assert revoked.status_code == 303
    refused = await post_form(client, f"/vouchers/{voucher.id}/send", {"channel": "sms"})
    assert refused.status_code == 303  # refused: only a valid voucher is sent
    async with db_session(app) as session:
        outcome = await deliver_due(session)
    assert (outcome.sent, outcome.failed) == (0, 1)
    assert FakeSMTP.sent == []
    [message] = await _outbox(app)
    assert message.status == "failed" and "no longer valid" in message.last_error


async def _outbox(app) -> list[OutboxMessage]:
    async with db_session(app) as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


async def test_the_public_qr_page_shows_no_personal_data(app, client, people, aid):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
    page = await client.get(f"/v/{codes.format_code(voucher.code)}")
    assert page.status_code == 200
    assert "<svg" in page.text and "Paczka A" in page.text and "Punkt 1" in page.text
    assert "Anna" not in page.text and "Kowalsk" not in page.text
    assert (await client.get(f"/v/{codes.generate()}")).status_code == 404
    assert (await client.get("/v/not-a-code")).status_code == 404


async def test_devices_page_shows_the_token_once(app, client, people, aid):
    await login(client, "coordinator")
    assert (await client.get("/vouchers/devices")).status_code == 200
    missing = await post_form(client, "/vouchers/devices/", {"name": "Tablet"})
    assert missing.status_code == 422
    created = await post_form(client, "/vouchers/devices/", {"point": str(aid.point.id), "name": "Tablet 2"})
    token = re.search(r"<code>(przystan_[^<]+)</code>", created.text).group(1)
    listing = (await client.get("/vouchers/devices")).text
    assert token not in listing
    assert "—" in re.search(r"<tr><td>Tablet 2</td>.*?</tr>", listing, re.S).group(0)  # no redemption yet
    async with db_session(app) as session:
        device = await session.scalar(select(DeviceToken))
    assert await post_form(client, f"/vouchers/devices/{device.id}/revoke") is not None
    async with db_session(app) as session:
        assert (await session.get(DeviceToken, device.id)).revoked_at is not None
    client.cookies.clear()
    await login(client, "caseworker")
    assert (await client.get("/vouchers/devices")).status_code == 403


async def test_reconciliation_agrees_with_the_ledger_and_exports(app, client, people, aid):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
        service = RedemptionService(session, ADMIN)
        await service.redeem(voucher.code, aid.point.id, "recon-00001", {aid.oil.id: Decimal(2)})
        undone = await service.redeem(voucher.code, aid.point.id, "recon-00002", {aid.kit.id: Decimal(1)})
        await session.commit()
        await service.undo(undone.redemption.id)
        await service.redeem(voucher.code, aid.point.id, "recon-00003")
        await session.commit()
    await login(client, "coordinator")
    page = await client.get(f"/vouchers/reconciliation?point={aid.point.id}")
    assert page.status_code == 200
    assert 'id="agreement"' in page.text and "flash-success" in page.text
    csv_text = (await client.get(f"/vouchers/reconciliation/reconciliation.csv?point={aid.point.id}")).text
    rows = {line.split(",")[2]: line.split(",")[4:] for line in csv_text.splitlines()[1:]}
    assert rows["Olej 1 l"] == ["4", "4", "yes"]  # 2 + the rest (1) + 1 in the kit
    assert rows["Makaron 500 g"] == ["2", "2", "yes"]
    client.cookies.clear()
    await login(client, "wolontariusz")
    own = await client.get("/vouchers/reconciliation")
    assert own.status_code == 200 and "Punkt 1" in own.text


async def test_another_points_reconciliation_is_refused_not_swapped_for_ones_own(app, client, people, aid):
    """A volunteer of Punkt 1 asking for Punkt 2's day is refused (403) — the page, the CSV — and is not shown
    Punkt 1's figures instead; a point that does not exist is 404."""
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await RedemptionService(session, ADMIN).redeem(voucher.code, aid.point.id, "recon-own-01")
        await session.commit()
    await login(client, "wolontariusz")
    other = await client.get(f"/vouchers/reconciliation?point={aid.other_point.id}")
    assert other.status_code == 403 and "Olej 1 l" not in other.text
    other_csv = await client.get(f"/vouchers/reconciliation/reconciliation.csv?point={aid.other_point.id}")
    assert other_csv.status_code == 403 and "Punkt 1" not in other_csv.text
    nowhere = await client.get(f"/vouchers/reconciliation?point={aid.food.id}")
    assert nowhere.status_code == 404
    own = await client.get(f"/vouchers/reconciliation?point={aid.point.id}")
    assert own.status_code == 200 and "Olej 1 l" in own.text
    assert f'<option value="{aid.other_point.id}"' not in own.text  # not offered either
    client.cookies.clear()
    await login(client, "coordinator")
    elsewhere = await client.get(f"/vouchers/reconciliation?point={aid.other_point.id}")
    assert elsewhere.status_code == 200 and "Punkt 2" in elsewhere.text and "Olej 1 l" not in elsewhere.text


async def test_the_programmes_page_offers_each_role_only_what_its_policy_allows(app, client, people, aid):
    await login(client, "caseworker")
    page = (await client.get("/vouchers")).text
    assert "/vouchers/reconciliation" in page and f"/vouchers/programmes/{aid.food.id}/batch" in page
    assert "/vouchers/devices" not in page and "/vouchers/programmes/new" not in page
    assert f"/vouchers/programmes/{aid.food.id}/edit" not in page
    client.cookies.clear()
    await login(client, "coordinator")
    page = (await client.get("/vouchers")).text
    assert "/vouchers/devices" in page and "/vouchers/programmes/new" in page
    assert f"/vouchers/programmes/{aid.food.id}/edit" in page


async def test_rodo_export_includes_the_households_vouchers(app, client, people, aid):
    async with db_session(app) as session:
        voucher = await VoucherService(session, ADMIN).issue(aid.food.id, aid.poor.id)
        await session.commit()
        anna = await session.scalar(select(Person).where(Person.given_name == "Anna"))
    await login(client, "caseworker")
    exported = (await client.get(f"/people/{anna.id}/export.json")).json()
    assert exported["vouchers"][0]["code"] == codes.format_code(voucher.code)


async def test_programme_form_creates_and_changes_a_programme(app, client, people, aid):
    await login(client, "coordinator")
    assert (await client.get("/vouchers/programmes/new")).status_code == 200
    base = {
        "code": "zima",
        "name": "Odzież zimowa",
        "cycle": "one_off",
        "rule": "decision",
        "income_percent": "100",
        "active": "on",
    }
    no_lines = await post_form(client, "/vouchers/programmes/new", base)
    assert no_lines.status_code == 422
    no_quantity = await post_form(client, "/vouchers/programmes/new", {**base, "goods-0": f"item:{aid.oil.id}"})
    assert no_quantity.status_code == 422
    taken = await post_form(
        client, "/vouchers/programmes/new", {**base, "code": "FEPZ", "goods-0": f"item:{aid.oil.id}", "quantity-0": "1"}
    )
    assert taken.status_code == 422
    created = await post_form(
        client,
        "/vouchers/programmes/new",
        {
            **base,
            "goods-0": f"kit:{aid.kit.id}",
            "quantity-0": "1",
            "goods-1": f"item:{aid.oil.id}",
            "quantity-1": "2",
            "per_person-1": "on",
            "points": str(aid.point.id),
        },
    )
    assert created.status_code == 303
    async with db_session(app) as session:
        from logistics.vouchers.models import Programme

        programme = await session.scalar(select(Programme).where(Programme.code == "ZIMA"))
        assert [(line.kit_id, line.item_id, line.per_person) for line in programme.lines] == [
            (aid.kit.id, None, False),
            (None, aid.oil.id, True),
        ]
        assert programme.point_ids == {aid.point.id}
    edit = await client.get(f"/vouchers/programmes/{programme.id}/edit")
    assert edit.status_code == 200 and "Odzież zimowa" in edit.text
    changed = await post_form(
        client,
        f"/vouchers/programmes/{programme.id}/edit",
        {**base, "name": "Odzież zimowa 2026", "goods-0": f"item:{aid.oil.id}", "quantity-0": "1"},
    )
    assert changed.status_code == 303
    client.cookies.clear()
    await login(client, "caseworker")
    assert (await client.get("/vouchers/programmes/new")).status_code == 403
