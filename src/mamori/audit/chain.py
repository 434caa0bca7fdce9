"""Hash-chain arithmetic, shared by writing and verifying. Pure functions over plain values."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64

# The fields the hash covers, in a fixed order. Changing this list breaks every existing chain.
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "via",
    "ip_address",
    "user_agent",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "message",
    "prev_hash",
)


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def canonical(values: dict[str, Any]) -> bytes:
    created = values["created_at"]
    row = [created.isoformat(timespec="microseconds") if isinstance(created, datetime) else created]
    row += [values[name] for name in HASHED_FIELDS if name != "created_at"]
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=_default).encode()


def entry_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()
