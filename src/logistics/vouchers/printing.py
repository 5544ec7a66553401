"""Voucher PDFs: one voucher per A4 page, four per A4 page with cut marks, or a strip from an 80 mm receipt roll.
A goods voucher lists what it entitles to and where to collect it; a value voucher its amount in zł (and the
balance left, once partly spent), the categories it may be spent on — never alcohol or tobacco — and the partner
shops with their addresses.

A pure function of the data given: no database. Texts never run off the paper: each voucher's text block is set
at the largest font scale at which it fits its box (no font below `MIN_PT`), and whatever still does not fit is
cut with "…". The QR holds the code exactly as `codes.format_code` writes it (alphanumeric QR mode).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from fpdf import FPDF

from logistics import printing
from logistics.core.i18n import format_date, format_money
from logistics.core.i18n import gettext as _

LAYOUTS = ("a4", "a4x4", "receipt")
MIN_PT = 4.5  # the smallest font the text block shrinks to
LINE_MM_PER_PT = 0.44  # line height: 1.25 x the font size (1 pt = 0.3528 mm)
CELL_W, CELL_H = 95.0, 138.0  # a4x4: a 2 x 2 grid centred on the sheet
RECEIPT_W, RECEIPT_MARGIN, RECEIPT_MAX_H = 80.0, 4.0, 2000.0
GRAY = 100
_BREAKS = re.compile(r"( ?)(\S+?-(?=\S)|\S+)")  # (space before, word): a line may break after a hyphen


@dataclass(frozen=True)
class PointInfo:
    name: str
    address: str
    opening_hours: str


@dataclass(frozen=True)
class VoucherPrint:
    code: str
    household: str
    programme: str
    lines: list[str]
    valid_from: date
    valid_until: date
    points: list[PointInfo]
    #: A value voucher's amount in zł and what is left of it (None for a goods voucher), and its categories.
    amount: Decimal | None = None
    balance: Decimal | None = None
    categories: list[str] = field(default_factory=list)

    @property
    def is_value(self) -> bool:
        return self.amount is not None


@dataclass(frozen=True)
class _Item:
    """A paragraph of the text block, wrapped to the box width: size in pt, gap and indent in mm at scale 1."""

    text: str
    size: float
    style: str = ""  # "B" bold, "G" gray
    gap: float = 0.0
    indent: float = 0.0
    max_lines: int = 3  # longer paragraphs end with "…", so one long name cannot push the rest off the voucher


@dataclass(frozen=True)
class _Row:
    text: str
    item: _Item
    size: float
    top: float  # gap above this row (mm)
    height: float


def render_vouchers(vouchers: Sequence[VoucherPrint], layout: str, org_name: str) -> bytes:
    """`vouchers` as one PDF in `layout` (one of `LAYOUTS`); `org_name` is printed at the top of each voucher."""
    if layout == "a4":
        pdf = printing.new_pdf()
        for voucher in vouchers:
            pdf.add_page()
            _draw_a4(pdf, voucher, org_name)
    elif layout == "a4x4":
        pdf = printing.new_pdf()
        x0, y0 = (210 - 2 * CELL_W) / 2, (297 - 2 * CELL_H) / 2
        for number, voucher in enumerate(vouchers):
            if number % 4 == 0:
                pdf.add_page()
            x, y = x0 + (number % 2) * CELL_W, y0 + (number % 4 // 2) * CELL_H
            _draw_quarter(pdf, voucher, org_name, x, y)
            printing.cut_marks(pdf, x, y, CELL_W, CELL_H)
    elif layout == "receipt":
        pdf = printing.new_pdf(RECEIPT_W, 200)
        for voucher in vouchers:
            _draw_receipt(pdf, voucher, org_name)
    else:
        raise ValueError(f"Unknown voucher layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    return bytes(pdf.output())


def _draw_a4(pdf: FPDF, voucher: VoucherPrint, org_name: str) -> None:
    x, width = 15.0, 180.0
    _line(pdf, org_name, x, 15, width, 10, "G")
    _line(pdf, _("Voucher"), x, 21, width, 22, "B")
    qr = 60.0
    _draw_qr(pdf, voucher.code, x + (width - qr) / 2, 34, qr)
    _line(pdf, _("Code"), x, 96, width, 8, "G", "C")
    _line(pdf, voucher.code, x, 100, width, 20, "B", "C")
    items = [_Item(voucher.household, 16, "B"), _Item(voucher.programme, 12, gap=1), _validity(voucher, 11, 2)]
    items += _entitlements(voucher, 11)
    items += _heading(voucher.points, _where(voucher), 11)
    for point in voucher.points:
        items += [
            _Item(point.name, 11, "B", gap=2, indent=3),
            _Item(point.address, 10, indent=6),
            _Item(point.opening_hours, 10, "G", indent=6),
        ]
    _flow(pdf, _fit(pdf, items, width, 282 - 114), x, 114)


def _draw_quarter(pdf: FPDF, voucher: VoucherPrint, org_name: str, x: float, y: float) -> None:
    pad, qr = 5.0, 35.0
    inner, side_x, top = CELL_W - 2 * pad, x + pad + qr + 4, pad + qr + 9
    _draw_qr(pdf, voucher.code, x + pad, y + pad, qr)
    side = [_Item(org_name, 7, "G", max_lines=2), _Item(_("Voucher"), 12, "B", gap=0.5)]
    side += [_Item(voucher.household, 10, "B", gap=1), _Item(voucher.programme, 8), _validity(voucher, 8, 1)]
    _flow(pdf, _fit(pdf, side, x + CELL_W - pad - side_x, qr), side_x, y + pad)
    _line(pdf, f"{_('Code')}: {voucher.code}", x + pad, y + pad + qr + 2, inner, 11, "B")
    items = _entitlements(voucher, 8)
    items += _heading(voucher.points, _where(voucher), 8)
    items += [_Item(f"• {point.name}, {point.address}", 7, gap=0.4, indent=1.5) for point in voucher.points]
    _flow(pdf, _fit(pdf, items, inner, CELL_H - pad - top), x + pad, y + top)


def _draw_receipt(pdf: FPDF, voucher: VoucherPrint, org_name: str) -> None:
    x, width, qr, top = RECEIPT_MARGIN, RECEIPT_W - 2 * RECEIPT_MARGIN, 45.0, 73.0
    items = [_Item(voucher.household, 11, "B"), _Item(voucher.programme, 9, gap=0.5), _validity(voucher, 9, 1.5)]
    items += _entitlements(voucher, 9)
    items += _heading(voucher.points, _where(voucher), 9)
    for point in voucher.points:
        items += [
            _Item(point.name, 9, "B", gap=1.5),
            _Item(point.address, 8, indent=2),
            _Item(point.opening_hours, 8, "G", indent=2),
        ]
    rows = _fit(pdf, items, width, RECEIPT_MAX_H - top - 2 * RECEIPT_MARGIN)  # the roll is as long as the text
    pdf.add_page(format=(RECEIPT_W, top + sum(row.top + row.height for row in rows) + 2 * RECEIPT_MARGIN))
    _line(pdf, org_name, x, RECEIPT_MARGIN, width, 9, "B", "C")
    _line(pdf, _("Voucher"), x, 9, width, 12, "B", "C")
    _draw_qr(pdf, voucher.code, x + (width - qr) / 2, 16, qr)
    _line(pdf, _("Code"), x, 62.5, width, 7, "G", "C")
    _line(pdf, voucher.code, x, 65.5, width, 11, "B", "C")
    _flow(pdf, rows, x, top)


def _draw_qr(pdf: FPDF, text: str, x: float, y: float, size_mm: float) -> None:
    """`printing.draw_qr` as one filled path (a rectangle per run of dark modules, one fill): the same vectors,
    without fpdf's per-rectangle bookkeeping, which was a tenth of a batch's time."""
    matrix = printing.qr_matrix(text)
    module = size_mm / len(matrix)
    if module < printing.MIN_MODULE_MM:
        msg = f"QR modules would be {module:.2f} mm; at least {printing.MIN_MODULE_MM} mm are needed"
        raise ValueError(msg)
    k, page_h = pdf.k, pdf.h
    runs = []
    for row_number, row in enumerate(matrix):
        top = (page_h - (y + row_number * module)) * k
        column, width = 0, len(row)
        while column < width:
            if row[column]:
                start = column
                while column < width and row[column]:
                    column += 1
                left, run = (x + start * module) * k, (column - start) * module * k
                runs.append(f"{left:.2f} {top:.2f} {run:.2f} {-module * k:.2f} re")
            else:
                column += 1
    pdf.set_fill_color(0, 0, 0)
    pdf._out(" ".join(runs) + " f")


def _validity(voucher: VoucherPrint, size: float, gap: float) -> _Item:
    dates = f"{format_date(voucher.valid_from)} – {format_date(voucher.valid_until)}"
    return _Item(f"{_('Valid')}: {dates}", size, "B", gap=gap)


def _entitlements(voucher: VoucherPrint, size: float) -> list[_Item]:
    """What the voucher gives: its goods lines, or its amount (and balance), categories and the exclusions."""
    if voucher.amount is not None:
        items = [_Item(_("Value"), size, "BG", gap=size * 0.35)]
        items.append(_Item(format_money(voucher.amount), size * 1.6, "B", indent=3))
        if voucher.balance is not None and voucher.balance != voucher.amount:
            items.append(_Item(f"{_('Left to spend')}: {format_money(voucher.balance)}", size, "B", indent=3))
        items += _heading(voucher.categories, _("May be spent on"), size)
        items.append(_Item(", ".join(voucher.categories), size, indent=3, max_lines=4))
        items.append(_Item(_("Not for alcohol or tobacco."), size * 0.9, "G", gap=size * 0.2, indent=3))
        return items
    items = _heading(voucher.lines, _("What it entitles to"), size)
    return items + [_Item(line, size, indent=3) for line in voucher.lines]


def _where(voucher: VoucherPrint) -> str:
    return _("Where to spend") if voucher.is_value else _("Where to collect")


def _heading(section: Sequence[object], title: str, size: float) -> list[_Item]:
    return [_Item(title, size, "BG", gap=size * 0.35)] if section else []


def _line(pdf: FPDF, text: str, x: float, y: float, w: float, size: float, style: str = "", align: str = "L") -> None:
    """One line of text at (x, y), cut with "…" to the width `w`; `style` as in `_Item`."""
    _font(pdf, style, size)
    pdf.set_xy(x, y)
    pdf.cell(w, size * LINE_MM_PER_PT, _cut(pdf, _clean(text), w), align=align)


def _font(pdf: FPDF, style: str, size: float) -> None:
    pdf.set_font("DejaVu", style.replace("G", ""), size)
    pdf.set_text_color(GRAY if "G" in style else 0)


#: Per PDF, the rows of each text block already fitted: a batch's vouchers share their points and most of their
#: entitlements, so most blocks are fitted once per PDF rather than once per voucher.
_fitted: weakref.WeakKeyDictionary[FPDF, dict[tuple[object, ...], list[_Row]]] = weakref.WeakKeyDictionary()


def _fit(pdf: FPDF, items: list[_Item], width: float, height: float) -> list[_Row]:
    """The rows of `items` at the largest scale that fits `height`, else at the smallest (`MIN_PT`) cut to fit."""
    cache = _fitted.setdefault(pdf, {})
    key = (tuple(items), width, height)
    rows = cache.get(key)
    if rows is None:
        rows = cache[key] = _fit_now(pdf, items, width, height)
    return rows


def _fit_now(pdf: FPDF, items: list[_Item], width: float, height: float) -> list[_Row]:
    scale, smallest = 1.0, min(1.0, MIN_PT / min((item.size for item in items), default=MIN_PT))
    while True:
        rows = _rows(pdf, items, width, scale)
        if sum(row.top + row.height for row in rows) <= height or scale <= smallest:
            break
        scale = max(smallest, scale - 0.05)
    used = 0.0
    for number, row in enumerate(rows):
        used += row.top + row.height
        if used > height:
            if number == 0:
                return []
            last = rows[number - 1]
            _font(pdf, last.item.style, last.size)
            cut = _cut(pdf, last.text, width - last.item.indent, force=True)
            return [*rows[: number - 1], replace(last, text=cut)]
    return rows


def _rows(pdf: FPDF, items: list[_Item], width: float, scale: float) -> list[_Row]:
    rows = []
    for item in items:
        size = item.size * scale
        _font(pdf, item.style, size)
        lines, keep = _wrap(pdf, _clean(item.text), width - item.indent), item.max_lines
        if len(lines) > keep:
            lines = [*lines[: keep - 1], _cut(pdf, " ".join(lines[keep - 1 : keep + 1]), width - item.indent)]
        for number, text in enumerate(lines):
            rows.append(_Row(text, item, size, item.gap * scale if number == 0 else 0.0, size * LINE_MM_PER_PT))
    return rows


def _flow(pdf: FPDF, rows: list[_Row], x: float, y: float) -> None:
    for row in rows:
        y += row.top
        _font(pdf, row.item.style, row.size)
        pdf.set_xy(x + row.item.indent, y)
        pdf.cell(None, row.height, row.text)
        y += row.height
    pdf.set_text_color(0)


def _clean(text: str) -> str:
    return " ".join("".join(char if char.isprintable() else " " for char in text).split())


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` in lines no wider than `width` in the current font: broken at spaces and after hyphens, and words
    longer than a line split anywhere."""
    if not text:
        return []
    if pdf.get_string_width(text) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    for space, word in _BREAKS.findall(text):
        candidate = f"{current}{space}{word}" if current else word
        if pdf.get_string_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while pdf.get_string_width(word) > width and len(word) > 1:
            cut = len(_cut(pdf, word, width, ellipsis="")) or 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    return [*lines, current] if current else lines


def _cut(pdf: FPDF, text: str, width: float, *, force: bool = False, ellipsis: str = "…") -> str:
    """`text` shortened to fit `width`, ending with `ellipsis` when shortened (or always, with `force`)."""
    if not force and pdf.get_string_width(text) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits, found by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if pdf.get_string_width(text[:middle].rstrip() + ellipsis) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ellipsis
