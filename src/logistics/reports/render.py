"""Any report as CSV, XLSX or PDF — the same tables, in the same order, with the same figures.

CSV: per table a line with its title, the headings, the rows, the totals row, then a blank line (numbers as the
machine writes them: `1234`, `12.5`). XLSX (openpyxl): one sheet per table, the headings in row 1, numbers as
numbers, the totals row in bold, the period and the report's title in the document's properties and a first
sheet "Info". PDF (fpdf2, the project's fonts): A4, landscape when a table is wide; headings repeat on each page.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Font

from logistics.core.i18n import format_datetime, format_figure
from logistics.core.i18n import gettext as _
from logistics.printing import new_pdf, table_headings
from logistics.reports.core import Cell, Report
from logistics.settings import get_settings

#: A table with more columns than this is printed on a landscape page.
PORTRAIT_COLUMNS = 6


def _plain(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([report.title, report.period.first.isoformat(), report.period.last.isoformat()])
    writer.writerow([])
    for table in report.tables:
        writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows([_plain(cell) for cell in row] for row in table.rows)
        if table.total is not None:
            writer.writerow([_plain(cell) for cell in table.total])
        writer.writerow([])
    return out.getvalue()


def _sheet_title(title: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        name, number = f"{base[:26]} {number}", number + 1
    taken.add(name.lower())
    return name


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    info = book.active
    assert info is not None
    info.title = "Info"
    info.append([report.title])
    info["A1"].font = Font(bold=True, size=14)
    info.append([_("Period"), report.period.first, report.period.last])
    info.append([_("Organisation"), get_settings().org_name])
    info.append([str(report.description)])
    book.properties.title = f"{report.title} {report.period.first.isoformat()}–{report.period.last.isoformat()}"
    book.properties.creator = "Przystań"
    taken = {"info"}
    bold = Font(bold=True)
    for table in report.tables:
        sheet = book.create_sheet(_sheet_title(table.title, taken))
        sheet.append(table.columns)
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append(row)  # Decimal goes in as a number Excel can sum
        if table.total is not None:
            sheet.append(table.total)
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for index, heading in enumerate(table.columns, start=1):
            width = max([len(str(heading)), *(len(_plain(row[index - 1])) for row in table.rows)], default=8)
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(max(width + 2, 8), 60)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shown(value: Cell) -> str:
    if value is None:
        return "—"
    if isinstance(value, int | Decimal):
        return format_figure(value)
    return value


def to_pdf(report: Report) -> bytes:
    pdf = new_pdf()
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(12, 12, 12)
    headings = table_headings()
    first = True
    for table in report.tables:
        landscape = len(table.columns) > PORTRAIT_COLUMNS
        pdf.add_page(orientation="L" if landscape else "P")
        if first:
            pdf.set_font("DejaVu", size=9)
            pdf.cell(0, 5, get_settings().org_name, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "B", 15)
            pdf.multi_cell(0, 8, report.title, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", size=10)
            pdf.cell(0, 6, _("Period: %(period)s", period=report.period.label), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            first = False
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
        if table.note:
            pdf.set_font("DejaVu", size=8)
            pdf.multi_cell(0, 4, table.note, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font("DejaVu", size=8 if landscape else 9)
        width = pdf.epw
        first_width = min(width * 0.34, 70) if len(table.columns) > 1 else width
        others = (width - first_width) / max(len(table.columns) - 1, 1)
        aligns = ["LEFT", *["RIGHT"] * (len(table.columns) - 1)]
        with pdf.table(
            col_widths=(first_width, *[others] * (len(table.columns) - 1)),
            width=width,
            align="LEFT",
            line_height=4.5,
            headings_style=headings,
            text_align=tuple(aligns),
            padding=1,
        ) as grid:
            heading = grid.row()
            for title in table.columns:
                heading.cell(str(title))
            for row in table.rows:
                line = grid.row()
                for cell in row:
                    line.cell(_shown(cell))
            if table.total is not None:
                line = grid.row(style=FontFace(emphasis="BOLD"))
                for cell in table.total:
                    line.cell(_shown(cell))
    pdf.set_font("DejaVu", size=7)
    pdf.set_y(-12)
    pdf.cell(0, 4, _("Generated by Przystań on %(when)s", when=format_datetime(datetime.now(UTC))))
    return bytes(pdf.output())
