"""The notification outbox: enqueued in the caller's transaction, delivered by a job through a real SMTP server
(aiosmtpd) or the SMS gateway, retried with back-off, and never sent twice — not even by two runs at once."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from logistics.audit.models import AuditEntry
from logistics.core.actor import Actor
from logistics.core.errors import DomainError, Forbidden
from logistics.db import make_alchemy_config
from logistics.notifications.jobs import deliver_outbox
from logistics.notifications.models import MessageStatus, OutboxMessage
from logistics.notifications.outbox import (
    BACKOFF,
    INTERRUPTED,
    MAX_ATTEMPTS,
    NOT_CONFIGURED,
    OutboxService,
    claim,
    deliver_due,
    enqueue,
    mask_recipient,
)
from logistics.people.models import Person
from logistics.people.privacy import PROVIDERS
from logistics.scheduler import JobRunner
from logistics.settings import get_settings

from ..conftest import login
from ..helpers import count, db_session, post_form


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts; it refuses addresses at nobody@."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def use_smtp(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("LOGISTICS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LOGISTICS_SMTP_PORT", str(port))
    monkeypatch.setenv("LOGISTICS_SMTP_STARTTLS", "off")
    monkeypatch.setenv("LOGISTICS_SMTP_FROM", "przystan@mops.example.org")
    get_settings.cache_clear()


@pytest.fixture
def inbox(settings, monkeypatch):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(monkeypatch, controller.port)
    try:
        yield handler
    finally:
        controller.stop()


async def add(app, channel="email", recipient="anna@example.org", subject="Przypomnienie", body="Zajęcia jutro.", **kw):
    async with db_session(app) as session:
        message = await enqueue(session, channel, recipient, subject, body, **kw)
        await session.commit()
    return message


async def run_job(app) -> str:
    async with db_session(app) as session:
        return await deliver_outbox(session)


async def rows(app) -> list[OutboxMessage]:
    async with db_session(app) as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


async def make_due(app) -> None:
    """Skip the back-off wait: every pending message is due now."""
    async with db_session(app) as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.PENDING)
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()


# --- enqueueing ---------------------------------------------------------------------------------------------------


async def test_enqueue_stores_one_message_per_key_in_the_callers_transaction(app):
    first = await add(app, key="reminder-24h:1")
    assert first is not None
    assert first.status == MessageStatus.PENDING
    assert first.attempts == 0
    assert await add(app, key="reminder-24h:1", body="Something else") is None
    await add(app)
    await add(app)  # without a key every call is a message of its own
    assert await count(app, OutboxMessage) == 3
    async with db_session(app) as session:  # a change that is rolled back sends nothing
        await enqueue(session, "sms", "+48 600 100 200", "", "Sala zmieniona.")
        await session.rollback()
    assert await count(app, OutboxMessage) == 3
    async with db_session(app) as session:
        with pytest.raises(DomainError):
            await enqueue(session, "email", "  ", "Temat", "Treść")
        with pytest.raises(ValueError, match="unknown channel"):
            await enqueue(session, "fax", "123", "", "Treść")
    [stored] = [m for m in await rows(app) if m.key == "reminder-24h:1"]
    assert stored.body == "Zajęcia jutro."


# --- delivery -----------------------------------------------------------------------------------------------------


async def test_an_e_mail_reaches_a_real_smtp_server_once(app, inbox):
    message = await add(
        app, recipient="anna@example.org", subject="Przypomnienie: szycie", body="Zajęcia jutro o 10:00."
    )
    later = await add(app, recipient="jan@example.org", not_before=datetime.now(UTC) + timedelta(hours=2))
    assert await run_job(app) == "1 sent, 0 to retry, 0 failed"
    assert len(inbox.messages) == 1
    [received] = inbox.messages
    assert received["To"] == "anna@example.org"
    assert received["From"] == "przystan@mops.example.org"
    assert received["Subject"] == "Przypomnienie: szycie"
    assert received.get_content().strip() == "Zajęcia jutro o 10:00."
    assert inbox.envelopes == [("przystan@mops.example.org", ["anna@example.org"])]
    by_id = {row.id: row for row in await rows(app)}
    assert by_id[message.id].status == MessageStatus.SENT
    assert by_id[message.id].sent_at is not None
    assert by_id[message.id].attempts == 1
    assert by_id[later.id].status == MessageStatus.PENDING  # not before its time
    assert await run_job(app) == "0 sent, 0 to retry, 0 failed"
    assert len(inbox.messages) == 1


async def test_a_failed_delivery_is_retried_with_back_off_then_given_up(app, settings, monkeypatch):
    use_smtp(monkeypatch, free_port())  # nothing listens there
    message = await add(app)
    before = datetime.now(UTC)
    assert await run_job(app) == "0 sent, 1 to retry, 0 failed"
    [row] = await rows(app)
    assert row.status == MessageStatus.PENDING
    assert row.attempts == 1
    assert row.claimed_until is None
    assert "ConnectionRefusedError" in row.last_error
    assert before + BACKOFF[0] <= row.next_attempt_at <= datetime.now(UTC) + BACKOFF[0]
    assert await run_job(app) == "0 sent, 0 to retry, 0 failed"  # not due yet
    for attempt in range(2, MAX_ATTEMPTS + 1):
        await make_due(app)
        before = datetime.now(UTC)
        await run_job(app)
        [row] = await rows(app)
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert row.status == MessageStatus.PENDING
            assert before + BACKOFF[attempt - 1] <= row.next_attempt_at
    assert row.status == MessageStatus.FAILED
    assert row.sent_at is None
    await make_due(app)
    assert await run_job(app) == "0 sent, 0 to retry, 0 failed"  # a failed message waits for a person
    assert message is not None


async def test_an_address_the_server_refuses_fails_at_once(app, inbox):
    await add(app, recipient="nobody@example.org")
    assert await run_job(app) == "0 sent, 0 to retry, 1 failed"
    [row] = await rows(app)
    assert row.status == MessageStatus.FAILED
    assert row.attempts == 1
    assert "550" in row.last_error
    assert inbox.messages == []


async def test_a_message_interrupted_while_sending_is_never_sent_again_by_itself(app, inbox):
    stale, fresh = await add(app, recipient="stale@example.org"), await add(app, recipient="fresh@example.org")
    now = datetime.now(UTC)
    async with db_session(app) as session:
        # The process that claimed `stale` died mid-send; `fresh` is being sent by a live run right now.
        for message, until in ((stale, now - timedelta(seconds=1)), (fresh, now + timedelta(minutes=4))):
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(status=MessageStatus.SENDING, claimed_until=until, attempts=1)
            )
        await session.commit()
    assert await run_job(app) == "0 sent, 0 to retry, 0 failed, 1 interrupted while sending (marked failed)"
    by_id = {row.id: row for row in await rows(app)}
    assert by_id[stale.id].status == MessageStatus.FAILED
    assert by_id[stale.id].last_error == INTERRUPTED
    assert by_id[stale.id].attempts == 1
    assert by_id[fresh.id].status == MessageStatus.SENDING
    assert inbox.messages == []


async def test_without_smtp_e_mails_wait_and_sms_go_out(app, caplog):
    caplog.set_level("INFO", logger="logistics.sms")
    assert not get_settings().smtp.host
    await add(app, recipient="anna@example.org")
    await add(app, channel="sms", recipient="+48 600 100 200", subject="", body="Zajęcia przeniesione do sali 2.")
    summary = await run_job(app)
    assert summary == f"1 sent, 0 to retry, 0 failed; 1 e-mails wait: {NOT_CONFIGURED}"
    mail, sms = await rows(app)
    assert (mail.status, mail.attempts, mail.last_error) == (MessageStatus.PENDING, 0, NOT_CONFIGURED)
    assert (sms.status, sms.attempts) == (MessageStatus.SENT, 1)
    assert "SMS to +48 600 100 200: Zajęcia przeniesione do sali 2." in caplog.text
    caplog.clear()
    await run_job(app)
    assert "SMS to" not in caplog.text  # sent once


class BrokenGateway:
    async def send(self, phone: str, text: str) -> None:
        raise RuntimeError("gateway down")


async def test_a_pluggable_sms_gateway_that_fails_is_retried(app, settings, monkeypatch):
    monkeypatch.setenv("LOGISTICS_SMS_GATEWAY", f"{__name__}:BrokenGateway")
    get_settings.cache_clear()
    await add(app, channel="sms", recipient="+48 600 100 200", subject="", body="Tekst")
    assert await run_job(app) == "0 sent, 1 to retry, 0 failed"
    [row] = await rows(app)
    assert row.last_error == "RuntimeError: gateway down"


async def test_two_runs_at_once_deliver_each_message_exactly_once(app, settings, inbox, caplog):
    caplog.set_level("INFO", logger="logistics.sms")
    for n in range(12):
        await add(app, recipient=f"person{n}@example.org", subject=f"Wiadomość {n}")
    for n in range(4):
        await add(app, channel="sms", recipient=f"+48 600 000 {n:03d}", subject="", body=f"SMS {n}")
    config = make_alchemy_config(get_settings())  # the app's engine set-up (BEGIN IMMEDIATE on SQLite)
    maker = config.create_session_maker()
    try:
        async with maker() as first, maker() as second:
            outcomes = await asyncio.gather(deliver_due(first), deliver_due(second))
    finally:
        await config.get_engine().dispose()
    assert sum(outcome.sent for outcome in outcomes) == 16
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"person{n}@example.org" for n in range(12))
    assert sorted(caplog.text.count(f"SMS {n}") for n in range(4)) == [1, 1, 1, 1]
    assert {row.status for row in await rows(app)} == {MessageStatus.SENT}
    assert {row.attempts for row in await rows(app)} == {1}


async def test_the_job_runs_under_the_scheduler(app, settings, inbox):
    await add(app)
    config = make_alchemy_config(get_settings())
    try:
        record = await JobRunner(config.create_session_maker(), "test").run("notifications.deliver", force=True)
    finally:
        await config.get_engine().dispose()
    assert record is not None
    assert (record.outcome, record.message) == ("ok", "1 sent, 0 to retry, 0 failed")
    assert len(inbox.messages) == 1


# --- the messages page --------------------------------------------------------------------------------------------


def test_recipients_are_masked():
    assert mask_recipient("email", "anna.kowalska@example.org") == "a***@example.org"
    assert mask_recipient("sms", "+48 600 100 123") == "+48 *** *** 123"
    assert mask_recipient("sms", "+380 67 123 4567") == "+380 *** *** 567"
    assert mask_recipient("sms", "600100123") == "*** *** 123"
    assert mask_recipient("sms", "") == "—"


async def test_the_messages_page_lists_masked_messages_and_retries_a_failed_one(app, client, people):
    await add(app, recipient="anna.kowalska@example.org", subject="Przypomnienie", body="Tajna treść")
    failed = await add(app, channel="sms", recipient="+48 600 100 123", subject="", body="SMS")
    async with db_session(app) as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == failed.id)
            .values(status=MessageStatus.FAILED, attempts=MAX_ATTEMPTS, last_error="gateway down")
        )
        await session.commit()

    await login(client, "volunteer")
    assert (await client.get("/admin/messages")).status_code == 403
    assert (await post_form(client, f"/admin/messages/{failed.id}/retry")).status_code == 403

    client.cookies.clear()
    await login(client, "coordinator")
    page = await client.get("/admin/messages")
    assert page.status_code == 200
    assert "a***@example.org" in page.text
    assert "+48 *** *** 123" in page.text
    assert "kowalska" not in page.text
    assert "600 100" not in page.text
    assert "Tajna treść" not in page.text
    assert "gateway down" not in page.text  # the raw error stays in the database and the log
    assert "Nie udało się dostarczyć wiadomości." in page.text
    only_failed = await client.get("/admin/messages", params={"status": "failed"}, headers={"hx-request": "true"})
    assert only_failed.text.lstrip().startswith('<div id="messages"')
    assert "+48 *** *** 123" in only_failed.text
    assert "a***@example.org" not in only_failed.text

    response = await post_form(client, f"/admin/messages/{failed.id}/retry", {"status": "failed"})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/messages?status=failed"
    [row] = [row for row in await rows(app) if row.id == failed.id]
    assert row.status == MessageStatus.PENDING
    assert row.next_attempt_at <= datetime.now(UTC)
    assert (
        await count(app, AuditEntry, AuditEntry.action == "message.retry", AuditEntry.entity_id == str(failed.id)) == 1
    )

    again = await post_form(client, f"/admin/messages/{failed.id}/retry")  # pending now: nothing to retry
    assert again.status_code == 303
    assert await count(app, AuditEntry, AuditEntry.action == "message.retry") == 1
    assert 'class="flash flash-error"' in (await client.get("/admin/messages")).text

    # The retried message gets one more attempt: delivered now through the logging gateway.
    assert await run_job(app) == "1 sent, 0 to retry, 0 failed; 1 e-mails wait: e-mail not configured"


async def test_erasing_a_person_blanks_their_messages(app):
    async with db_session(app) as session:
        person = Person(given_name="Anna", family_name="Kowalska", sex="female", last_activity_at=datetime.now(UTC))
        session.add(person)
        await session.flush()
        await enqueue(session, "email", "anna@example.org", "Przypomnienie", "Treść", person_id=person.id)
        await session.commit()
        exported = await PROVIDERS["notifications"].export(session, person.id)
        assert [(m["recipient"], m["body"], m["status"]) for m in exported] == [
            ("anna@example.org", "Treść", "pending")
        ]
        await PROVIDERS["notifications"].erase(session, person.id)
        await session.commit()
    [row] = await rows(app)
    assert (row.recipient, row.subject, row.body, row.person_id) == ("", "", "", None)
    assert row.status == MessageStatus.FAILED


async def test_of_two_claims_on_one_message_only_the_first_wins(app):
    message = await add(app)
    async with db_session(app) as first, db_session(app) as second:
        now = datetime.now(UTC)
        assert await claim(first, message.id, now) is not None
        assert await claim(second, message.id, now) is None
    [row] = await rows(app)
    assert (row.status, row.attempts) == (MessageStatus.SENDING, 1)


async def test_only_administrators_and_coordinators_use_the_outbox_page(app):
    message = await add(app)
    async with db_session(app) as session:
        for role in ("case_worker", "shelter_staff", "warehouse", "volunteer"):
            outsider = OutboxService(session, Actor(user_id=None, username="x", role=role))
            with pytest.raises(Forbidden):
                await outsider.browse()
            with pytest.raises(Forbidden):
                await outsider.retry(message.id)
        coordinator = OutboxService(session, Actor(user_id=None, username="k", role="coordinator"))
        assert (await coordinator.browse())[1] == 1
