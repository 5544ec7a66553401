"""The printable list of services for a client (PDF, A4): the chosen entries in the client's language — Polish,
Ukrainian or English, chosen for the list and not taken from the screen's language — each with where, when, how
to reach it, what it offers and whether a referral is needed. Names and offers come from the entries' `_uk` /
`_en` fields and fall back to Polish when those are empty."""

from __future__ import annotations

from fpdf import FPDF

from logistics.core.i18n import format_date, in_locale, local_today, localized
from logistics.core.i18n import gettext as _
from logistics.directory.labels import category_label, language_label
from logistics.directory.models import Service
from logistics.printing import new_pdf

#: The languages a list may be printed in.
LIST_LANGUAGES = ("pl", "uk", "en")
MARGIN = 15.0
WIDTH = 210 - 2 * MARGIN


def _line(pdf: FPDF, label: str, value: str) -> None:
    if not value:
        return
    pdf.set_x(MARGIN)
    pdf.set_font("DejaVu", "B", 9.5)
    label_width = 38.0
    pdf.cell(label_width, 5, label)
    pdf.set_font("DejaVu", "", 9.5)
    pdf.multi_cell(WIDTH - label_width, 5, value, new_x="LMARGIN", new_y="NEXT")


def services_pdf(services: list[Service], locale: str, org_name: str, heading: str = "") -> bytes:
    """The list of `services` in `locale` (pl, uk or en) as a PDF."""
    with in_locale(locale if locale in LIST_LANGUAGES else "pl"):
        pdf = new_pdf()
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=MARGIN)
        title = _("Where to get help")
        pdf.set_title(title)
        pdf.set_lang(locale)
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 16)
        pdf.multi_cell(WIDTH, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        subtitle = f"{org_name} · {format_date(local_today())}"
        if heading:
            subtitle = f"{heading} · {subtitle}"
        pdf.multi_cell(WIDTH, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        if not services:
            pdf.multi_cell(WIDTH, 6, _("No services found."), new_x="LMARGIN", new_y="NEXT")
        for number, service in enumerate(services, start=1):
            if pdf.get_y() > 297 - MARGIN - 40:
                pdf.add_page()
            pdf.set_draw_color(200, 205, 212)
            pdf.line(MARGIN, pdf.get_y(), MARGIN + WIDTH, pdf.get_y())
            pdf.ln(2)
            pdf.set_font("DejaVu", "B", 12)
            pdf.multi_cell(WIDTH, 6, f"{number}. {localized(service, 'name')}", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(WIDTH, 5, service.institution, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
            address = ", ".join(part for part in (service.address, service.district) if part)
            _line(pdf, _("What it offers"), localized(service, "offers"))
            _line(pdf, _("Who may come"), localized(service, "eligibility"))
            _line(pdf, _("Address"), address)
            _line(pdf, _("Opening hours"), service.opening_hours)
            _line(pdf, _("Phone"), service.phone)
            _line(pdf, _("E-mail"), service.email)
            _line(pdf, _("Website"), service.website)
            _line(pdf, _("Languages"), ", ".join(language_label(code) for code in service.languages))
            _line(pdf, _("Categories"), ", ".join(category_label(code) for code in service.categories))
            if service.referral_required:
                _line(pdf, _("Referral"), _("A referral from the centre is needed: ask your case worker."))
            pdf.ln(3)
        return bytes(pdf.output())
