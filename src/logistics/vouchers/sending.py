"""Sending a voucher to the household: an e-mail with the QR (a PNG) and the printable voucher (a PDF) attached,
or an SMS with a link to a page that shows the QR on the household's phone — all in the language of the household's
head (`Person.preferred_language`; the SMS link carries it as `?lang=`).

Both go through the notification outbox: the message is queued in the use case's transaction and delivered by
the `notifications.deliver` job — never from the request. The e-mail's files are made when it is delivered, from
the voucher named in its outbox key (`voucher:<id>:<language>:<random>`), in the household's language; a voucher
revoked meanwhile is not sent.

SMS gateways are pluggable: LOGISTICS_SMS_GATEWAY is `log` (the default: the message goes to the log, for set-ups
without a contract with an SMS operator) or `package.module:Class`, a class with `async send(phone, text)`.
"""

from __future__ import annotations

import io
import uuid
from uuid import UUID

import qrcode
from sqlalchemy.ext.asyncio import AsyncSession

from logistics import codes
from logistics.audit import services as audit
from logistics.core.errors import DomainError
from logistics.core.i18n import format_date, format_money, in_locale
from logistics.core.i18n import gettext as _
from logistics.core.service import Service
from logistics.mail import mail_configured
from logistics.notifications.outbox import Attachment, PermanentFailure, enqueue, register_attachments
from logistics.people.models import Household, Person
from logistics.settings import LOCALES, get_settings
from logistics.vouchers.documents import voucher_prints
from logistics.vouchers.issuing import VoucherService
from logistics.vouchers.models import Voucher, VoucherStatus
from logistics.vouchers.policy import SEND
from logistics.vouchers.printing import PointInfo, render_vouchers

KEY_PREFIX = "voucher"


def qr_png(text: str) -> bytes:
    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=10, border=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _shops(shops: list[PointInfo]) -> str:
    """The partner shops of a value voucher in one line: "Sklep Groszek (ul. Polna 3); Apteka (ul. Lipowa 1)"."""
    return "; ".join(f"{shop.name} ({shop.address})" if shop.address else shop.name for shop in shops)


def _language(person: Person) -> str:
    return person.preferred_language if person.preferred_language in LOCALES else get_settings().default_locale


class SendingService(Service):
    @staticmethod
    def mail_ready() -> bool:
        return mail_configured()

    async def send(self, voucher_id: UUID, channel: str, base_url: str) -> None:
        """Queue the voucher's e-mail or SMS to the head of the household, in their language."""
        self.require(SEND)
        voucher = await VoucherService(self.session, self.actor).voucher(voucher_id)
        if voucher.status != VoucherStatus.ISSUED:
            raise DomainError(_("Only a voucher that is still valid can be sent."))
        household = await self.session.get(Household, voucher.household_id) if voucher.household_id else None
        head = household.head if household else None
        code = codes.format_code(voucher.code)
        if channel == "email":
            if head is None or not head.email:
                raise DomainError(_("The head of the household has no e-mail address."))
            if not mail_configured():
                raise DomainError(_("E-mail is not configured (LOGISTICS_SMTP_HOST)."))
            locale = _language(head)
            with in_locale(locale):  # the household's language: the messages, the dates, the item names
                [printed] = await voucher_prints(self.session, [voucher])
                subject = _("Your voucher: %(programme)s", programme=printed.programme)
                if voucher.is_value:
                    body = _(
                        "Your voucher %(code)s (%(programme)s) holds %(balance)s and is valid from %(start)s to "
                        "%(end)s. It may be spent on: %(categories)s — not on alcohol or tobacco — at: %(shops)s. "
                        "Show the QR code in the attachment at the shop's till.",
                        code=code,
                        programme=printed.programme,
                        balance=format_money(voucher.balance),
                        start=format_date(voucher.valid_from),
                        end=format_date(voucher.valid_until),
                        categories=", ".join(printed.categories),
                        shops=_shops(printed.points),
                    )
                else:
                    body = _(
                        "Your voucher %(code)s (%(programme)s) is valid from %(start)s to %(end)s. Show the QR code "
                        "in the attachment at the distribution point.",
                        code=code,
                        programme=printed.programme,
                        start=format_date(voucher.valid_from),
                        end=format_date(voucher.valid_until),
                    )
            key = f"{KEY_PREFIX}:{voucher.id}:{locale}:{uuid.uuid4().hex}"
            await enqueue(self.session, "email", head.email, subject, body, person_id=head.id, key=key)
        elif channel == "sms":
            if head is None or not head.phone:
                raise DomainError(_("The head of the household has no phone number."))
            locale = _language(head)
            # The page opens in the household's language (the phone's browser has no choice of ours stored).
            link = f"{base_url}/v/{code}" + ("" if locale == get_settings().default_locale else f"?lang={locale}")
            with in_locale(locale):
                if voucher.is_value:
                    text = _("Your voucher for %(balance)s: %(url)s", balance=format_money(voucher.balance), url=link)
                else:
                    text = _("Your voucher: %(url)s", url=link)
            await enqueue(self.session, "sms", head.phone, "", text, person_id=head.id)
        else:
            raise DomainError(_("This option is not available."), "channel")
        await audit.record(self.session, self.actor, "voucher.send", "voucher", voucher.id, [channel])


async def voucher_attachments(session: AsyncSession, key: str) -> list[Attachment]:
    """The files of a voucher's e-mail, made when the outbox delivers it: the QR as a PNG and the A4 voucher."""
    _prefix, voucher_id, locale, _random = key.split(":")
    voucher = await session.get(Voucher, UUID(voucher_id))
    if voucher is None or voucher.status != VoucherStatus.ISSUED:
        raise PermanentFailure("the voucher is no longer valid (revoked, redeemed or expired)")
    code = codes.format_code(voucher.code)
    with in_locale(locale):
        pdf = render_vouchers(await voucher_prints(session, [voucher]), "a4", get_settings().org_name)
    return [(qr_png(code), "image", "png", f"{code}.png"), (pdf, "application", "pdf", f"{code}.pdf")]


register_attachments(KEY_PREFIX, voucher_attachments)
