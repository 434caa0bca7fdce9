"""Turning a batch of rows into detector input, column by column, and folding findings into evidence.

Each column's values become one text unit (one value per line, so a finding's line is its row) keyed by
the column name, which gives detectors their context. Values that hold structured data (PHP-serialized
arrays, JSON, URL-encoded strings) are also expanded into one unit per inner field, keyed by the inner
key — so a security code beside a card number inside ``memo02`` is recognised as one.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from mamori.discovery.engine.database.classify import ColumnEvidence
from mamori.discovery.engine.database.tables import ColumnBatch, TableInfo, sortable
from mamori.discovery.engine.detectors import Detector, key_kinds
from mamori.discovery.engine.masking import PanFingerprinter
from mamori.discovery.engine.readers.serialized import field_units
from mamori.discovery.engine.types import FileProblem, Finding, TextUnit

MAX_VALUE_CHARS = 1_000_000  # longer values are cut: a column is classified, not archived


def as_text(value: Any) -> str:
    """A cell as the detectors should see it ("" for NULL and binary)."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return ""
    elif isinstance(value, decimal.Decimal):
        text = format(value, "f")
    elif isinstance(value, dt.datetime | dt.date | dt.time):
        return ""  # dates are never card numbers or personal identifiers on their own
    else:
        text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS]
    return text.replace("\r", " ").replace("\n", " ")


def _column_texts(values: Sequence[Any]) -> list[str]:
    """``as_text`` for a whole column, with the common cases (text, NULL, integers) kept cheap."""
    out: list[str] = []
    append = out.append
    for v in values:
        kind = type(v)
        if v is None:
            append("")
        elif kind is str and "\n" not in v and "\r" not in v and len(v) <= MAX_VALUE_CHARS:
            append(v)
        elif kind is int:
            append(str(v))
        else:
            append(as_text(v))
    return out


def row_key(table: TableInfo, row: Sequence[Any], ordinal: int) -> str:
    """A sortable key for choosing examples deterministically (primary key, else scan position)."""
    if not table.key:
        return f"{ordinal:012d}"
    parts = []
    for k in table.key:
        v = row[table.columns.index(k)]
        parts.append(sortable(str(v)))
    return "|".join(parts)


def batch_of_rows(table: TableInfo, rows: Sequence[Sequence[Any]], offset: int) -> ColumnBatch:
    """Fetched rows as a column batch (``offset``: rows of this shard read before them)."""
    columns = [_column_texts(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in table.columns]
    texts = tuple("\n".join(col) for col in columns)
    nonempty = tuple(len(col) - col.count("") for col in columns)
    return ColumnBatch(len(rows), texts, nonempty, lambda i: row_key(table, rows[i], offset + i))


def detect_batch(
    table: TableInfo,
    batch: ColumnBatch,
    columns: dict[str, ColumnEvidence],
    hash_key: bytes,
    offset: int,
    field_budget: int | None = None,
    pan_fingerprints: PanFingerprinter | None = None,
) -> None:
    """Scan one batch; ``offset`` is the number of rows of this shard already scanned.

    Two passes, because a database holds millions of small values:
    - every column's text (one value per line) is searched in one pass for what is recognisable on its
      own — card numbers, e-mail addresses, phone numbers, addresses; beyond ``field_budget`` rows only
      card data is looked for there (it must be found in every row, the rest is settled by the first rows);
    - structured cells (serialized arrays, JSON, URL-encoded) and, for columns whose name gives context
      (``cvv``, ``name01``, ``yuko_kigen`` …), each cell are checked as fields of their row's record, so
      the column name and the row's other fields give context. ``field_budget`` caps how many rows of
      this shard get the per-field check of context columns (None: all) — see ``rows_checked``.
    """
    detector = _detector(hash_key, pan_fingerprints=pan_fingerprints)
    checked = batch.rows if field_budget is None else max(0, min(batch.rows, field_budget))
    cells: list[tuple[int, int, str]] = []
    for j, column in enumerate(table.columns):
        evidence = columns[column]
        evidence.rows_scanned += batch.rows
        evidence.rows_nonempty += batch.nonempty[j]
        evidence.rows_checked += checked
        text = batch.texts[j]
        if not text or not batch.nonempty[j]:
            continue
        head = text.split("\n", checked)
        rest = head.pop() if len(head) > checked else ""
        for part_detector, part, start in (
            (detector, "\n".join(head), 0),
            (_detector(hash_key, True, pan_fingerprints), rest, checked),
        ):
            if part.strip("\n"):
                unit = TextUnit(part, column, line=start + 1)
                _collect(part_detector.scan_units([unit]), table, columns, batch, offset, column)
        if _has_context(column):
            cells += [(i, j, value) for i, value in enumerate(head) if value]
        elif _may_hold_text(table.column_types[j]):
            cells += [(i, j, value) for i, value in _structured_lines(text)]
    units: list[TextUnit] = []
    for i, j, value in sorted(cells):
        units.extend(field_units(table.columns[j], value, table.qualified, offset + i, line=i + 1))
    _collect(detector.scan_units(units), table, columns, batch, offset)


def _collect(
    found: Iterable[Finding | FileProblem],
    table: TableInfo,
    columns: dict[str, ColumnEvidence],
    batch: ColumnBatch,
    offset: int,
    column: str | None = None,
) -> None:
    """Add findings to their column's evidence: ``column``, or the column a field unit's key names."""
    for finding in found:
        if isinstance(finding, Finding) and finding.line is not None:
            owner = column or _column_of(finding.column, table.columns)
            if owner is not None:
                row = finding.line - 1
                columns[owner].add(finding, batch.row_key(row), offset + row)


_LINE_MARKS = ("{", "[", "a:", "O:", "s:")  # how JSON and PHP-serialized values begin
_DENSE = 64  # lines holding a ":" before the search for "a:", "O:", "s:" switches to one pass per mark


def _structured_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line index, value) of the lines of a column text that hold structured data, found by substring
    searches (C speed) instead of a look at every value.

    A two-character search ("\na:") costs about 1 ns per character even where nothing matches, one
    character ("{", ":") a small fraction of that: the marks are found by their rare character first, and
    after each hit the search goes on from the next line (a line-start mark is the line's first "{", "["
    or ":"), so a line costs one step at most. A text with many lines holding ":" goes back to one
    search per two-character mark after ``_DENSE`` such lines."""
    starts: set[int] = set()
    for mark in "{[":
        at = text.find(mark)
        while at >= 0:
            if at == 0 or text[at - 1] == "\n":
                starts.add(at)
            end = text.find("\n", at)
            at = text.find(mark, end + 1) if end >= 0 else -1
    at, hits = text.find(":"), 0
    while at >= 0:
        if at >= 1 and text[at - 1] in "aOs" and (at == 1 or text[at - 2] == "\n"):
            starts.add(at - 1)
        end = text.find("\n", at)
        at = text.find(":", end + 1) if end >= 0 else -1
        hits += 1
        if at >= 0 and hits >= _DENSE:
            for mark in _LINE_MARKS[2:]:
                found = text.find("\n" + mark, end)
                while found >= 0:
                    starts.add(found + 1)
                    found = text.find("\n" + mark, found + 1)
            break
    if "=" in text:
        at = text.find("&")
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            if "=" in text[start:end]:
                starts.add(start)
            at = text.find("&", end)
    line, counted_to = 0, 0
    for start in sorted(starts):
        line += text.count("\n", counted_to, start)
        counted_to = start
        end = text.find("\n", start)
        value = text[start : end if end >= 0 else len(text)]
        if len(value) > 4 and _structured(value):
            yield line, value


_NOT_TEXT = ("INT", "NUMERIC", "DECIMAL", "REAL", "FLOAT", "DOUBLE", "DATE", "TIME", "BOOL", "SERIAL")


def _may_hold_text(column_type: str) -> bool:
    kind = column_type.upper()
    return not any(word in kind for word in _NOT_TEXT)


def _has_context(column: str) -> bool:
    return bool(_key_kinds(column) - {"not_card"})


def _structured(text: str) -> bool:
    first = text[:1]
    return first in "{[" or (text[1:2] == ":" and first in "aOs") or ("=" in text and "&" in text)


def _column_of(key: str | None, names: Sequence[str]) -> str | None:
    """The table column a unit key belongs to (``memo02.card_no`` belongs to ``memo02``)."""
    if key is None:
        return None
    if key in names:
        return key
    head = key.split(".", 1)[0]
    return head if head in names else None


_DETECTORS: dict[tuple[bytes, bool, PanFingerprinter | None], Detector] = {}


def _detector(hash_key: bytes, card_only: bool = False, pan_fingerprints: PanFingerprinter | None = None) -> Detector:
    key = (hash_key, card_only, pan_fingerprints)
    if key not in _DETECTORS:
        if len(_DETECTORS) > 4:
            _DETECTORS.clear()
        _DETECTORS[key] = Detector(hash_key, card_only=card_only, pan_fingerprints=pan_fingerprints)
    return _DETECTORS[key]


@lru_cache(maxsize=4096)
def _key_kinds(column: str) -> frozenset[str]:
    return key_kinds(column)
