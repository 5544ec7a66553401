"""The referral letter: one A4 page in Polish whatever the user's language; its QR decodes (rendered as a phone
would see it) to the absolute address of the confirmation page; no PESEL, address or contact of the person."""

from __future__ import annotations

import pypdfium2
import zxingcpp

from logistics import codes
from logistics.audit.models import AuditEntry

from ..helpers import count
from .conftest import issue_direct, signed_in


def _page_text_and_qr(content: bytes) -> tuple[str, list[str], tuple[float, float]]:
    document = pypdfium2.PdfDocument(content)
    assert len(document) == 1
    page = document[0]
    size = page.get_size()
    text = page.get_textpage().get_text_range()
    image = page.render(scale=3).to_pil()
    found = [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]
    return text, found, size


async def test_the_letters_qr_decodes_to_the_confirmation_address(app, client, setup):
    referral = await issue_direct(app, setup)
    await signed_in(client, "caseworker")
    response = await client.get(f"/referrals/{referral.id}/letter.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text, qrs, (width, height) = _page_text_and_qr(response.content)
    assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297  # A4
    assert qrs == [f"http://testserver.local/r/{referral.code}"]
    flat = " ".join(text.split())
    assert f"Skierowanie nr {codes.format_code(referral.code)}" in flat
    assert "Anna Kowalska" in flat and "Bank Żywności w Gliwicach" in flat and "ul. Kozielska 20" in flat
    assert "Trudna sytuacja materialna" in flat and "Paczki żywnościowe" in flat
    assert "Dochód na osobę" in flat and "612,00" in flat
    assert "Potwierdź przybycie: zeskanuj kod QR albo wejdź na http://testserver.local/r i wpisz kod" in flat
    assert "85010112345" not in flat and "600 100 200" not in flat
    assert await count(app, AuditEntry, AuditEntry.action == "referral.print") == 1


async def test_the_letter_is_polish_when_the_user_reads_ukrainian(app, client, setup):
    referral = await issue_direct(app, setup)
    await signed_in(client, "caseworker")
    from ..helpers import post_form

    await post_form(client, "/language", {"language": "uk", "locale": "uk", "next": "/"})
    response = await client.get(f"/referrals/{referral.id}/letter.pdf")
    text, qrs, _size = _page_text_and_qr(response.content)
    assert "Skierowanie nr" in " ".join(text.split()) and qrs == [f"http://testserver.local/r/{referral.code}"]
