"""Reading a consultant's ledger spreadsheet (XLSX or CSV) and checking every cell before anything is saved.

``validate_file`` never writes: it returns the rows ready to import and every problem found, each with
its row number and column header, so the preview can list them all at once. Saving is
``services.import_entries`` — all rows in one transaction, or none.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import math
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _

from mamori.contractors.models import Contractor
from mamori.core import uploads
from mamori.ledger import layout
from mamori.ledger.layout import COLUMNS, Column, normalise
from mamori.ledger.models import DataCategory, LedgerEntry
from mamori.ledger.services import NewEntry, existing_keys

HEADER_SEARCH_ROWS = 20  # a title, a date line, notes or blank rows may sit above the header row
MIN_HEADER_MATCHES = 3
SHEET_NAMES = ("個人情報管理台帳", "管理台帳", "台帳")


# What openpyxl raises for a damaged or hostile workbook: bad zip, bad XML, missing parts, odd values.
BROKEN_WORKBOOK: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    ElementTree.ParseError,
    EOFError,
    KeyError,
    IndexError,
    AttributeError,
    OSError,
    ValueError,
    TypeError,
)


class FileProblem(Exception):
    """The file as a whole cannot be read (not a spreadsheet, wrong encoding, no header row ...)."""


@dataclass(frozen=True)
class CellError:
    row: int | None  # spreadsheet row number, 1-based; None for the header as a whole
    column: str  # the header as written in the file
    message: str
    value: str = ""


@dataclass
class Preview:
    """The outcome of checking a file: rows to import (only meaningful when ``errors`` is empty)."""

    filename: str
    update: bool = False
    header_row: int = 0
    headers: list[str] = field(default_factory=list)
    entries: list[NewEntry] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    data_rows: int = 0
    unlisted_errors: int = 0  # problems found beyond those ``errors`` lists (at most the first thousand)
    ignored_columns: list[str] = field(default_factory=list)  # running-number columns beside 管理番号

    @property
    def error_count(self) -> int:
        """Every problem found. Derived, so that a problem added anywhere (also after checking) is counted."""
        return len(self.errors) + self.unlisted_errors

    @property
    def more_errors(self) -> int:
        return self.unlisted_errors

    @property
    def updates(self) -> int:
        return sum(1 for e in self.entries if e.update_pk is not None)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.entries)


# ---------------------------------------------------------------------------------------------- reading


def max_rows() -> int:
    return int(settings.MAMORI_IMPORT_MAX_ROWS)


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, cells)`` for every row of the file's ledger sheet; raises ``FileProblem``.

    The size, and for a workbook what its archive would inflate to, are checked before any parsing.
    """
    try:
        uploads.check_upload(data)
    except uploads.UploadRefused as refused:
        if refused.code == "damaged" and data.startswith(b"PK"):
            raise FileProblem(_workbook_unreadable((refused.params or {}).get("detail", ""))) from None
        raise FileProblem(" ".join(refused.messages)) from None
    if not data.strip():
        raise FileProblem(_("The file is empty."))
    name = filename.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            _("This is an old Excel (.xls) file. Save it as .xlsx (Excel workbook) or CSV and upload again.")
        )
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if name.endswith((".xlsx", ".xlsm")):
        raise FileProblem(_("The file is named .xlsx but is not an Excel workbook (it may be damaged)."))
    if b"\x00" in data[:4096]:
        raise FileProblem(_("The file is not a spreadsheet: upload an .xlsx workbook or a CSV file."))
    return _csv_rows(data)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with _quiet_openpyxl():
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = next((workbook[n] for n in SHEET_NAMES if n in workbook.sheetnames), workbook.worksheets[0])
    except (InvalidFileException, *BROKEN_WORKBOOK) as error:
        raise FileProblem(_workbook_unreadable(error)) from None
    # Read-only mode believes the sheet's <dimension> tag, which any program may write wrongly (or a hostile
    # one on purpose): rows and columns beyond it would be dropped without a word. Read the real rows.
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    return _numbered(sheet.iter_rows(values_only=True))


def _workbook_unreadable(error: object) -> str:
    return _("The Excel workbook cannot be read (it may be damaged): %(error)s") % {"error": error}


@contextlib.contextmanager
def _quiet_openpyxl() -> Iterator[None]:
    """openpyxl warns on stderr about features it skips (data validation, default styles ...), which says
    nothing to the person importing. Only openpyxl's own warnings are silenced, so a filter that concurrent
    requests leave behind (catch_warnings is not thread-safe) can hide nothing else."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"openpyxl(\.|$)")
        yield


def _numbered(rows: Any) -> Iterator[tuple[int, list[Any]]]:
    # Quiet for each step only: a generator left unfinished would otherwise restore the warning filters
    # whenever it is collected, undoing changes made in between.
    iterator = iter(rows)
    number = 0
    try:
        while True:
            with _quiet_openpyxl():
                row = next(iterator, None)
            if row is None:
                return
            number += 1
            yield number, list(row)
    except BROKEN_WORKBOOK as error:
        raise FileProblem(_workbook_unreadable(error)) from None


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Shift_JIS as Excel writes it (CP932)."""
    encodings = ["utf-8-sig"] if data.startswith(b"\xef\xbb\xbf") else ["utf-8", "cp932"]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        _('The CSV file is neither UTF-8 nor Shift_JIS (CP932) text. Save it as "CSV UTF-8" and upload again.')
    )


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = decode_csv(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise FileProblem(
            _("The CSV file is malformed near line %(line)d: %(error)s") % {"line": reader.line_num, "error": error}
        ) from None
    # csv's line_num counts physical lines; a spreadsheet user counts records, as Excel shows them.
    return iter([(number, cells) for number, (_line, cells) in enumerate(rows, start=1)])


# ---------------------------------------------------------------------------------------------- cells


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    text = str(value).strip()
    if text[:2] in ("'=", "'+", "'-", "'@"):
        return text[1:]  # the export's guard against formulas in Excel
    return text


_LONG_DIGITS = re.compile(r"\d(?:[ -]?\d){12,18}")


def shown(value: Any) -> str:
    """A cell value safe to repeat in an error: short, and long digit runs (card numbers?) masked."""

    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        return f"{digits[:6]}…{digits[-4:]}"

    text = _LONG_DIGITS.sub(mask, cell_text(value))
    return text if len(text) <= 60 else text[:57] + "…"


ERAS = (  # name, initial, first day
    ("令和", "r", dt.date(2019, 5, 1)),
    ("平成", "h", dt.date(1989, 1, 8)),
    ("昭和", "s", dt.date(1926, 12, 25)),
    ("大正", "t", dt.date(1912, 7, 30)),
    ("明治", "m", dt.date(1868, 1, 25)),
)
_ERA_BY_WORD = {w: (i, start) for i, (name, initial, start) in enumerate(ERAS) for w in (name, initial)}
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_WESTERN = re.compile(r"^(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?" + _TIME + "$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA = re.compile(r"^(令和|平成|昭和|大正|明治|[rhstm])(元|\d{1,2})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?$")
_SERIAL = re.compile(r"^\d{1,6}(?:\.0+)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's phantom 1900-02-29 is allowed for


class BadValue(ValueError):
    pass


def parse_date(value: Any) -> dt.date | None:
    """Dates as written on Japanese sheets: 2024/04/01, 2024-04-01, 2024年4月1日, 令和6年4月1日, R6.4.1,
    or an Excel serial number."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold().replace(" ", " ")
    if not text:
        return None
    if match := _WESTERN.match(text) or _COMPACT.match(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _ERA.match(text):
        return _era_date(match[1], match[2], int(match[3]), int(match[4]))
    if _SERIAL.match(text):
        return _from_serial(float(text))
    raise BadValue(_("not a date; write it as 2024/04/01 or 令和6年4月1日"))


def _make_date(year: int, month: int, day: int) -> dt.date:
    try:
        made = dt.date(year, month, day)
    except ValueError:
        raise BadValue(_("there is no such day")) from None
    if not 1900 <= made.year <= 2200:
        raise BadValue(_("the year is out of range"))
    return made


def _era_date(era: str, year_text: str, month: int, day: int) -> dt.date:
    index, start = _ERA_BY_WORD[era]
    year = 1 if year_text == "元" else int(year_text)
    if year < 1:
        raise BadValue(_("there is no year 0 in a Japanese era"))
    made = _make_date(start.year + year - 1, month, day)
    end = ERAS[index - 1][2] if index > 0 else None
    if made < start or (end is not None and made >= end):
        raise BadValue(_("the date is outside the %(era)s era") % {"era": ERAS[index][0]})
    return made


def _from_serial(serial: float) -> dt.date:
    if not math.isfinite(serial):  # a cell holding inf or NaN (found by tests/properties)
        raise BadValue(_("not a date (the number is outside the range of Excel dates)"))
    if not serial.is_integer() and serial % 1:
        serial = float(int(serial))  # a time of day on the same date
    if not 1 <= serial <= 109_574:  # up to 2199-12-31
        raise BadValue(_("not a date (the number is outside the range of Excel dates)"))
    if serial < 61:  # Excel counts a 29 February 1900 that never was
        serial += 1
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


_COUNT_NOISE = re.compile(r"^(約|概算|およそ|おおよそ|概ね|大体)|(件|名|人|程度|以上|以下|前後|ほど|強|弱|位|くらい)+$")


def parse_count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue(_("not a number"))
    if isinstance(value, int | float):
        if not math.isfinite(value):  # inf or NaN (found by tests/properties)
            raise BadValue(_("not a number"))
        if value < 0:
            raise BadValue(_("cannot be negative"))
        return int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    if not text or normalise(text) in layout.NONE_WORDS:
        return None
    text = _COUNT_NOISE.sub("", text)
    text = _COUNT_NOISE.sub("", text)
    multiplier = 1
    if text.endswith("万"):
        multiplier, text = 10_000, text[:-1]
    elif text.endswith("千"):
        multiplier, text = 1_000, text[:-1]
    try:
        number = float(text) * multiplier
    except ValueError:
        raise BadValue(_("not a number; write an approximate count such as 1200 or 約1,200件")) from None
    if number < 0 or number > 2_000_000_000:
        raise BadValue(_("the number is out of range"))
    return int(number)


def parse_yes_no(value: Any, key: str = "retained_personal_data") -> bool | None:
    """A yes/no cell, read with the words of its column (``layout.YES_NO``): 保持/非保持 for カード情報の保持."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    words = layout.YES_NO[key]
    word = normalise(cell_text(value))
    if word in words.true_words:
        return True
    if word in words.false_words:
        return False
    raise BadValue(yes_no_message(words))


def yes_no_message(words: layout.YesNo) -> str:
    """What the column accepts, from the same words the parser reads: its own pair, then a few alternatives."""
    others = "、".join(f"{yes}/{no}" for yes, no in words.pairs[1:4])
    return _("write %(yes)s or %(no)s (also accepted: %(others)s)") % {
        "yes": words.pairs[0][0],
        "no": words.pairs[0][1],
        "others": others,
    }


def split_list(value: Any) -> list[str]:
    return [part.strip() for part in layout.LIST_SEPARATORS.split(cell_text(value)) if part.strip()]


# ---------------------------------------------------------------------------------------------- rows


class RowChecker:
    """Turns one row's cells into an entry, collecting every problem; knows the catalogue and contractors."""

    def __init__(self, update: bool = False) -> None:
        self.update = update
        self.categories: dict[str, int] = {}
        for cat in DataCategory.objects.all():
            for word in (cat.name, cat.code, cat.name_en, *cat.aliases):
                if word:
                    self.categories.setdefault(normalise(word), cat.pk)
        self.contractors = {normalise(name): pk for pk, name in Contractor.objects.values_list("pk", "name")}
        refs, pairs = existing_keys()
        self.existing_refs = {normalise(r): pk for r, pk in refs.items()}
        self.existing_pairs = {(normalise(n), normalise(d)): pk for (n, d), pk in pairs.items()}
        self.seen_refs: dict[str, int] = {}
        self.seen_pairs: dict[tuple[str, str], int] = {}
        self.max_lengths = {
            f.name: f.max_length for f in LedgerEntry._meta.concrete_fields if getattr(f, "max_length", None)
        }

    def check(self, number: int, cells: dict[Column, tuple[str, Any]]) -> tuple[NewEntry | None, list[CellError]]:
        errors: list[CellError] = []
        entry = NewEntry(row=number, values={})

        def fail(column: Column, message: str, value: Any = "") -> None:
            errors.append(CellError(number, cells.get(column, (column.header, None))[0], message, shown(value)))

        entry.columns = frozenset(c.key for c in cells)
        for column in cells:
            raw = cells[column][1]
            try:
                self._convert(column, raw, entry)
            except BadValue as problem:
                fail(column, str(problem), raw)
        self._check_required(entry, cells, fail)
        self._check_duplicates(entry, cells, fail)
        return (None if errors else entry), errors

    def _convert(self, column: Column, raw: Any, entry: NewEntry) -> None:
        key = column.key
        if key == "categories":
            entry.categories = self._lookup_all(
                raw, self.categories, _("unknown data category %(value)s (see the category list)")
            )
        elif key == "contractors":
            entry.contractors = self._contractors(raw)
        elif key == "approximate_count":
            entry.values[key] = parse_count(raw)
        elif key in ("last_reviewed", "next_review_due"):
            entry.values[key] = parse_date(raw)
        elif key in ("retained_personal_data", "card_data_retained"):
            answer = parse_yes_no(raw, key)
            if answer is not None:
                entry.values[key] = answer
        elif key == "acquisition_method":
            entry.values[key] = self._choice(raw, layout.ACQUISITION_WORDS, layout.ACQUISITION_LABELS)
        elif key == "notice_basis":
            entry.values[key] = self._choice(raw, layout.NOTICE_WORDS, layout.NOTICE_LABELS)
        elif key == "medium":
            entry.values[key] = self._choice(raw, layout.MEDIUM_WORDS, layout.MEDIUM_LABELS)
        elif key in ("third_party_provision", "foreign_transfer"):
            text = cell_text(raw)
            entry.values[key] = "" if normalise(text) in layout.NONE_WORDS else text
        else:
            text = cell_text(raw)
            limit = self.max_lengths.get(key)
            if limit and len(text) > limit:
                raise BadValue(_("too long: at most %(n)d characters") % {"n": limit})
            entry.values[key] = text

    @staticmethod
    def _choice(raw: Any, words: dict[str, str], labels: dict[Any, str]) -> str:
        text = cell_text(raw)
        if not text or normalise(text) in ("-", "ー", "―"):
            return ""
        try:
            return words[normalise(text)]
        except KeyError:
            allowed = "、".join(labels.values())
            raise BadValue(_("unknown value; use one of: %(allowed)s") % {"allowed": allowed}) from None

    @staticmethod
    def _lookup_all(raw: Any, table: dict[str, int], message: str) -> list[int]:
        found: list[int] = []
        unknown: list[str] = []
        for part in split_list(raw):
            pk = table.get(normalise(part))
            if pk is None:
                unknown.append(part)
            elif pk not in found:
                found.append(pk)
        if unknown:
            raise BadValue(message % {"value": "、".join(f"「{shown(u)}」" for u in unknown)})
        return found

    def _contractors(self, raw: Any) -> list[int]:
        text = cell_text(raw)
        if not text or normalise(text) in layout.NONE_WORDS:
            return []
        whole = self.contractors.get(normalise(text))  # a name that itself contains a comma
        if whole is not None:
            return [whole]
        return self._lookup_all(
            raw, self.contractors, _("unknown contractor %(value)s; register it under Contractors first")
        )

    def _check_required(self, entry: NewEntry, cells: dict[Column, tuple[str, Any]], fail: Any) -> None:
        for key in ("name", "department"):
            column = next(c for c in COLUMNS if c.key == key)
            if column in cells and not entry.values.get(key):
                fail(column, _("required; this cell is empty"))
        last, due = entry.values.get("last_reviewed"), entry.values.get("next_review_due")
        if last and due and due < last:
            fail(
                next(c for c in COLUMNS if c.key == "next_review_due"),
                _("before the last review date"),
                cells.get(next(c for c in COLUMNS if c.key == "next_review_due"), ("", ""))[1],
            )

    def _check_duplicates(self, entry: NewEntry, cells: dict[Column, tuple[str, Any]], fail: Any) -> None:
        ref_column = COLUMNS[0]
        name_column = COLUMNS[1]
        reference = entry.values.get("reference", "")
        if reference:
            key = normalise(reference)
            if key in self.seen_refs:
                fail(
                    ref_column,
                    _("the same reference number is on row %(row)d") % {"row": self.seen_refs[key]},
                    reference,
                )
            elif key in self.existing_refs and not self.update:
                fail(ref_column, _("an entry with this reference number already exists in the ledger"), reference)
            else:
                self.seen_refs[key] = entry.row
                entry.update_pk = self.existing_refs.get(key)
        name, department = entry.values.get("name", ""), entry.values.get("department", "")
        if name and department:
            pair = (normalise(name), normalise(department))
            if self.existing_pairs.get(pair, entry.update_pk) != entry.update_pk:
                fail(name_column, _("the ledger already has an entry with this name for this department"), name)
            elif pair in self.seen_pairs:
                fail(
                    name_column,
                    _("the same name and department are on row %(row)d") % {"row": self.seen_pairs[pair]},
                    name,
                )
            else:
                self.seen_pairs[pair] = entry.row


# ---------------------------------------------------------------------------------------------- the file


def validate_file(data: bytes, filename: str, update: bool = False, max_errors: int = 1000) -> Preview:
    """Check a whole file without saving anything.

    ``update``: rows whose 管理番号 is already in the ledger update that entry instead of being refused.
    """
    preview = Preview(filename=filename, update=update)
    try:
        rows = read_rows(data, filename)
        found = _find_header(rows, preview)
        if found is None:
            return preview
        header, data_rows = found
        _check_rows(data_rows, header, preview, max_errors, RowChecker(update))
    except FileProblem as problem:
        preview.errors.append(CellError(None, "", str(problem)))
    if not preview.errors and not preview.entries:
        preview.errors.append(CellError(None, "", _("The file has a header row but no entries.")))
    return preview


def _find_header(
    rows: Iterator[tuple[int, list[Any]]], preview: Preview
) -> tuple[dict[int, tuple[Column, str]], Iterator[tuple[int, list[Any]]]] | None:
    """Find the header row among the first rows, and the rows below it; record unknown, duplicate and missing
    headers.

    The row naming the most columns wins, not the first with a few: a consultant's sheet often opens with a
    title, a date line and a block such as 「管理部門 | 営業部 | 管理責任者 | 山田」 above the real header row.
    """
    first: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        first.append((number, cells))
        if len(first) >= HEADER_SEARCH_ROWS:
            break
    best: tuple[int, int, list[str], list[Column | None]] | None = None  # (matches, index, texts, columns)
    for index, (_number, cells) in enumerate(first):
        texts = [cell_text(c) for c in cells]
        matches = [layout.column_for(t) if t else None for t in texts]
        count = len({m for m in matches if m})
        if count >= MIN_HEADER_MATCHES and (best is None or count > best[0]):
            best = (count, index, texts, matches)
    if best is not None:
        _count, index, texts, matches = best
        header = _header_columns(first[index][0], texts, matches, preview)
        if header is None:
            return None
        return header, itertools.chain(first[index + 1 :], rows)
    preview.errors.append(
        CellError(
            None,
            "",
            _("No header row found in the first %(n)d rows. The ledger needs a row of headers such as %(headers)s.")
            % {"n": HEADER_SEARCH_ROWS, "headers": "、".join(layout.HEADERS[:5])},
        )
    )
    return None


def _header_columns(
    number: int, texts: list[str], matches: list[Column | None], preview: Preview
) -> dict[int, tuple[Column, str]] | None:
    preview.header_row = number
    preview.headers = [t for t in texts if t]
    positions: dict[int, tuple[Column, str]] = {}
    seen: dict[Column, str] = {}
    reference = COLUMNS[0]
    has_reference = any(c is reference and not layout.is_running_number(t) for t, c in zip(texts, matches, strict=True))
    for index, (text, column) in enumerate(zip(texts, matches, strict=True)):
        if not text:
            continue
        if column is reference and has_reference and layout.is_running_number(text):
            preview.ignored_columns.append(text)  # 1, 2, 3 … beside the real 管理番号
            continue
        if column is None:
            preview.errors.append(
                CellError(
                    number,
                    text,
                    _("unknown column header; expected one of: %(headers)s") % {"headers": "、".join(layout.HEADERS)},
                )
            )
        elif column in seen:
            preview.errors.append(
                CellError(number, text, _("the same column as 「%(other)s」 appears twice") % {"other": seen[column]})
            )
        else:
            seen[column] = text
            positions[index] = (column, text)
    for column in COLUMNS:
        if column.required and column not in seen:
            preview.errors.append(CellError(number, column.header, _("required column is missing")))
    return None if preview.errors else positions


def _check_rows(
    rows: Iterator[tuple[int, list[Any]]],
    header: dict[int, tuple[Column, str]],
    preview: Preview,
    max_errors: int,
    checker: RowChecker,
) -> None:
    limit = max_rows()
    for number, cells in rows:
        if all(cell_text(c) == "" for c in cells):
            continue
        preview.data_rows += 1
        if preview.data_rows > limit:
            raise FileProblem(_("The file has more than %(n)d entries; split it into smaller files.") % {"n": limit})
        by_column = {
            column: (text, cells[index] if index < len(cells) else None) for index, (column, text) in header.items()
        }
        entry, errors = checker.check(number, by_column)
        if entry is not None:
            preview.entries.append(entry)
        listed = errors[: max(0, max_errors - len(preview.errors))]
        preview.errors.extend(listed)
        preview.unlisted_errors += len(errors) - len(listed)
