"""Reading reports back: the CSV and XLSX exports as lists of tables (header, data rows, totals row)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook


def csv_tables(text: str) -> list[list[list[str]]]:
    """The tables of a report's CSV: each the header row, the data rows and the totals row (the title line and
    the report's first line left out)."""
    lines = list(csv.reader(io.StringIO(text)))
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for row in lines[2:]:
        if not row:
            if current is not None:
                tables.append(current)
            current = None
        elif current is None:
            current = []  # the table's title line
        else:
            current.append(row)
    if current is not None:
        tables.append(current)
    return tables


def xlsx_tables(data: bytes) -> list[list[list[Any]]]:
    """The tables of a report's XLSX: one per sheet after "Info", each its rows of cell values."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [
        [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets if sheet.title != "Info"
    ]
