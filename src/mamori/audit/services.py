"""Writing the audit trail. ``record`` is called inside the same transaction as the change it describes."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from mamori.accounts.policy import Actor, is_system
from mamori.audit import chain, checkpoint, registry
from mamori.audit.context import current_origin
from mamori.audit.models import AuditEntry, ChainHead

# Field names whose values are never written to the trail, only the fact that they changed.
SECRET_FIELDS = frozenset({"password", "totp_secret", "key", "secret", "token", "encrypted_secret"})
REDACTED = "(redacted)"


class Redacted(str):
    """``(redacted)`` in a snapshot, but unequal to another snapshot's when the secret changed, so that
    ``diff`` records the fact of a change. The secret stays in memory; the trail only gets the plain text."""

    __slots__ = ("_secret",)
    _secret: Any

    def __new__(cls, secret: Any) -> Redacted:
        made = super().__new__(cls, REDACTED)
        made._secret = secret
        return made

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Redacted):
            return bool(self._secret == other._secret)
        return False

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


def _plain(value: Any) -> Any:
    if isinstance(value, Redacted):
        return REDACTED
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return str(value)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The stored field values of a record, safe to put in the trail (secrets redacted)."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        values[field.attname] = Redacted(value) if field.name in SECRET_FIELDS and value else _plain(value)
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields that differ."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _actor_fields(actor: Actor | None) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_username": "anonymous", "actor_role": ""}
    if is_system(actor):
        return {"actor_id": None, "actor_username": "system", "actor_role": "system"}
    return {"actor_id": actor.pk, "actor_username": actor.get_username(), "actor_role": actor.role}


def record(
    actor: Actor | None,
    action: str,
    target: models.Model | None = None,
    *,
    changes: dict[str, Any] | None = None,
    message: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    username: str = "",
) -> AuditEntry:
    """Append one entry to the chain. Must run inside the caller's transaction (opened here if none).

    ``username`` overrides the actor name for events without a user object (a failed login for an
    unknown name). ``action`` must be declared in an app's ``audit_actions.py`` (see ``registry``).
    """
    registry.require(action)
    origin = current_origin()
    values: dict[str, Any] = {
        **_actor_fields(actor),
        "via": origin.via,
        "ip_address": origin.ip_address,
        "user_agent": origin.user_agent,
        "action": action,
        "object_type": target._meta.label_lower if target is not None else object_type,
        "object_id": str(target.pk) if target is not None else object_id,
        "object_repr": (str(target) if target is not None else object_repr)[:300],
        "changes": _plain(changes or {}),
        "message": message,
    }
    if username:
        values["actor_username"] = username[:150]
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"hash": chain.GENESIS})
        values["seq"] = head.seq + 1
        values["created_at"] = timezone.now()
        values["prev_hash"] = head.hash
        values["hash"] = chain.entry_hash(values)
        entry = AuditEntry.objects.create(**values)
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    # After the savepoint above is closed, so that one callback serves the caller's whole transaction.
    checkpoint.schedule(entry.seq, entry.hash)
    return entry


def record_create(actor: Actor, obj: models.Model, message: str = "") -> AuditEntry:
    return record(actor, "create", obj, changes=diff({}, snapshot(obj)), message=message)


def record_update(actor: Actor, obj: models.Model, before: dict[str, Any], message: str = "") -> AuditEntry | None:
    """Record an update, or nothing when no stored value changed."""
    changes = diff(before, snapshot(obj))
    if not changes:
        return None
    return record(actor, "update", obj, changes=changes, message=message)


def record_delete(actor: Actor, obj: models.Model, before: dict[str, Any], message: str = "") -> AuditEntry:
    return record(actor, "delete", obj, changes=diff(before, {}), message=message)
