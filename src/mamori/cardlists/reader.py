"""Reading a card company's list (CSV or XLSX) in memory: find the card-number column, check each number.

Everything here works on bytes already in memory and yields one row at a time, so the caller masks and
fingerprints each number while the row is read and drops it. Nothing is written to disk, logged or put in an
exception message: a problem names the row and what is wrong, never the number (masked at most).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mamori.discovery.engine.checks import card_brand, luhn_ok
from mamori.discovery.engine.masking import mask_card

MIN_DIGITS, MAX_DIGITS = 13, 19
MAX_KEPT_COLUMNS = 5
MAX_DETAIL_CHARS = 100
SAMPLE_ROWS = 50
# Header words of the card-number column (lower case, spaces removed).
CARD_HEADERS = (
    "カード番号",
    "クレジットカード番号",
    "会員番号",
    "カードno",
    "cardnumber",
    "cardno",
    "card_no",
    "card_number",
    "pan",
    "creditcard",
    "number",
)
# Columns that are card data themselves and are never kept (expiry, security code, holder name, track).
CARD_DATA_HEADERS = re.compile(
    r"有効期限|期限|セキュリティ|cvv|cvc|cid|security|expir|exp|名義|氏名|会員名|カナ|holder|name|track|トラック|暗証|pin",
    re.IGNORECASE,
)
# Separators a typed or exported number may carry between digit groups.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー－ｰ]")
_LONG_DIGITS = re.compile(r"\d[\d\s\-]{11,}\d")


@dataclass
class Number:
    """A row with a valid card number: the digits live only as long as the caller holds this object."""

    row: int
    digits: str
    brand: str
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class Rejected:
    row: int
    problem: str


@dataclass
class Layout:
    """Where the numbers are: the column, whether row 1 is a header, and the other columns worth keeping."""

    card_column: int
    header: bool
    card_column_name: str
    kept: dict[int, str]


def normalise(value: object) -> str:
    """Full-width digits to ASCII (NFKC), separators removed; the result may still hold other characters."""
    text = unicodedata.normalize("NFKC", str(value))
    return _SEPARATORS.sub("", text)


def check_number(value: object) -> tuple[str, str] | str:
    """``(digits, brand)`` for a valid card number, else the problem in words (never the number)."""
    if isinstance(value, float):
        return _("stored as a number with a decimal point, so digits may have been lost; format the column as text")
    digits = normalise(value)
    if not digits.isdigit() or not digits.isascii():
        return _("contains characters other than digits, spaces and hyphens")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return _("has %(count)d digits; a card number has 13 to 19") % {"count": len(digits)}
    if not luhn_ok(digits):
        return _("fails the check digit (Luhn): %(mask)s") % {"mask": mask_card(digits)}
    brand = card_brand(digits)
    if brand is None:
        return _("no card brand uses this number range: %(mask)s") % {"mask": mask_card(digits)}
    return digits, brand


def _is_card_value(value: object) -> bool:
    checked = check_number(value) if value not in (None, "") else ""
    return isinstance(checked, tuple)


def _header_key(value: object) -> str:
    return re.sub(r"[\s_\-.]", "", unicodedata.normalize("NFKC", str(value or ""))).lower()


def _looks_like_card_data(value: str) -> bool:
    """A value that may not be kept next to the list: a long digit run (a card number in another column)."""
    return any(
        len(re.sub(r"\D", "", m)) >= MIN_DIGITS for m in _LONG_DIGITS.findall(unicodedata.normalize("NFKC", value))
    )


def detect_layout(rows: Sequence[Sequence[Any]]) -> Layout:
    """The card-number column from the header (カード番号, card number, …) or, failing that, from the content:
    the column whose values are most often valid card numbers."""
    if not rows:
        raise ValidationError(_("The file is empty."), code="empty")
    first = rows[0]
    header = not any(_is_card_value(v) for v in first) and any(str(v or "").strip() for v in first)
    column = None
    if header:
        keys = [_header_key(v) for v in first]
        for word in CARD_HEADERS:
            column = next((i for i, k in enumerate(keys) if k == word or (len(word) > 3 and word in k)), None)
            if column is not None and not CARD_DATA_HEADERS.search(keys[column] if word != "pan" else ""):
                break
            column = None
    body = rows[1:] if header else rows
    if column is None:
        width = max((len(r) for r in body[:SAMPLE_ROWS]), default=0)
        scores = [sum(1 for r in body[:SAMPLE_ROWS] if i < len(r) and _is_card_value(r[i])) for i in range(width)]
        if not scores or max(scores) == 0:
            raise ValidationError(
                _(
                    "No card-number column found: name it カード番号 or card number in the first row, "
                    "or check that the file holds card numbers."
                ),
                code="no_column",
            )
        column = scores.index(max(scores))
    names = [str(v or "").strip() for v in first] if header else []
    name = names[column] if header else _("column %(n)d") % {"n": column + 1}
    kept: dict[int, str] = {}
    for i, title in enumerate(names):
        if i != column and title and not CARD_DATA_HEADERS.search(title) and len(kept) < MAX_KEPT_COLUMNS:
            kept[i] = title[:100]
    return Layout(column, header, name[:200], kept)


def numbers(rows: Sequence[Sequence[Any]], layout: Layout) -> Iterator[Number | Rejected | None]:
    """Each data row: a ``Number``, a ``Rejected`` (row number and problem) or None for a blank row.

    Row numbers are the file's own (1 is the first line or spreadsheet row)."""
    start = 2 if layout.header else 1
    for offset, row in enumerate(rows[1:] if layout.header else rows):
        number = start + offset
        value = row[layout.card_column] if layout.card_column < len(row) else None
        if value is None or not str(value).strip():
            yield Rejected(number, _("no card number in this row")) if any(str(v or "").strip() for v in row) else None
            continue
        checked = check_number(value)
        if isinstance(checked, str):
            yield Rejected(number, checked)
            continue
        details = {}
        for i, title in layout.kept.items():
            cell = row[i] if i < len(row) else None
            text = "" if cell is None else str(cell).strip()
            if text and not _looks_like_card_data(text):
                details[title] = text[:MAX_DETAIL_CHARS]
        yield Number(number, checked[0], checked[1], details)


# --------------------------------------------------------------------------------------------------
# File formats


def rows_of(data: bytes, file_name: str) -> list[list[Any]]:
    """The rows of a CSV or XLSX file held in memory (first sheet of a workbook)."""
    lower = file_name.lower()
    if lower.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    if lower.endswith((".csv", ".txt", ".tsv")) or not lower.rsplit(".", 1)[-1:]:
        return _csv_rows(data)
    raise ValidationError(
        _("%(name)s is neither a CSV nor an XLSX file.") % {"name": file_name[:100]}, code="file_type"
    )


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is neither UTF-8 nor Shift_JIS (cp932) text."), code="encoding")


def _csv_rows(data: bytes) -> list[list[Any]]:
    text = _decode(data)
    if "\x00" in text:
        raise ValidationError(_("The file holds NUL characters; it is not a CSV file."), code="file_type")
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # never repeat a parser's message: it might quote a cell
        raise ValidationError(
            _("The workbook cannot be read (damaged, or not an XLSX file)."), code="damaged"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
