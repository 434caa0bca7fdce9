"""Generic record actions: permission check, change and audit entry in one transaction.

Domain services (``<app>/services.py``) build on these, adding their own rules, so that every state
change is one function called alike by views, the API, the CLI and background jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit

M = TypeVar("M", bound=models.Model)


def create_record(actor: Actor, resource: str, model: type[M], data: Mapping[str, Any]) -> M:
    policy.check(actor, Action.ADD, resource)
    with transaction.atomic():
        obj = model(**data)
        obj.full_clean()
        obj.save()
        audit.record_create(actor, obj)
    return obj


def update_record(actor: Actor, resource: str, obj: M, data: Mapping[str, Any]) -> M:
    policy.check(actor, Action.CHANGE, resource, obj)
    with transaction.atomic():
        before = audit.snapshot(obj)
        for name, value in data.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        audit.record_update(actor, obj, before)
    return obj


def delete_record(actor: Actor, resource: str, obj: models.Model) -> None:
    policy.check(actor, Action.DELETE, resource, obj)
    with transaction.atomic():
        # The entry is written first because the record's id is gone after delete().
        audit.record_delete(actor, obj, audit.snapshot(obj))
        obj.delete()


def archive_record(
    actor: Actor,
    resource: str,
    obj: M,
    reason: str,
    *,
    audit_action: str = "update",
    no_reason: str,
    already: str,
    target: models.Model | None = None,
    refuse: Callable[[M], None] | None = None,
) -> M:
    """Take a record out of use with a reason (アーカイブ), keeping it: anything that may be evidence is archived,
    never deleted. ``target`` is what the permission is checked on when it is not the record itself (a
    requirement's evidence link is the requirement's). ``refuse`` raises the record kind's own refusals (a case
    depending on a data source, a campaign still sending) once the reason is given. The row is locked while it
    is read again, so that of two people archiving at once one succeeds and the other is told it is already
    archived — one audit entry, with the reason as its message."""
    policy.check(actor, Action.CHANGE, resource, obj if target is None else target)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": no_reason})
    model = type(obj)
    with transaction.atomic():
        if model._base_manager.select_for_update().filter(pk=obj.pk, archived_at__isnull=False).exists():
            raise ValidationError(already)
        if refuse is not None:
            refuse(obj)
        before = audit.snapshot(obj)
        record: Any = obj  # any model with archived_at and archive_reason (archived_by, updated_at if it has them)
        record.archived_at = timezone.now()
        record.archive_reason = reason
        fields = ["archived_at", "archive_reason"]
        names = {f.name for f in model._meta.concrete_fields}
        if "archived_by" in names:
            person = None if policy.is_system(actor) or not getattr(actor, "pk", None) else actor
            record.archived_by = person
            fields.append("archived_by")
        if "updated_at" in names:
            fields.append("updated_at")
        obj.save(update_fields=fields)
        audit.record(actor, audit_action, obj, changes=audit.diff(before, audit.snapshot(obj)), message=reason)
    return obj


def record_export(actor: Actor, resource: str, description: str, count: int) -> None:
    """Check and audit an export (CSV, XLSX, API bulk read) of ``count`` records."""
    policy.check(actor, Action.EXPORT, resource)
    audit.record(actor, "export", object_type=resource, message=f"{description} ({count} records)")
