"""Voucher PDFs: every layout renders, long texts stay on the paper, and the QR holds the formatted code."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from fpdf import FPDF

from logistics import codes
from logistics.vouchers import printing as voucher_printing
from logistics.vouchers.printing import CELL_H, CELL_W, LAYOUTS, PointInfo, VoucherPrint, render_vouchers

ORG = "Bank Żywności „Przystań” w Warszawie"
POINT = PointInfo("Punkt wydawania Caritas", "ul. Marszałkowska 140, 00-061 Warszawa", "pon.–pt. 9:00–15:00")


def voucher(household: str = "Anna Kowalska", **changes: Any) -> VoucherPrint:
    fields: dict[str, Any] = {
        "code": codes.generate(),
        "household": household,
        "programme": "FEPŻ — paczka żywnościowa",
        "lines": ["2 × Paczka żywnościowa A", "1 l Olej rzepakowy"],
        "valid_from": date(2025, 3, 1),
        "valid_until": date(2025, 3, 31),
        "points": [POINT],
    }
    return VoucherPrint(**{**fields, **changes})


def crowded() -> VoucherPrint:
    """10 long points and 12 lines: more than fits a quarter of A4 at the normal font sizes."""
    points = [
        PointInfo(
            f"Punkt wydawania nr {n} przy parafii św. Wojciecha i Bractwie Miłosierdzia im. Brata Alberta",
            "ul. Marszałkowska 140/12, 00-061 Warszawa, wejście od podwórza, klatka C, II piętro, domofon 12",
            "poniedziałek–piątek 9:00–15:00, sobota 10:00–12:00, w święta nieczynne",
        )
        for n in range(10)
    ]
    lines = [f"{n} × Paczka żywnościowa typ {n} (makaron, ryż, konserwy rybne, olej rzepakowy)" for n in range(12)]
    return voucher("Ганна Коваленко-Wiśniewska z domu Przybyszewska-Szczęsna", lines=lines, points=points)


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


@pytest.mark.parametrize(("layout", "expected"), [("a4", 5), ("a4x4", 2), ("receipt", 5)])
def test_each_layout_renders_a_pdf_with_the_right_page_count(layout: str, expected: int) -> None:
    pdf = render_vouchers([voucher() for _ in range(5)], layout, ORG)
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert pages(pdf) == expected


def test_four_vouchers_fill_exactly_one_a4x4_sheet() -> None:
    assert pages(render_vouchers([voucher() for _ in range(4)], "a4x4", ORG)) == 1
    assert pages(render_vouchers([voucher()], "a4x4", ORG)) == 1


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", ["Łucja Żółcińska-Gęślarz", "Олена Шевченко", "Тарас Коваленко-Wiśniewski"])
def test_polish_and_cyrillic_names(layout: str, name: str) -> None:
    assert pages(render_vouchers([voucher(name)], layout, "Fundacja „Ślężański Dom” — Łódź")) == 1


def test_receipts_are_80_mm_wide_and_as_long_as_their_content() -> None:
    pdf = render_vouchers([voucher(points=[]), crowded()], "receipt", ORG)
    boxes = [tuple(map(float, box.split())) for box in re.findall(rb"/MediaBox \[([^\]]+)\]", pdf)[1:]]
    assert [round(box[2] / 72 * 25.4) for box in boxes] == [80, 80]
    short, long = (box[3] / 72 * 25.4 for box in boxes)
    assert 80 < short < 150 < long


def test_the_qr_holds_the_formatted_code(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[tuple[str, float]] = []
    draw_qr = voucher_printing._draw_qr

    def spy(pdf: FPDF, text: str, x: float, y: float, size_mm: float) -> None:
        drawn.append((text, size_mm))
        draw_qr(pdf, text, x, y, size_mm)

    monkeypatch.setattr(voucher_printing, "_draw_qr", spy)
    batch = [voucher() for _ in range(3)]
    for layout in LAYOUTS:
        render_vouchers(batch, layout, ORG)
    assert [text for text, _size in drawn] == [v.code for v in batch] * 3
    assert all(re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}-[0-9A-Z]", text) for text, _size in drawn)
    assert {size for _text, size in drawn} == {60, 35, 45}


def test_unknown_layout() -> None:
    with pytest.raises(ValueError, match="layout"):
        render_vouchers([voucher()], "a5", ORG)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_long_texts_never_leave_the_paper(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text cell (measured as fpdf places it) lies on its page, and on its quarter of the sheet in a4x4."""
    cells: list[tuple[int, float, float, float, float, float, float]] = []
    cell = FPDF.cell

    def spy(self: FPDF, w: float | None = None, h: float | None = None, text: str = "", **kwargs: Any) -> Any:
        width = self.get_string_width(text)
        left = self.x + ((w or width) - width) / 2 if kwargs.get("align") == "C" else self.x
        cells.append((self.page, left, self.y, width, h or 0, self.w, self.h))
        return cell(self, w, h, text, **kwargs)

    monkeypatch.setattr(FPDF, "cell", spy)
    huge = voucher(
        "Ж" * 300, programme="P " * 200, lines=["x" * 500] * 40, points=[PointInfo("N" * 300, "A " * 200, "H")] * 10
    )
    pdf = render_vouchers([crowded(), huge, voucher(""), crowded()], layout, ORG * 5)
    assert pages(pdf) == (1 if layout == "a4x4" else 4)
    assert cells
    for _page, x, y, width, height, page_w, page_h in cells:
        assert x >= 0 and x + width <= page_w + 0.01 and y + height <= page_h + 0.01
        if layout == "a4x4":
            column, row = int(x >= page_w / 2), int(y >= page_h / 2)
            left, top = (210 - 2 * CELL_W) / 2 + column * CELL_W, (297 - 2 * CELL_H) / 2 + row * CELL_H
            assert left <= x and x + width <= left + CELL_W and top <= y and y + height <= top + CELL_H


def test_a_crowded_voucher_still_lists_all_ten_points_on_a_quarter_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    texts: list[str] = []
    cell = FPDF.cell

    def spy(self: FPDF, w: float | None = None, h: float | None = None, text: str = "", **kwargs: Any) -> Any:
        texts.append(text)
        return cell(self, w, h, text, **kwargs)

    monkeypatch.setattr(FPDF, "cell", spy)
    render_vouchers([crowded()], "a4x4", ORG)
    assert sum(text.startswith("• Punkt wydawania nr") for text in texts) == 10
    assert not any(text.endswith("…") for text in texts)
