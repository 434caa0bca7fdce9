"""Excel workbooks (XLSX) via openpyxl in read-only mode: one unit per cell, keyed by the header."""

from __future__ import annotations

import datetime
from typing import BinaryIO

import openpyxl
from openpyxl.utils import get_column_letter

from .common import Context, Units
from .csvfile import HEADER_CELL
from .serialized import field_units


def read_xlsx(stream: BinaryIO, ctx: Context) -> Units:
    book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    try:
        record = 0
        for sheet in book.worksheets:
            header: list[str] | None = None
            first = True
            for row_index, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_text(v) for v in row]
                if not any(cells):
                    continue
                if first:
                    first = False
                    if _is_header(cells):
                        header = cells
                        continue
                record += 1
                for col_index, value in enumerate(cells):
                    if not value:
                        continue
                    key = header[col_index] if header and col_index < len(header) and header[col_index] else None
                    cell = f"{get_column_letter(col_index + 1)}{row_index}"
                    yield from field_units(
                        key, value, ctx.display, record, line=row_index, sheet=sheet.title, cell=cell
                    )
    finally:
        book.close()


def _text(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e20:
        return str(int(value))  # a card number typed into Excel is stored as a float
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _is_header(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return len(filled) >= 1 and all(HEADER_CELL.match(c) for c in filled)
