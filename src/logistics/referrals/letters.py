"""The referral letter: one A4 page in Polish (whatever the user's language — the receiving institution reads it),
with the person's name and what the institution needs to know, nothing more (no PESEL, no address, no contact):
the reason, what is asked for, the date by which contact is expected, for food aid the household's eligibility as
judged on the day of issue; the case worker and the date; a QR holding the absolute address of `/r/<code>` and the
short code printed for typing.

`printing.draw_qr` encodes upper-case codes only (alphanumeric mode); an address with a host in lower case needs
byte mode, so the QR here is drawn from `qrcode`'s byte-mode matrix the same way (filled squares, ≥ 0.5 mm).
"""

from __future__ import annotations

import qrcode
from fpdf import FPDF

from logistics import codes
from logistics.core.i18n import format_date, in_locale, localized
from logistics.core.i18n import gettext as _
from logistics.printing import MIN_MODULE_MM, new_pdf, text_block
from logistics.referrals.models import ReferralKind
from logistics.referrals.services import ReferralDetail
from logistics.settings import get_settings

LEFT, WIDTH = 20.0, 170.0
QR_SIZE = 38.0


def confirmation_url(base_url: str, code: str) -> str:
    """The address the letter's QR holds: `<base>/r/<bare code>`."""
    return f"{base_url.rstrip('/')}/r/{codes.normalize(code)}"


def url_matrix(text: str) -> list[list[bool]]:
    """QR modules for any text (byte mode), error correction M."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def draw_url_qr(pdf: FPDF, text: str, x: float, y: float, size_mm: float) -> float:
    matrix = url_matrix(text)
    module = size_mm / len(matrix)
    if module < MIN_MODULE_MM:
        msg = f"QR modules would be {module:.2f} mm; at least {MIN_MODULE_MM} mm are needed"
        raise ValueError(msg)
    pdf.set_fill_color(0, 0, 0)
    for row_number, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                pdf.rect(x + start * module, y + row_number * module, (column - start) * module, module, style="F")
            else:
                column += 1
    return module


def _kind_label(kind: str) -> str:
    return {
        ReferralKind.FOOD_AID: _("Food aid (FEPŻ)"),
        ReferralKind.SHELTER: _("Shelter"),
        ReferralKind.WORK: _("Work or training"),
        ReferralKind.ACTIVITY: _("Activity of the centre"),
        ReferralKind.GENERAL: _("General"),
    }[ReferralKind(kind)]


def _section(pdf: FPDF, label: str, text: str, y: float, *, max_lines: int = 4) -> float:
    if not text:
        return y
    text_block(pdf, label, LEFT, y, WIDTH, size=9, style="B")
    y += 5
    y = text_block(pdf, text.replace("\n", " "), LEFT, y, WIDTH, size=10.5, min_size=8, max_lines=max_lines)
    return y + 3


def letter_pdf(detail: ReferralDetail, base_url: str) -> bytes:
    """The letter of `detail`, in Polish."""
    with in_locale("pl"):
        return _letter(detail, base_url)


def _letter(detail: ReferralDetail, base_url: str) -> bytes:
    referral = detail.referral
    pdf = new_pdf()
    pdf.set_title(f"Skierowanie {codes.format_code(referral.code)}")
    pdf.add_page()
    y = 18.0
    y = text_block(pdf, get_settings().org_name, LEFT, y, WIDTH - QR_SIZE - 5, size=11, style="B", max_lines=2)
    y = text_block(
        pdf, _("Issued on %(day)s", day=format_date(referral.issued_on)), LEFT, y + 1, WIDTH - QR_SIZE - 5, size=9
    )
    url = confirmation_url(base_url, referral.code)
    draw_url_qr(pdf, url, LEFT + WIDTH - QR_SIZE, 15, QR_SIZE)
    y = max(y, 30.0) + 6
    y = text_block(
        pdf,
        _("Referral no. %(code)s", code=codes.format_code(referral.code)),
        LEFT,
        y,
        WIDTH - QR_SIZE - 5,
        size=16,
        style="B",
        min_size=12,
    )
    y = text_block(pdf, _kind_label(referral.kind), LEFT, y + 1, WIDTH - QR_SIZE - 5, size=10)
    y = max(y, 15 + QR_SIZE) + 8

    text_block(pdf, _("To"), LEFT, y, WIDTH, size=9, style="B")
    y += 5
    if detail.service is not None:
        service = detail.service
        y = text_block(pdf, service.institution, LEFT, y, WIDTH, size=12, style="B", min_size=9, max_lines=2)
        y = text_block(pdf, localized(service, "name"), LEFT, y, WIDTH, size=11, min_size=8, max_lines=2)
        for line in (
            service.address,
            _("Opening hours: %(hours)s", hours=service.opening_hours) if service.opening_hours else "",
            _("Phone: %(phone)s", phone=service.phone) if service.phone else "",
        ):
            if line:
                y = text_block(pdf, line, LEFT, y, WIDTH, size=10, min_size=8, max_lines=2)
    elif detail.activity is not None:
        y = text_block(pdf, get_settings().org_name, LEFT, y, WIDTH, size=12, style="B", min_size=9, max_lines=2)
        y = text_block(pdf, detail.activity.title, LEFT, y, WIDTH, size=11, min_size=8, max_lines=2)
    y += 6

    text_block(pdf, _("Referred person"), LEFT, y, WIDTH, size=9, style="B")
    y += 5
    y = text_block(pdf, detail.person, LEFT, y, WIDTH, size=13, style="B", min_size=9)
    if referral.household_size > 1:
        y = text_block(
            pdf,
            _("With the household: %(count)s people in all", count=referral.household_size),
            LEFT,
            y + 1,
            WIDTH,
            size=10,
        )
    y += 5
    y = _section(pdf, _("Reason for the referral"), referral.reason, y, max_lines=6)
    y = _section(pdf, _("What is asked for"), referral.requested, y, max_lines=6)
    y = _section(pdf, _("Contact expected by"), format_date(referral.expected_by), y)
    if referral.kind == ReferralKind.FOOD_AID:
        verdict = {
            True: _("The household meets the food-aid income criterion."),
            False: _("The household does not meet the food-aid income criterion."),
            None: "",
        }[referral.eligible]
        statement = ". ".join(part.rstrip(".") for part in (referral.eligibility, verdict) if part) + "."
        y = _section(
            pdf, _("Eligibility for food aid as of %(day)s", day=format_date(referral.issued_on)), statement, y
        )

    y = max(y + 6, 205.0)
    text_block(pdf, _("Issued by"), LEFT, y, 80, size=9, style="B")
    text_block(pdf, detail.issuer or referral.issued_by, LEFT, y + 5, 80, size=10.5)
    text_block(pdf, format_date(referral.issued_on), LEFT, y + 10, 80, size=10)
    pdf.set_draw_color(120, 120, 120)
    pdf.line(LEFT + 100, y + 18, LEFT + WIDTH, y + 18)
    text_block(pdf, _("signature and stamp"), LEFT + 100, y + 19, WIDTH - 100, size=8)

    y = 258.0
    pdf.line(LEFT, y, LEFT + WIDTH, y)
    base = base_url.rstrip("/")
    text_block(
        pdf,
        _("Confirm the arrival: scan the QR code or go to %(address)s and type the code", address=f"{base}/r"),
        LEFT,
        y + 3,
        WIDTH,
        size=10,
        style="B",
        min_size=8,
        max_lines=2,
    )
    text_block(pdf, codes.format_code(referral.code), LEFT, y + 13, WIDTH, size=14, style="B")
    text_block(
        pdf,
        _("The confirmation shows only the first name and initial of the person and the service."),
        LEFT,
        y + 21,
        WIDTH,
        size=8,
        max_lines=2,
    )
    return bytes(pdf.output())
