"""Delivery errors said as a sentence in the user's language on the messages page.

The outbox keeps the raw error in `last_error` ("ConnectionRefusedError: [Errno 111] Connection refused"), and the
delivery job writes it to the server log: that is for whoever looks after the server. The page says what it means
for the person at the desk ("The mail server did not answer.") and what they can do.
"""

from __future__ import annotations

from logistics.core.i18n import gettext as _
from logistics.notifications.models import Channel
from logistics.notifications.outbox import ERASED, INTERRUPTED, NOT_CONFIGURED

#: Exception names (the start of `last_error`) that mean the server could not be reached or did not answer.
_UNREACHABLE = (
    "ConnectionRefusedError",
    "ConnectionResetError",
    "ConnectionAbortedError",
    "ConnectionError",
    "SMTPConnectError",
    "SMTPServerDisconnected",
    "gaierror",
    "OSError",
    "ClientConnectorError",
    "ConnectError",
)
_TIMEOUT = ("TimeoutError", "timeout", "SMTPTimeoutError", "ReadTimeout", "ConnectTimeout")


def delivery_error(channel: str, error: str) -> str:
    """`error` (a message's `last_error`) as a sentence for the messages page; "" when there is none."""
    error = error.strip()
    if not error:
        return ""
    if error == NOT_CONFIGURED:
        return _("E-mail is not configured: the message waits until it is.")
    if error == INTERRUPTED:
        return _(
            "Interrupted while sending: it may or may not have arrived. Check with the person, then send it again."
        )
    if error == ERASED:
        return _("Not sent: the person's data was erased.")
    name = error.split(":", 1)[0].strip()
    email = channel != Channel.SMS
    if name in _TIMEOUT:
        return _("The mail server did not answer in time.") if email else _("The SMS gateway did not answer in time.")
    if name in _UNREACHABLE:
        return _("The mail server did not answer.") if email else _("The SMS gateway did not answer.")
    if name == "SMTPRecipientsRefused":
        return _("The mail server refused the recipient's address: check the e-mail address.")
    if name == "SMTPSenderRefused":
        return _("The mail server refused our sender address (LOGISTICS_SMTP_FROM).")
    if name == "SMTPAuthenticationError":
        return _("The mail server refused our log-in: check the e-mail settings.")
    if name.startswith("SMTP"):
        return _("The mail server refused the message.")
    if error.startswith("unknown channel"):
        return _("The message has an unknown channel.")
    return _("The message could not be delivered. The details are in the server log.")
