"""The receipt document (protokół przyjęcia): an A4 PDF with the donor, the lines with their lots and expiry dates,
and places for the signatures of the one who delivered and the one who received."""

from __future__ import annotations

from decimal import Decimal

from fpdf.fonts import FontFace

from logistics import printing
from logistics.core.i18n import _l, format_date, format_datetime, format_number
from logistics.core.i18n import gettext as _
from logistics.inventory.models import NO_EXPIRY, Item, Lot, Movement
from logistics.settings import get_settings
from logistics.sites.models import Site

#: Widths in mm (180 in all) and titles.
COLUMNS = [(8, _l("No.")), (80, _l("Item")), (28, _l("Expiry date")), (28, _l("Lot")), (36, _l("Quantity"))]


def receipt_pdf(
    movement: Movement, location: Site, lines: list[tuple[Item, Lot, Decimal]], received_by: str = ""
) -> bytes:
    """`received_by`: the name of the person who received the goods (the username when the account has none)."""
    pdf = printing.new_pdf()
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_margins(15, 15, 15)
    pdf.set_xy(15, 15)
    pdf.set_font("DejaVu", size=9)
    pdf.cell(180, 5, get_settings().org_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(180, 10, _("Goods receipt record"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    facts = [
        (_("Number"), str(movement.id)[-8:].upper()),
        (_("Date"), format_datetime(movement.at)),
        (_("Received at"), location.name + (f", {location.address}" if location.address else "")),
        (_("Donor or source"), movement.source),
        (_("Document number"), movement.reference or "—"),
        (_("Received by"), received_by or movement.user_name),
    ]
    for label, value in facts:
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(45, 6, label)
        pdf.set_font("DejaVu", size=10)
        pdf.multi_cell(135, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=9)
    pdf.set_fill_color(235, 238, 242)
    headings = FontFace(emphasis="BOLD", fill_color=(235, 238, 242))
    # Long names and lot numbers wrap inside their column; the row grows, and a new page repeats the headings.
    with pdf.table(
        col_widths=tuple(width for width, _title in COLUMNS),
        width=sum(width for width, _title in COLUMNS),
        align="LEFT",
        line_height=5,
        headings_style=headings,
        text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT"),
        padding=1,
    ) as table:
        heading = table.row()
        for _width, title in COLUMNS:
            heading.cell(str(title))
        for number, (item, lot, quantity) in enumerate(lines, start=1):
            row = table.row()
            row.cell(str(number))
            row.cell(item.local_name)
            row.cell("—" if lot.expiry == NO_EXPIRY else format_date(lot.expiry))
            row.cell(lot.producer_lot or "—")
            row.cell(f"{format_number(quantity)} {item.unit_name}")
    pdf.ln(18)
    if pdf.get_y() > 250:
        pdf.add_page()
    y = pdf.get_y()
    pdf.set_draw_color(0, 0, 0)
    for x, label in ((15, _("Delivered by (name, signature)")), (115, _("Received by (name, signature)"))):
        pdf.line(x, y, x + 80, y)
        pdf.set_xy(x, y + 1)
        pdf.set_font("DejaVu", size=8)
        pdf.cell(80, 5, label)
    return bytes(pdf.output())
