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
from mamori.discovery.engine.types import TextUnit

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
    """Scan one batch; ``offset`` is the number of rows of this shard already scanned."""
    from mamori.discovery.engine.database.adapter import detect_units, expand_structured

    keys = [row_key(table, row, offset + i) for i, row in enumerate(rows)]
    for j, column in enumerate(table.columns):
        texts = [as_text(row[j]) for row in rows]
        evidence = columns[column]
        evidence.rows_scanned += len(texts)
        evidence.rows_nonempty += sum(1 for t in texts if t.strip())
        path = f"{table.qualified}.{column}"
        units = [TextUnit("\n".join(texts), path, line=1, key=column)]
        for i, text in enumerate(texts):
            units.extend(expand_structured(text, path, i + 1, offset + i))
        for finding in detect_units(units, hash_key):
            row = (finding.line or 1) - 1
            if 0 <= row < len(rows):
                evidence.add(finding, keys[row], offset + row)
