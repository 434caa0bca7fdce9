"""Excel workbooks (XLSX) via openpyxl in read-only mode: one unit per cell, keyed by the header."""

from __future__ import annotations

import contextlib
import datetime
import warnings
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import openpyxl
from openpyxl.utils import get_column_letter

from .common import Context, Units
from .csvfile import HEADER_CELL
from .serialized import field_units


def read_xlsx(stream: BinaryIO, ctx: Context) -> Units:
    with _openpyxl_quiet():
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    try:
        record = 0
        for sheet in book.worksheets:
            header: list[str] | None = None
            first = True
            for row_index, row in enumerate(_quiet_rows(sheet.iter_rows(values_only=True)), start=1):
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


@contextlib.contextmanager
def _openpyxl_quiet() -> Iterator[None]:
    """openpyxl warns on stderr about what it drops or assumes (no default style, unsupported extensions):
    nothing a scan needs, and library noise must not reach the user's terminal. Only its warnings go."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"openpyxl(\..*)?$")
        yield


def _quiet_rows(rows: Iterable[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """``rows`` read with openpyxl's warnings silenced, never while the caller runs (the filter is global)."""
    iterator = iter(rows)
    while True:
        with _openpyxl_quiet():
            row = next(iterator, None)
        if row is None:
            return
        yield row


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
