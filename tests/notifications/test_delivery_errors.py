"""Delivery errors on the messages page are sentences in the user's language; the raw error stays in the
database and the server log."""

from __future__ import annotations

import logging

import pytest

from logistics.core.i18n import in_locale
from logistics.notifications.errors import delivery_error
from logistics.notifications.models import MessageStatus
from logistics.notifications.outbox import INTERRUPTED, NOT_CONFIGURED

from ..conftest import login
from ..helpers import post_form
from .test_outbox import add, free_port, rows, run_job, use_smtp


@pytest.mark.parametrize(
    ("channel", "error", "polish"),
    [
        ("email", "ConnectionRefusedError: [Errno 111] Connection refused", "Serwer poczty nie odpowiada."),
        ("sms", "ConnectionRefusedError: [Errno 111] Connection refused", "Bramka SMS nie odpowiada."),
        ("email", "TimeoutError: timed out", "Serwer poczty nie odpowiedział na czas."),
        ("email", "gaierror: [Errno -2] Name or service not known", "Serwer poczty nie odpowiada."),
        (
            "email",
            "SMTPRecipientsRefused: {'nobody@example.org': (550, b'5.1.1 No such user')}",
            "Serwer poczty odrzucił adres odbiorcy: sprawdź adres e-mail.",
        ),
        ("email", "SMTPDataError: (554, b'rejected')", "Serwer poczty odrzucił wiadomość."),
        ("email", NOT_CONFIGURED, "Poczta e-mail nie jest skonfigurowana: wiadomość czeka, aż będzie."),
        ("email", INTERRUPTED, "Przerwano podczas wysyłania: wiadomość mogła dotrzeć lub nie."),
        ("sms", "RuntimeError: gateway down", "Nie udało się dostarczyć wiadomości. Szczegóły są w dzienniku serwera."),
        ("email", "", ""),
    ],
)
def test_errors_are_said_as_sentences(channel, error, polish):
    with in_locale("pl"):
        assert delivery_error(channel, error).startswith(polish)


async def test_a_refused_connection_shows_as_a_sentence_and_stays_raw_in_the_log(
    app, client, people, monkeypatch, caplog
):
    use_smtp(monkeypatch, free_port())  # nothing listens there: the connection is refused
    await add(app, recipient="anna@example.org")
    with caplog.at_level(logging.WARNING, logger="logistics.notifications"):
        assert await run_job(app) == "0 sent, 1 to retry, 0 failed"
    [message] = await rows(app)
    assert message.status == MessageStatus.PENDING
    assert message.last_error.startswith("ConnectionRefusedError")  # kept for whoever looks at the server
    assert "ConnectionRefusedError" in caplog.text

    await login(client, "coordinator")
    for locale, sentence in (("pl", "Serwer poczty nie odpowiada."), ("uk", "Поштовий сервер не відповідає.")):
        await post_form(client, "/language", {"locale": locale, "next": "/"})
        page = await client.get("/admin/messages")
        assert page.status_code == 200
        assert sentence in page.text, locale
        assert "Errno" not in page.text and "ConnectionRefusedError" not in page.text
