"""Generic record actions: permission check, change and audit entry in one transaction.

Domain services (``<app>/services.py``) build on these, adding their own rules, so that every state
change is one function called alike by views, the API, the CLI and background jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models, transaction

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


def record_export(actor: Actor, resource: str, description: str, count: int) -> None:
    """Check and audit an export (CSV, XLSX, API bulk read) of ``count`` records."""
    policy.check(actor, Action.EXPORT, resource)
    audit.record(actor, "export", object_type=resource, message=f"{description} ({count} records)")
