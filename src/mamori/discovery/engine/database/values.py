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
from typing import Any

from mamori.discovery.engine.database.classify import ColumnEvidence
from mamori.discovery.engine.database.tables import TableInfo
from mamori.discovery.engine.detectors import Detector
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


def row_key(table: TableInfo, row: Sequence[Any], ordinal: int) -> str:
    """A sortable key for choosing examples deterministically (primary key, else scan position)."""
    if not table.key:
        return f"{ordinal:012d}"
    parts = []
    for k in table.key:
        v = row[table.columns.index(k)]
        parts.append(f"{v:020d}" if isinstance(v, int) else str(v))
    return "|".join(parts)


def detect_rows(
    table: TableInfo, rows: Sequence[Sequence[Any]], columns: dict[str, ColumnEvidence], hash_key: bytes, offset: int
) -> None:
    """Scan one batch; ``offset`` is the number of rows of this shard already scanned.

    Each row is one record of units, one unit per non-empty cell keyed by its column (structured cells
    expanded into their inner fields), so detectors see the column name and the row's other fields.
    """
    path = table.qualified
    names = table.columns
    units: list[TextUnit] = []
    for i, row in enumerate(rows):
        for j, column in enumerate(names):
            text = as_text(row[j])
            if text and not text.isspace():
                units.extend(field_units(column, text, path, offset + i, line=i + 1))
    for column in names:
        columns[column].rows_scanned += len(rows)
    for j, column in enumerate(names):
        columns[column].rows_nonempty += sum(1 for row in rows if as_text(row[j]).strip())
    keys = [row_key(table, row, offset + i) for i, row in enumerate(rows)]
    for finding in _detector(hash_key).scan_units(units):
        if isinstance(finding, Finding) and finding.line is not None:
            column = _column_of(finding.column, names)
            if column is not None:
                columns[column].add(finding, keys[finding.line - 1], offset + finding.line - 1)


def _column_of(key: str | None, names: Sequence[str]) -> str | None:
    """The table column a unit key belongs to (``memo02.card_no`` belongs to ``memo02``)."""
    if key is None:
        return None
    if key in names:
        return key
    head = key.split(".", 1)[0]
    return head if head in names else None


_DETECTORS: dict[bytes, Detector] = {}


def _detector(hash_key: bytes) -> Detector:
    if hash_key not in _DETECTORS:
        _DETECTORS.clear()
        _DETECTORS[hash_key] = Detector(hash_key)
    return _DETECTORS[hash_key]
