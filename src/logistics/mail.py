"""Outgoing e-mail through the SMTP server in the settings (LOGISTICS_SMTP_*); off when no host is set."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from logistics.settings import get_settings


def mail_configured() -> bool:
    return bool(get_settings().smtp.host)


def new_message(to: Sequence[str], subject: str, body: str) -> EmailMessage:
    """A plain-text message from LOGISTICS_SMTP_FROM; attachments may be added before `deliver`."""
    message = EmailMessage()
    message["From"] = get_settings().smtp.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    return message


def _deliver(message: EmailMessage) -> None:
    smtp = get_settings().smtp
    server = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
    try:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password)
        server.send_message(message)
    finally:
        # Once the server has accepted the message, a failed goodbye must not look like a failed delivery (the
        # outbox would send the message again).
        try:
            server.quit()
        except smtplib.SMTPException:
            server.close()
        except OSError:
            server.close()


async def deliver(message: EmailMessage) -> None:
    """Send `message` (in a worker thread: smtplib blocks); raises when the server refuses it."""
    await asyncio.to_thread(_deliver, message)


async def send_mail(to: Sequence[str], subject: str, body: str) -> None:
    await deliver(new_message(to, subject, body))
