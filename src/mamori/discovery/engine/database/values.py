"""Turning a batch of rows into detector input, column by column, and folding findings into evidence.

Each column's values become one text unit (one value per line, so a finding's line is its row) keyed by
the column name, which gives detectors their context. Values that hold structured data (PHP-serialized
arrays, JSON, URL-encoded strings) are also expanded into one unit per inner field, keyed by the inner
key — so a security code beside a card number inside ``memo02`` is recognised as one.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from mamori.discovery.engine.database.classify import ColumnEvidence
from mamori.discovery.engine.database.tables import TableInfo
from mamori.discovery.engine.detectors import Detector, key_kinds
from mamori.discovery.engine.readers.serialized import field_units
from mamori.discovery.engine.types import Finding, TextUnit

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
        text = str(v)
        parts.append(text.zfill(20) if text.isdigit() else text)
    return "|".join(parts)


def detect_rows(
    table: TableInfo,
    rows: Sequence[Sequence[Any]],
    columns: dict[str, ColumnEvidence],
    hash_key: bytes,
    offset: int,
    field_budget: int | None = None,
    as_strings: bool = False,
) -> None:
    """Scan one batch; ``offset`` is the number of rows of this shard already scanned.

    Two passes, because a database holds millions of small values:
    - every column's values are joined into one text (one value per line) and searched in one pass for
      what is recognisable on its own — card numbers, e-mail addresses, phone numbers, addresses; beyond
      ``field_budget`` rows only card data is looked for there (it must be found in every row, the
      rest is settled by the first rows);
    - structured cells (serialized arrays, JSON, URL-encoded) and, for columns whose name gives context
      (``cvv``, ``name01``, ``yuko_kigen`` …), each cell are checked as fields of their row's record, so
      the column name and the row's other fields give context. ``field_budget`` caps how many rows of
      this shard get the per-field check of context columns (None: all) — see ``rows_checked``.
    ``as_strings``: the rows already hold one-line strings ("" for NULL), as PostgreSQL's COPY gives them.
    """
    detector = _detector(hash_key)
    names = table.columns
    if not rows:
        texts: list[list[str]] = [[] for _ in names]
    elif as_strings:
        texts = [list(col) for col in zip(*rows, strict=True)]
    else:
        texts = [_column_texts(col) for col in zip(*rows, strict=True)]
    keys = _RowKeys(table, rows, offset)
    checked = len(rows) if field_budget is None else max(0, min(len(rows), field_budget))
    for j, column in enumerate(names):
        evidence = columns[column]
        evidence.rows_scanned += len(rows)
        evidence.rows_nonempty += len(texts[j]) - texts[j].count("")
        evidence.rows_checked += checked
        parts = [(detector, 0, checked), (_detector(hash_key, card_only=True), checked, len(rows))]
        for part_detector, start, stop in parts:
            if start >= stop:
                continue
            unit = TextUnit("\n".join(texts[j][start:stop]), column, line=start + 1)
            for finding in part_detector.scan_units([unit]):
                if isinstance(finding, Finding) and finding.line is not None:
                    evidence.add(finding, keys[finding.line - 1], offset + finding.line - 1)
    context = {j for j, column in enumerate(names) if _has_context(column)}
    cells: list[tuple[int, int]] = [(i, j) for j in context for i in range(checked) if texts[j][i]]
    for j in range(len(names)):
        if j not in context and _may_hold_text(table.column_types[j]):
            cells += [(i, j) for i, text in enumerate(texts[j]) if len(text) > 4 and _structured(text)]
    units: list[TextUnit] = []
    for i, j in sorted(cells):
        units.extend(field_units(names[j], texts[j][i], table.qualified, offset + i, line=i + 1))
    for finding in detector.scan_units(units):
        if isinstance(finding, Finding) and finding.line is not None:
            owner = _column_of(finding.column, names)
            if owner is not None:
                columns[owner].add(finding, keys[finding.line - 1], offset + finding.line - 1)


class _RowKeys:
    """Row sort keys, computed only for the rows that have findings (used to pick examples)."""

    def __init__(self, table: TableInfo, rows: Sequence[Sequence[Any]], offset: int) -> None:
        self.table, self.rows, self.offset = table, rows, offset

    def __getitem__(self, i: int) -> str:
        return row_key(self.table, self.rows[i], self.offset + i)


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


_DETECTORS: dict[tuple[bytes, bool], Detector] = {}


def _detector(hash_key: bytes, card_only: bool = False) -> Detector:
    key = (hash_key, card_only)
    if key not in _DETECTORS:
        if len(_DETECTORS) > 4:
            _DETECTORS.clear()
        _DETECTORS[key] = Detector(hash_key, card_only=card_only)
    return _DETECTORS[key]


@lru_cache(maxsize=4096)
def _key_kinds(column: str) -> frozenset[str]:
    return key_kinds(column)
