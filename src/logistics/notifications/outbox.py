"""The outbox: `enqueue` a message in the caller's transaction; the `notifications.deliver` job (`jobs.py`) sends it.

Never sent twice (at-most-once delivery), however many processes run the job at the same time:

1. A run claims one message at a time with a conditional UPDATE (`status = 'pending'` and due → `'sending'`, a
   lease of five minutes in `claimed_until`, `attempts + 1`) and commits the claim before it sends anything.
   Two runs that race for the same message both issue the UPDATE; only one finds the row still pending — on
   SQLite the write transactions take turns, on PostgreSQL the second UPDATE waits for the first and then
   re-reads the row — so only one of them sends it.
2. It sends outside any transaction (SMTP through `logistics.mail`, SMS through `logistics.sms`), then records
   the outcome: "sent", or for an error back to "pending" with a back-off (1, 5, 15, 60, 240 minutes), and after
   six attempts "failed".
3. A message still "sending" after its lease ran out was interrupted mid-send (the process died, or the outcome
   could not be saved): whether it reached the person is unknown, so it is NOT sent again automatically — it
   becomes "failed" ("interrupted while sending; check and retry by hand") and an administrator or coordinator
   decides on the messages page.

The price of at-most-once: a message that was interrupted needs a person to look at it. An error raised by the
server before it accepted the message (refused connection, timeout, 4xx) is retried; an address the server
refuses permanently (5xx on RCPT) fails at once.

Without SMTP settings (LOGISTICS_SMTP_HOST) e-mails are not attempted: they wait as "pending" with the note
"e-mail not configured", and the wait does not count as an attempt; SMS go on being delivered.

`attempts` counts delivery attempts made, the successful one included.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import mail
from logistics.audit import services as audit
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.service import Service, query
from logistics.notifications.models import Channel, MessageStatus, OutboxMessage
from logistics.notifications.policy import RETRY, VIEW_MESSAGES
from logistics.people.privacy import PersonDataProvider, register_provider
from logistics.scheduler import now_utc
from logistics.sms import sms_gateway

log = logging.getLogger("logistics.notifications")

#: The wait after the 1st, 2nd ... failed attempt; the attempt after the last wait is the last one.
BACKOFF = tuple(timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 240))
MAX_ATTEMPTS = len(BACKOFF) + 1
#: How long a claimed message may stay "sending" (one SMTP exchange; smtplib times out after 30 s per step).
CLAIM_LEASE = timedelta(minutes=5)
#: One run stops claiming after this long, so it ends before the next run is due.
RUN_BUDGET_SECONDS = 50.0
BATCH = 20
MAX_PER_RUN = 500
PAGE_SIZE = 50
NOT_CONFIGURED = "e-mail not configured"
INTERRUPTED = "interrupted while sending; check and retry by hand"
ERASED = "recipient erased (RODO)"
#: The statuses shown under each filter of the messages page.
FILTERS: dict[str, tuple[str, ...]] = {
    "all": (),
    "pending": (MessageStatus.PENDING, MessageStatus.SENDING),
    "sent": (MessageStatus.SENT,),
    "failed": (MessageStatus.FAILED,),
}


# --- enqueueing ---------------------------------------------------------------------------------------------------


async def enqueue(
    session: AsyncSession,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    *,
    person_id: UUID | None = None,
    key: str | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction (sent only if that transaction commits).

    `body` is the finished text in the person's language. With a `key` that is already in the outbox nothing is
    added and None is returned. `not_before` delays the first attempt (a reminder written in advance).
    """
    if channel not in {Channel.EMAIL, Channel.SMS}:
        msg = f"unknown channel {channel!r}"
        raise ValueError(msg)
    recipient = recipient.strip()
    if not recipient:
        raise DomainError(_("The message has no recipient: the person has no e-mail address or phone number."))
    if len(recipient) > 254:
        raise DomainError(_("The recipient's address is too long."))
    values: dict[str, Any] = {
        "channel": str(channel),
        "recipient": recipient,
        "subject": subject.strip()[:200],
        "body": body,
        "person_id": person_id,
        "key": key,
        "status": MessageStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": not_before or now_utc(),
        "last_error": "",
    }
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(OutboxMessage).values(**values)
    message_id = await session.scalar(
        statement.on_conflict_do_nothing(index_elements=["key"]).returning(OutboxMessage.id)
    )
    if message_id is None:  # the key is in the outbox already
        return None
    return await session.get(OutboxMessage, message_id)


# --- delivery -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: UUID
    channel: str
    recipient: str
    subject: str
    body: str
    attempts: int
    key: str | None = None


#: A file attached to an e-mail: content, MIME main type and subtype, file name.
Attachment = tuple[bytes, str, str, str]
AttachmentMaker = Callable[[AsyncSession, str], Awaitable[list[Attachment]]]
#: The outbox keeps text only. A domain that sends files (the voucher's QR and PDF) enqueues its e-mail with a key
#: "<prefix>:..." and registers how to make the files from that key when the message is delivered.
ATTACHMENTS: dict[str, AttachmentMaker] = {}


def register_attachments(prefix: str, make: AttachmentMaker) -> None:
    """E-mails whose key starts with "<prefix>:" get the files `make(session, key)` returns at delivery; it may
    raise PermanentFailure (e.g. the voucher was revoked meanwhile): the message then fails and is not sent."""
    ATTACHMENTS[prefix] = make


async def attachments_for(session: AsyncSession, message: Claimed) -> list[Attachment]:
    """The files of an e-mail, made now from its key; read in a transaction that is closed before sending."""
    if message.channel != Channel.EMAIL or not message.key:
        return []
    make = ATTACHMENTS.get(message.key.partition(":")[0])
    if make is None:
        return []
    try:
        return await make(session, message.key)
    finally:
        await session.rollback()


@dataclass
class Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    interrupted: int = 0
    waiting_for_mail: int = 0

    def summary(self) -> str:
        text = f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"
        if self.interrupted:
            text += f", {self.interrupted} interrupted while sending (marked failed)"
        if self.waiting_for_mail:
            text += f"; {self.waiting_for_mail} e-mails wait: {NOT_CONFIGURED}"
        return text


class PermanentFailure(Exception):
    """The recipient will never accept the message (e.g. the mail server does not know the address)."""


async def fail_interrupted(session: AsyncSession, now: datetime) -> int:
    """Messages still "sending" after their lease: the send may or may not have happened — never resend them."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_until < now)
        .values(status=MessageStatus.FAILED, claimed_until=None, last_error=INTERRUPTED)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _note_mail_not_configured(session: AsyncSession) -> int:
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == Channel.EMAIL,
            OutboxMessage.status == MessageStatus.PENDING,
            OutboxMessage.last_error != NOT_CONFIGURED,
        )
        .values(last_error=NOT_CONFIGURED)
        .execution_options(synchronize_session=False)
    )
    waiting = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.channel == Channel.EMAIL, OutboxMessage.status == MessageStatus.PENDING)
    )
    await session.commit()
    return int(waiting or 0)


async def claim(session: AsyncSession, message_id: UUID, now: datetime) -> Claimed | None:
    """Take the message for this run (committed at once), or None when it is no longer pending and due."""
    row = (
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == MessageStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
            )
            .values(
                status=MessageStatus.SENDING,
                claimed_until=now + CLAIM_LEASE,
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(
                OutboxMessage.id,
                OutboxMessage.channel,
                OutboxMessage.recipient,
                OutboxMessage.subject,
                OutboxMessage.body,
                OutboxMessage.attempts,
                OutboxMessage.key,
            )
            .execution_options(synchronize_session=False)
        )
    ).first()
    await session.commit()
    return Claimed(*row) if row is not None else None


async def send(message: Claimed, attachments: list[Attachment] | None = None) -> None:
    """Hand the message to the mail server or the SMS gateway; raises when it was not accepted."""
    if message.channel == Channel.EMAIL:
        letter = mail.new_message([message.recipient], message.subject, message.body)
        for content, maintype, subtype, filename in attachments or []:
            letter.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        try:
            await mail.deliver(letter)
        except smtplib.SMTPRecipientsRefused as error:
            if all(code >= 500 for code, _text in error.recipients.values()):
                raise PermanentFailure(_error_text(error)) from error
            raise
    elif message.channel == Channel.SMS:
        await sms_gateway().send(message.recipient, message.body)
    else:
        raise PermanentFailure(f"unknown channel {message.channel!r}")


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


async def _mark_sent(session: AsyncSession, message: Claimed) -> None:
    # Whatever happened to the row meanwhile, the message was delivered: it must never go out again.
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(status=MessageStatus.SENT, sent_at=now_utc(), claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def _mark_failed(session: AsyncSession, message: Claimed, error: str, *, permanent: bool) -> bool:
    """Back to pending with a back-off, or failed for good; True when it will be retried."""
    retry = not permanent and message.attempts < MAX_ATTEMPTS
    wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == MessageStatus.SENDING)
        .values(
            status=MessageStatus.PENDING if retry else MessageStatus.FAILED,
            next_attempt_at=now_utc() + wait if retry else OutboxMessage.next_attempt_at,
            claimed_until=None,
            last_error=error[:500],
        )
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return retry


async def deliver_due(session: AsyncSession, *, budget_seconds: float = RUN_BUDGET_SECONDS) -> Outcome:
    """One delivery run: give up on interrupted messages, then claim, send and record due messages one by one.

    Commits as it goes (the session must not be in a transaction the caller still needs); no transaction is
    open while a message is being sent.
    """
    outcome = Outcome(interrupted=await fail_interrupted(session, now_utc()))
    channels = [Channel.EMAIL, Channel.SMS]
    if not mail.mail_configured():
        outcome.waiting_for_mail = await _note_mail_not_configured(session)
        channels.remove(Channel.EMAIL)
    deadline = time.monotonic() + budget_seconds
    handled = 0
    while handled < MAX_PER_RUN and time.monotonic() < deadline:
        now = now_utc()
        due = list(
            await session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == MessageStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    OutboxMessage.channel.in_(channels),
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(BATCH)
            )
        )
        await session.commit()
        if not due:
            break
        for message_id in due:
            if handled >= MAX_PER_RUN or time.monotonic() >= deadline:
                break
            message = await claim(session, message_id, now_utc())
            if message is None:  # another run took it
                continue
            handled += 1
            try:
                await send(message, await attachments_for(session, message))
            except PermanentFailure as error:
                log.warning("%s message %s refused for good: %s", message.channel, message.id, error)
                await _mark_failed(session, message, str(error), permanent=True)
                outcome.failed += 1
            except Exception as error:
                log.warning("%s message %s not delivered: %s", message.channel, message.id, _error_text(error))
                if await _mark_failed(session, message, _error_text(error), permanent=False):
                    outcome.retrying += 1
                else:
                    outcome.failed += 1
            else:
                await _mark_sent(session, message)
                outcome.sent += 1
    return outcome


# --- the messages page ----------------------------------------------------------------------------------------------


def mask_recipient(channel: str, recipient: str) -> str:
    """Just enough to recognise the recipient: "a***@example.org", "+48 *** *** 123"."""
    if not recipient:
        return "—"
    if channel == Channel.EMAIL:
        local, _at, domain = recipient.rpartition("@")
        return f"{local[:1]}***@{domain}" if local else "***"
    digits = re.sub(r"\D", "", recipient)
    prefix = ""
    if recipient.startswith("+") or recipient.startswith("00"):
        digits = digits[2:] if recipient.startswith("00") else digits
        code_length = 3 if digits.startswith("380") else 2
        prefix, digits = f"+{digits[:code_length]} ", digits[code_length:]
    return f"{prefix}*** *** {digits[-3:]}" if len(digits) > 3 else f"{prefix}***"


class OutboxService(Service):
    @query
    async def browse(self, status: str = "all", page: int = 1) -> tuple[list[OutboxMessage], int]:
        """Messages newest first, one page at a time, and how many match the filter."""
        self.require(VIEW_MESSAGES)
        conditions = [OutboxMessage.status.in_(FILTERS[status])] if FILTERS.get(status) else []
        total = await self.session.scalar(select(func.count()).select_from(OutboxMessage).where(*conditions))
        rows = await self.session.scalars(
            select(OutboxMessage)
            .where(*conditions)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(PAGE_SIZE)
            .offset((max(page, 1) - 1) * PAGE_SIZE)
        )
        return list(rows), int(total or 0)

    async def retry(self, message_id: UUID) -> None:
        """A failed message goes back to the outbox, due now, for one more attempt."""
        self.require(RETRY)
        message = await self.session.get(OutboxMessage, message_id)
        if message is None:
            raise NotFound(_("This message does not exist."))
        if not message.recipient:
            raise DomainError(_("The recipient of this message was erased; it cannot be sent."))
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.FAILED)
            .values(status=MessageStatus.PENDING, next_attempt_at=now_utc(), claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("Only a message that failed can be sent again."))
        await audit.record(self.session, self.actor, "message.retry", "outbox_message", message_id, ["status"])


# --- RODO -----------------------------------------------------------------------------------------------------------


async def _export(session: AsyncSession, person_id: UUID) -> list[dict[str, Any]]:
    messages = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.person_id == person_id).order_by(OutboxMessage.created_at)
    )
    return [
        {
            "channel": message.channel,
            "recipient": message.recipient,
            "subject": message.subject,
            "body": message.body,
            "status": message.status,
            "created_at": message.created_at.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        }
        for message in messages
    ]


async def _erase(session: AsyncSession, person_id: UUID) -> None:
    """Blank the person's messages (the rows stay, counted); those not yet sent will not be."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.person_id == person_id)
        .values(
            status=case(
                (OutboxMessage.status == MessageStatus.PENDING, MessageStatus.FAILED.value),
                else_=OutboxMessage.status,
            ),
            last_error=case(
                (OutboxMessage.status == MessageStatus.PENDING, ERASED),
                else_=OutboxMessage.last_error,
            ),
            recipient="",
            subject="",
            body="",
            person_id=None,
        )
        .execution_options(synchronize_session=False)
    )


async def _merge(session: AsyncSession, from_id: UUID, into_id: UUID) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.person_id == from_id)
        .values(person_id=into_id)
        .execution_options(synchronize_session=False)
    )


register_provider(PersonDataProvider("notifications", _export, erase=_erase, merge=_merge))
