"""Writing the ledger as XLSX or CSV in the same layout the importer reads (round trip)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from mamori.ledger import layout
from mamori.ledger.layout import COLUMNS
from mamori.ledger.models import LedgerEntry

SHEET_TITLE = "個人情報管理台帳"
NONE_TEXT = "なし"


def prepared(queryset: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    return queryset.prefetch_related("categories", "contractors").order_by("reference")


def cell_value(entry: LedgerEntry, key: str) -> Any:
    """The value of one column as a consultant would write it (dates stay dates for XLSX)."""
    if key == "categories":
        return "、".join(c.name for c in sorted(entry.categories.all(), key=lambda c: (c.order, c.name)))
    if key == "contractors":
        return "、".join(sorted(c.name for c in entry.contractors.all())) or NONE_TEXT
    if key == "acquisition_method":
        return layout.ACQUISITION_LABELS.get(entry.acquisition_method, "")
    if key == "notice_basis":
        return layout.NOTICE_LABELS.get(entry.notice_basis, "")
    if key == "medium":
        return layout.MEDIUM_LABELS.get(entry.medium, "")
    if key in ("retained_personal_data", "card_data_retained"):
        return layout.yes_no_label(getattr(entry, key), key)
    if key in ("third_party_provision", "foreign_transfer"):
        return getattr(entry, key) or NONE_TEXT
    value = getattr(entry, key)
    return "" if value is None else value


def rows(entries: Iterable[LedgerEntry]) -> Iterable[list[Any]]:
    for entry in entries:
        yield [cell_value(entry, c.key) for c in COLUMNS]


def _csv_cell(value: Any) -> str:
    if hasattr(value, "strftime"):
        return layout.date_text(value)
    text = str(value)
    # A cell starting with = + - @ would run as a formula when the CSV is opened in Excel.
    if text[:1] in ("=", "+", "-", "@") and text not in ("-",):
        return "'" + text
    return text


def to_csv(entries: Iterable[LedgerEntry]) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to show Japanese text correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(layout.HEADERS)
    for row in rows(entries):
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(entries: Iterable[LedgerEntry]) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "C2"
    widths = {"name": 28, "categories": 36, "purposes": 36, "storage_locations": 24, "access_holders": 24}
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = widths.get(column.key, 14)
    header_cells = []
    for title in layout.HEADERS:
        cell = openpyxl.cell.WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows(entries):
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    import openpyxl

    if hasattr(value, "strftime"):
        cell = openpyxl.cell.WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy/mm/dd"
        return cell
    if isinstance(value, str) and value[:1] == "=":
        cell = openpyxl.cell.WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, never a formula
        return cell
    return value
