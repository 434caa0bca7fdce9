"""Document control (文書管理): documents, drafted versions, approval by the right role, withdrawal.

Policies (個人情報保護方針) are approved by top management — the standard has the top set them; internal rules,
procedures and forms by the protection manager. Approved versions are never changed: a change is a new version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.accounts.roles import Role
from mamori.audit import services as audit
from mamori.core import actions
from mamori.pms.models import POLICY_KINDS, Document, DocumentKind, DocumentVersion

RESOURCE = "pms_document"
DOCUMENT_FIELDS = ("number", "title", "kind", "owner")
VERSION_FIELDS = ("version", "summary", "reference", "effective_from", "published_on")


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def oversees(actor: Actor) -> bool:
    """Who keeps, approves or audits documents reads drafts and withdrawn ones too (top management must find the
    policy awaiting its approval, the internal auditor audits document control); staff read what is in force."""
    return any(policy.can(actor, action, RESOURCE) for action in (Action.CHANGE, Action.APPROVE, Action.EXPORT))


def approver_role(kind: str) -> Role:
    return Role.TOP_MANAGEMENT if kind in POLICY_KINDS else Role.PROTECTION_MANAGER


def create_document(actor: Actor, data: Mapping[str, Any]) -> Document:
    return actions.create_record(actor, RESOURCE, Document, {n: data[n] for n in DOCUMENT_FIELDS if n in data})


def update_document(actor: Actor, document: Document, data: Mapping[str, Any]) -> Document:
    if document.withdrawn_at is not None:
        raise ValidationError(_("A withdrawn document can no longer be changed."))
    return actions.update_record(actor, RESOURCE, document, {n: data[n] for n in DOCUMENT_FIELDS if n in data})


def draft_version(actor: Actor, document: Document, data: Mapping[str, Any]) -> DocumentVersion:
    policy.check(actor, Action.CHANGE, RESOURCE, document)
    if document.withdrawn_at is not None:
        raise ValidationError(_("A withdrawn document can no longer be changed."))
    with transaction.atomic():
        version = DocumentVersion(
            document=document, created_by=_user(actor), **{n: data[n] for n in VERSION_FIELDS if n in data}
        )
        version.full_clean()
        version.save()
        audit.record_create(actor, version)
    return version


def approve_version(actor: Actor, version: DocumentVersion) -> DocumentVersion:
    """Approve a drafted version; only the role the document's kind names may (policies: top management)."""
    document = version.document
    policy.check(actor, Action.APPROVE, RESOURCE, document)
    if getattr(actor, "role", None) != approver_role(document.kind) and getattr(actor, "pk", None) is not None:
        raise PermissionDenied(
            _("Only %(role)s approves a %(kind)s.")
            % {"role": Role(approver_role(document.kind)).label, "kind": DocumentKind(document.kind).label}
        )
    if version.approved_at is not None:
        raise ValidationError(_("This version is already approved."))
    if document.kind == DocumentKind.EXTERNAL_POLICY and version.published_on is None:
        raise ValidationError({"published_on": _("An external policy is approved with the date it is published.")})
    with transaction.atomic():
        before = audit.snapshot(version)
        version.approved_by, version.approved_at = _user(actor), timezone.now()
        if version.effective_from is None:
            version.effective_from = timezone.localdate()
        version.save()
        audit.record(actor, "pms_document_approved", version, changes=audit.diff(before, audit.snapshot(version)))
    return version


def withdraw_document(actor: Actor, document: Document, reason: str) -> Document:
    policy.check(actor, Action.CHANGE, RESOURCE, document)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the document is withdrawn.")})
    with transaction.atomic():
        before = audit.snapshot(document)
        document.withdrawn_at, document.withdraw_reason = timezone.now(), reason.strip()
        document.save(update_fields=["withdrawn_at", "withdraw_reason"])
        audit.record_update(actor, document, before, message=reason.strip())
    return document


def overdue_versions(today: dt.date) -> int:
    """Drafts waiting for approval for more than 30 days (shown on the document list)."""
    return DocumentVersion.objects.filter(
        approved_at__isnull=True, created_at__date__lt=today - dt.timedelta(days=30)
    ).count()
