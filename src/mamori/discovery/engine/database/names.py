"""What a column's name says it holds — in English and in the romanised Japanese that Japanese systems use.

Data, not logic: each entry is (type, pattern), the column hint of each type in the registry. Patterns
match the whole lower-cased column name after the common table prefixes (``order_``, ``deliv_``,
``shipping_``, ``customer_``) are removed.
"""

from __future__ import annotations

import re

from mamori.discovery.engine.registry import COLUMN_HINTS

PREFIXES = ("order_", "deliv_", "delivery_", "shipping_", "customer_", "billing_", "user_", "member_", "cust_")

# (type, pattern) per finding type, from the registry (each type's spec holds its column-name hint).
NAME_HINTS: tuple[tuple[str, str], ...] = COLUMN_HINTS
# Names that look like a hint but hold no personal data (hashes, keys, flags, ids).
NOT_PERSONAL = re.compile(r".*(_id|_flg|_flag|_hash|_salt|_token|_key|_status|_type|_date|_time|_at)$|id|password|salt")

_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern in NAME_HINTS)


def hinted_type(column: str) -> str | None:
    """The data type the column's name suggests, or None."""
    name = column.strip().lower()
    if NOT_PERSONAL.fullmatch(name):
        return None
    for prefix in PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    for kind, pattern in _COMPILED:
        if pattern.fullmatch(name):
            return kind
    return None
