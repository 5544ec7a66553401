"""Beneficiary cards: a random code with a check character (no personal data in it), printed with a QR code.

A person has at most one valid card; issuing a new one (a lost card) revokes the old code at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from logistics import codes, printing
from logistics.audit import services as audit
from logistics.core.errors import DomainError
from logistics.core.i18n import gettext as _
from logistics.people.models import BeneficiaryCard
from logistics.people.policy import ISSUE_CARD, PRINT_CARD
from logistics.people.services import RegistryService
from logistics.settings import get_settings

CARD_WIDTH_MM, CARD_HEIGHT_MM = 85.6, 54.0


class CardService(RegistryService):
    async def _active_card(self, person_id: UUID) -> BeneficiaryCard | None:
        return await self.session.scalar(
            select(BeneficiaryCard).where(BeneficiaryCard.person_id == person_id, BeneficiaryCard.revoked_at.is_(None))
        )

    async def issue(self, person_id: UUID) -> BeneficiaryCard:
        """A new card; the person's current card, if any, stops working now."""
        self.require(ISSUE_CARD)
        person = await self._person(person_id, lock=True)  # not for a person being erased at this moment
        previous = await self._active_card(person.id)
        if previous is not None:
            previous.revoked_at = datetime.now(UTC)
            previous.revoked_reason = "replaced"
            await self.session.flush()
        for _attempt in range(5):
            code = codes.normalize(codes.generate(80))
            if await self.session.scalar(select(BeneficiaryCard.id).where(BeneficiaryCard.code == code)) is None:
                break
        else:  # pragma: no cover — 80 random bits do not collide five times
            raise DomainError(_("Could not create a unique code. Please try again."))
        card = BeneficiaryCard(person_id=person.id, code=code)
        self.session.add(card)
        try:
            await self.session.flush()
        except IntegrityError as error:  # a card issued by someone else at the same moment
            raise DomainError(_("A card was issued for this person a moment ago. Reload the page.")) from error
        await audit.record(self.session, self.actor, "card.issue", "person", person.id, ["card"])
        return card

    async def revoke(self, person_id: UUID, reason: str) -> None:
        self.require(ISSUE_CARD)
        card = await self._active_card((await self._person(person_id, lock=True)).id)
        if card is None:
            raise DomainError(_("This person has no valid card."))
        card.revoked_at = datetime.now(UTC)
        card.revoked_reason = reason[:200] or "revoked"
        await audit.record(self.session, self.actor, "card.revoke", "person", person_id, ["card"])

    async def pdf(self, person_id: UUID, page: str) -> bytes:
        """The person's valid card as a PDF: `card` (card size) or `a4` (the card on an A4 sheet with cut marks)."""
        self.require(PRINT_CARD)
        person = await self._person(person_id)
        card = await self._active_card(person.id)
        if card is None:
            raise DomainError(_("This person has no valid card."))
        if page not in {"card", "a4"}:
            raise DomainError(_("This option is not available."), "format")
        await audit.record(self.session, self.actor, "card.print", "person", person.id)
        return render_card(person.full_name, codes.format_code(card.code), page)


def render_card(name: str, code: str, page: str) -> bytes:
    if page == "card":
        pdf = printing.new_pdf(CARD_WIDTH_MM, CARD_HEIGHT_MM)
        pdf.add_page()
        _draw_card(pdf, 0, 0, name, code)
    else:
        pdf = printing.new_pdf()
        pdf.add_page()
        x, y = 20.0, 20.0
        _draw_card(pdf, x, y, name, code)
        printing.cut_marks(pdf, x, y, CARD_WIDTH_MM, CARD_HEIGHT_MM)
        pdf.set_xy(x, y + CARD_HEIGHT_MM + 10)
        pdf.set_font("DejaVu", size=10)
        pdf.multi_cell(
            170,
            5,
            _(
                "Cut out the card along the marks. The code on it holds no personal data; "
                "if the card is lost, ask for a new one and the old code will stop working."
            ),
        )
    return bytes(pdf.output())


#: The text column left of the QR code (mm from the card's left edge): nothing printed there reaches the code.
TEXT_X, TEXT_WIDTH = 5.0, 47.0
QR_X, QR_Y, QR_SIZE = CARD_WIDTH_MM - 30, 6.0, 25.0


def _draw_card(pdf: printing.FPDF, x: float, y: float, name: str, code: str) -> None:
    pdf.set_draw_color(160, 160, 160)
    pdf.set_line_width(0.3)
    pdf.rect(x + 1, y + 1, CARD_WIDTH_MM - 2, CARD_HEIGHT_MM - 2)
    left = x + TEXT_X
    # The organisation's name: two lines at most, shrunk to fit beside the QR code.
    below = printing.text_block(
        pdf, get_settings().org_name, left, y + 4, TEXT_WIDTH, size=9, min_size=6.5, max_lines=2, style="B"
    )
    pdf.set_font("DejaVu", size=8)
    printing.text_block(pdf, _("Beneficiary card"), left, max(below + 1, y + 10), TEXT_WIDTH, size=8, min_size=6.5)
    printing.text_block(pdf, name, left, y + 19, TEXT_WIDTH, size=11, min_size=8, max_lines=3, style="B")
    printing.text_block(pdf, code, left, y + 42, CARD_WIDTH_MM - 2 * TEXT_X, size=8.5, min_size=7, style="B")
    printing.draw_qr(pdf, code, x + QR_X, y + QR_Y, QR_SIZE)
