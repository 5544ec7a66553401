"""A shop's monthly settlement statement as CSV, XLSX and a printable PDF for the centre's accounts.

The same figures in each: the spends not undone (voucher, local date and time, amount, category, till), the total
to pay and their count, and whether the month is closed or still provisional. Amounts are exact `Decimal`s:

- CSV (as the reports' CSV): comma-separated UTF-8, amounts as the machine writes them with two decimals and a
  dot ("45.90"), dates ISO. A comma-separated file never opens straight into columns in a Polish Excel (its list
  separator is ";"), so a "45,90" would only break the file for every other program; the CSV is for importing
  (accounting software, Excel's Data → From Text/CSV, LibreOffice), the XLSX is the file to open in Excel.
- XLSX: amounts as numbers formatted "0.00" (Excel shows them in the user's own format — 45,90 in Polish — and can
  sum them), times as Excel dates, an "Info" sheet first with the centre, the shop and the month.
- PDF: A4, amounts in Polish format, a place for signatures.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Font

from logistics.core.i18n import format_date, format_datetime, format_money
from logistics.core.i18n import gettext as _
from logistics.printing import new_pdf, table_headings
from logistics.settings import get_settings
from logistics.vouchers.settlement import Statement

CSV_HEADER = ["voucher", "date", "time", "amount", "category", "till"]


def plain_amount(value: Decimal) -> str:
    """45.90 (two decimals, a dot: the machine's format)."""
    return f"{value:.2f}"


def _contract(statement: Statement) -> str:
    shop = statement.shop
    if not (shop.contract_number or shop.contract_from or shop.contract_until):
        return ""
    dates = ""
    if shop.contract_from or shop.contract_until:
        dates = f"{format_date(shop.contract_from) or '…'} – {format_date(shop.contract_until) or '…'}"
    return ", ".join(part for part in (shop.contract_number, dates) if part)


def _status(statement: Statement) -> str:
    return "closed" if statement.closed else "provisional"


def to_csv(statement: Statement) -> str:
    """A first line saying what it is (title, shop, month, closed/provisional), a blank line, the spends under
    their headings, then the totals row (the total to pay and the count)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_("Settlement statement"), statement.shop.name, statement.month, _status(statement)])
    writer.writerow([])
    writer.writerow(CSV_HEADER)
    for line in statement.kept:
        writer.writerow(
            [
                line.code,
                line.at.date().isoformat(),
                line.at.strftime("%H:%M"),
                plain_amount(line.amount),
                line.category,
                line.till,
            ]
        )
    writer.writerow(["total", "", "", plain_amount(statement.to_pay), "", str(statement.count)])
    if statement.differs:
        writer.writerow(["live_total", "", "", plain_amount(statement.total), "", str(statement.count)])
    return out.getvalue()


MONEY_FORMAT = "0.00"


def to_xlsx(statement: Statement) -> bytes:
    book = Workbook()
    info = book.active
    assert info is not None
    info.title = "Info"
    bold = Font(bold=True)
    info.append([_("Settlement statement")])
    info["A1"].font = Font(bold=True, size=14)
    shop = statement.shop
    for label, value in (
        (_("Organisation"), get_settings().org_name),
        (_("Partner shop"), shop.name),
        (_("Address"), shop.address),
        (_("Contract"), _contract(statement)),
        (_("Month"), statement.month),
        (_("Status"), statement.status),
    ):
        info.append([label, value])
    info.append([_("Total to pay"), statement.to_pay])
    info.cell(row=info.max_row, column=2).number_format = MONEY_FORMAT
    info.append([_("Number of purchases"), statement.count])
    if statement.differs:
        info.append([_("Sum of the spends now"), statement.total])
        info.cell(row=info.max_row, column=2).number_format = MONEY_FORMAT
    info.column_dimensions["A"].width = 26
    info.column_dimensions["B"].width = 50
    book.properties.title = f"{_('Settlement statement')} {shop.name} {statement.month}"
    book.properties.creator = "Przystań"

    sheet = book.create_sheet(_("Purchases"))
    sheet.append([_("Voucher"), _("Date and time"), _("Amount"), _("Category"), _("Till")])
    for cell in sheet[1]:
        cell.font = bold
    for line in statement.kept:
        sheet.append([line.code, line.at.replace(tzinfo=None), line.amount, line.category_label, line.till])
        sheet.cell(row=sheet.max_row, column=2).number_format = "yyyy-mm-dd hh:mm"
        sheet.cell(row=sheet.max_row, column=3).number_format = MONEY_FORMAT
    sheet.append([_("Total to pay"), None, statement.to_pay, _("purchases: %(n)s", n=statement.count), None])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.cell(row=sheet.max_row, column=3).number_format = MONEY_FORMAT
    for letter, width in zip("ABCDE", (26, 18, 12, 24, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(statement: Statement) -> bytes:
    pdf = new_pdf()
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    shop = statement.shop
    pdf.set_font("DejaVu", size=9)
    pdf.cell(0, 5, get_settings().org_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, _("Settlement statement — %(month)s", month=statement.label), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("DejaVu", size=10)
    details = [(_("Partner shop"), shop.name), (_("Address"), shop.address)]
    if contract := _contract(statement):
        details.append((_("Contract"), contract))
    details.append((_("Month"), f"{statement.label} ({statement.month})"))
    for label, value in details:
        if value:
            pdf.set_font("DejaVu", "B", 10)
            pdf.cell(35, 5.5, f"{label}:")
            pdf.set_font("DejaVu", size=10)
            pdf.multi_cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 7, statement.status, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=9)
    with pdf.table(
        col_widths=(46, 32, 28, 36, 38),
        width=pdf.epw,
        align="LEFT",
        line_height=5,
        headings_style=table_headings(),
        text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"),
        padding=1,
    ) as grid:
        heading = grid.row()
        for title in (_("Voucher"), _("Date and time"), _("Amount"), _("Category"), _("Till")):
            heading.cell(title)
        for line in statement.kept:
            row = grid.row()
            for text in (
                line.code,
                format_datetime(line.at),
                format_money(line.amount),
                line.category_label,
                line.till,
            ):
                row.cell(text)
        total = grid.row(style=FontFace(emphasis="BOLD"))
        total.cell(_("Total to pay"), colspan=2)
        total.cell(format_money(statement.to_pay))
        total.cell(_("purchases: %(n)s", n=statement.count), colspan=2)
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(
        0, 7, _("Total to pay: %(total)s", total=format_money(statement.to_pay)), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(0, 5.5, _("Number of purchases: %(n)s", n=statement.count), new_x="LMARGIN", new_y="NEXT")
    if statement.undone:
        pdf.multi_cell(
            0,
            5,
            _("Purchases undone at the till (not counted): %(n)s", n=len(statement.undone)),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if statement.differs:
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(
            0,
            5.5,
            _(
                "Warning: the spends of this closed month now add up to %(live)s, not to the %(frozen)s frozen when "
                "it was closed. Ask the administrator to check it before paying.",
                live=format_money(statement.total),
                frozen=format_money(statement.to_pay),
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    # Signatures: kept together on one page.
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(16)
    y = pdf.get_y()
    half = (pdf.epw - 10) / 2
    pdf.set_font("DejaVu", size=9)
    for index, label in enumerate((_("For the centre (date, signature)"), _("For the shop (date, signature)"))):
        x = pdf.l_margin + index * (half + 10)
        pdf.line(x, y, x + half, y)
        pdf.set_xy(x, y + 1)
        pdf.cell(half, 5, label, align="C")
    pdf.set_auto_page_break(False)
    pdf.set_font("DejaVu", size=7)
    pdf.set_y(-14)
    pdf.cell(0, 4, _("Generated by Przystań on %(when)s", when=format_datetime(datetime.now(UTC))))
    return bytes(pdf.output())
