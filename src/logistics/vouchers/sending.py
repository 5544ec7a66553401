"""Sending a voucher to the household: an e-mail with the QR (a PNG) and the printable voucher (a PDF) attached,
or an SMS with a link to a page that shows the QR on the household's phone.

SMS gateways are pluggable: LOGISTICS_SMS_GATEWAY is `log` (the default: the message goes to the log, for set-ups
without a contract with an SMS operator) or `package.module:Class`, a class with `async send(phone, text)`.
"""

from __future__ import annotations

import io
from uuid import UUID

import qrcode

from logistics import codes
from logistics.audit import services as audit
from logistics.core.errors import DomainError
from logistics.core.i18n import gettext as _
from logistics.core.service import Service
from logistics.mail import deliver, mail_configured, new_message
from logistics.people.models import Household
from logistics.settings import get_settings
from logistics.sms import sms_gateway
from logistics.vouchers.documents import voucher_prints
from logistics.vouchers.issuing import ISSUE_ROLES, VoucherService
from logistics.vouchers.models import VoucherStatus
from logistics.vouchers.printing import render_vouchers


def qr_png(text: str) -> bytes:
    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=10, border=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class SendingService(Service):
    @staticmethod
    def mail_ready() -> bool:
        return mail_configured()

    async def send(self, voucher_id: UUID, channel: str, base_url: str) -> None:
        self._require(ISSUE_ROLES)
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
            [printed] = await voucher_prints(self.session, [voucher])
            pdf = render_vouchers([printed], "a4", get_settings().org_name)
            message = new_message(
                [head.email],
                _("Your voucher: %(programme)s", programme=printed.programme),
                _(
                    "Your voucher %(code)s (%(programme)s) is valid from %(start)s to %(end)s. Show the QR code "
                    "in the attachment at the distribution point.",
                    code=code,
                    programme=printed.programme,
                    start=voucher.valid_from.isoformat(),
                    end=voucher.valid_until.isoformat(),
                ),
            )
            message.add_attachment(qr_png(code), maintype="image", subtype="png", filename=f"{code}.png")
            message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{code}.pdf")
            await deliver(message)
        elif channel == "sms":
            if head is None or not head.phone:
                raise DomainError(_("The head of the household has no phone number."))
            text = _("Your voucher: %(url)s", url=f"{base_url}/v/{code}")
            await sms_gateway().send(head.phone, text)
        else:
            raise DomainError(_("This option is not available."), "channel")
        await audit.record(self.session, self.actor, "voucher.send", "voucher", voucher.id, [channel])
