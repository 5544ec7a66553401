"""Messages to participants, in their preferred language, through the notification outbox: by e-mail when the
person has an address and e-mail is configured, else by SMS when they have a phone, else not at all."""

from __future__ import annotations

from typing import Any

from babel.support import LazyProxy
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.i18n import in_locale, localized
from logistics.mail import mail_configured
from logistics.notifications.outbox import enqueue
from logistics.people.models import Person


def title_in(activity: Any, locale: str) -> str:
    with in_locale(locale):
        return str(localized(activity, "title"))


async def notify(
    session: AsyncSession,
    person: Person,
    subject: LazyProxy,
    body: LazyProxy,
    activity: Any,
    key: str,
    **values: Any,
) -> None:
    """Queue one message to `person`: `subject` and `body` are lazy messages with `%(activity)s` and `values`."""
    locale = person.preferred_language if person.preferred_language in {"pl", "en", "uk"} else "pl"
    with in_locale(locale):
        variables = {"activity": title_in(activity, locale), **values}
        subject_text, body_text = str(subject) % variables, str(body) % variables
    if person.email and mail_configured():
        await enqueue(session, "email", person.email, subject_text, body_text, person_id=person.id, key=key)
    elif person.phone:
        await enqueue(
            session, "sms", person.phone, subject_text, f"{subject_text}. {body_text}", person_id=person.id, key=key
        )
