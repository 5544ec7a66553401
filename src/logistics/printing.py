"""PDF printing shared by every domain: a Unicode font (Polish and Cyrillic letters) and QR codes as vectors.

Fonts come from Debian's fonts-dejavu-core (/usr/share/fonts/truetype/dejavu), present on the machines we run
on; LOGISTICS_FONT_DIR points elsewhere when needed. QR codes are drawn module by module as filled squares, so
they stay sharp at any printer resolution; each module is at least 0.5 mm wide.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import qrcode
from fpdf import FPDF
from fpdf.fonts import FontFace
from qrcode.util import MODE_ALPHA_NUM, QRData

logging.getLogger("fontTools").setLevel(logging.WARNING)  # font subsetting logs every glyph at INFO
FONT_DIRS = [Path(os.environ.get("LOGISTICS_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))]
MIN_MODULE_MM = 0.5


def _font(name: str) -> str:
    for directory in FONT_DIRS:
        path = directory / name
        if path.exists():
            return str(path)
    msg = f"Font {name} not found in {', '.join(map(str, FONT_DIRS))}: install fonts-dejavu-core"
    raise FileNotFoundError(msg)


def new_pdf(width_mm: float = 210, height_mm: float = 297) -> FPDF:
    pdf = FPDF(unit="mm", format=(width_mm, height_mm))
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", _font("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _font("DejaVuSans-Bold.ttf"))
    pdf.set_font("DejaVu", size=10)
    pdf.set_creator("Przystań")
    return pdf


def fit_text(
    pdf: FPDF, text: str, width: float, *, size: float, min_size: float, max_lines: int = 1, style: str = ""
) -> tuple[float, list[str]]:
    """The largest font size from `size` down to `min_size` (by 0.5 pt) at which `text` fits `width` mm in at most
    `max_lines` lines, and those lines; at `min_size` the last line is cut with "…". Sets the font."""
    current = size
    while True:
        pdf.set_font("DejaVu", style, current)
        wrapped: Any = pdf.multi_cell(width, 1, text, dry_run=True, output="LINES")
        lines = [str(line) for line in wrapped]
        if len(lines) <= max_lines or current - 0.5 < min_size:
            break
        current -= 0.5
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1].rstrip()
        while last and pdf.get_string_width(last + "…") > width:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    return current, lines


def text_block(
    pdf: FPDF,
    text: str,
    x: float,
    y: float,
    width: float,
    *,
    size: float,
    min_size: float | None = None,
    max_lines: int = 1,
    style: str = "",
    line_height: float | None = None,
) -> float:
    """Write `text` inside a column `width` mm wide at (x, y), shrunk and wrapped by `fit_text` so it never runs
    out of its column; returns the y below it."""
    font_size, lines = fit_text(
        pdf, text, width, size=size, min_size=min_size or size, max_lines=max_lines, style=style
    )
    height = line_height or font_size * 0.45
    for number, line in enumerate(lines):
        pdf.set_xy(x, y + number * height)
        pdf.cell(width, height, line)
    return y + len(lines) * height


def bold() -> FontFace:
    """The style of a table cell in bold (a label beside its value)."""
    return FontFace(emphasis="BOLD")


def table_headings() -> FontFace:
    """The style of a table's heading row in every document: bold on light grey."""
    return FontFace(emphasis="BOLD", fill_color=(235, 238, 242))


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR modules for `text` (upper-case letters, digits and '-': alphanumeric mode), error correction Q."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0)
    code.add_data(QRData(text.encode("ascii"), mode=MODE_ALPHA_NUM))
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def draw_qr(pdf: FPDF, text: str, x: float, y: float, size_mm: float) -> float:
    """Draw a QR of `text` with its top-left corner at (x, y), `size_mm` wide at most; returns the module size."""
    matrix = qr_matrix(text)
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


def cut_marks(pdf: FPDF, x: float, y: float, width: float, height: float, length: float = 4) -> None:
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    for cx, dx in ((x, -1), (x + width, 1)):
        for cy, dy in ((y, -1), (y + height, 1)):
            pdf.line(cx + dx * 1, cy, cx + dx * (1 + length), cy)
            pdf.line(cx, cy + dy * 1, cx, cy + dy * (1 + length))


def qr_svg(text: str, module_px: int = 8) -> str:
    """The QR of `text` as an SVG image (one path, a quiet zone of 4 modules) for a page on a phone's screen."""
    matrix = qr_matrix(text)
    size = len(matrix) + 8
    path = "".join(
        f"M{column + 4} {row + 4}h1v1h-1z"
        for row, cells in enumerate(matrix)
        for column, dark in enumerate(cells)
        if dark
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size * module_px}" '
        f'height="{size * module_px}" shape-rendering="crispEdges" role="img" aria-label="QR">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )
