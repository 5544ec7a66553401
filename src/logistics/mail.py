"""Outgoing e-mail through the SMTP server in the settings (LOGISTICS_SMTP_*); off when no host is set."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from logistics.settings import get_settings


def mail_configured() -> bool:
    return bool(get_settings().smtp.host)


def _send(to: Sequence[str], subject: str, body: str) -> None:
    smtp = get_settings().smtp
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password)
        server.send_message(message)


async def send_mail(to: Sequence[str], subject: str, body: str) -> None:
    """Send a plain-text message (in a worker thread: smtplib blocks); raises when the server refuses it."""
    await asyncio.to_thread(_send, to, subject, body)
