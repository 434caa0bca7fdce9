"""Requests (開示等の請求) and complaints (苦情・相談): recorded, checked, answered — every step audited.

APPI asks for an answer "without delay" (遅滞なく) and gives no number of days; the company's own rule sets the due
date, ``MAMORI_REQUEST_DUE_DAYS`` (14 by default) after receipt. A request is answered only after the requester's
identity (or the agent's authority) was checked, and a refusal must carry its reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.pms.models import Complaint, ComplaintStatus, RequestStatus, SubjectRequest
from mamori.risk.models import Nonconformity

REQUEST = "subject_request"
COMPLAINT = "complaint"
REQUEST_FIELDS = (
    "kind",
    "received_on",
    "channel",
    "requester_name",
    "requester_contact",
    "by_agent",
    "details",
    "ledger_entry",
)
COMPLAINT_FIELDS = ("kind", "received_on", "channel", "summary", "contact", "case")


def due_days() -> int:
    """Days from receipt to the company's own answer date (MAMORI_REQUEST_DUE_DAYS, default 14)."""
    return int(getattr(settings, "MAMORI_REQUEST_DUE_DAYS", 14))


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def _next_reference(model: type[Model], prefix: str, day: dt.date) -> str:
    stem = f"{prefix}-{day.year}-"
    count = model.objects.filter(reference__startswith=stem).count()  # type: ignore[attr-defined]
    return f"{stem}{count + 1:03d}"


def _not_future(day: dt.date | None, field: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


def record_request(actor: Actor, data: Mapping[str, Any]) -> SubjectRequest:
    policy.check(actor, Action.ADD, REQUEST)
    _not_future(data.get("received_on"), "received_on")
    with transaction.atomic():
        item = SubjectRequest(**{name: data[name] for name in REQUEST_FIELDS if name in data})
        item.reference = _next_reference(SubjectRequest, "REQ", item.received_on)
        item.due_date = item.received_on + dt.timedelta(days=due_days())
        item.created_by = _user(actor)
        item.full_clean()
        item.save()
        audit.record_create(actor, item)
    return item


def check_identity(actor: Actor, item: SubjectRequest, method: str) -> SubjectRequest:
    """Record how the requester's identity (本人確認) or the agent's authority was checked."""
    policy.check(actor, Action.CHANGE, REQUEST, item)
    _refuse_if_closed(item)
    if not method.strip():
        raise ValidationError(
            {"identity_method": _("Say how identity was checked (e.g. a copy of a driving licence).")}
        )
    with transaction.atomic():
        before = audit.snapshot(item)
        item.identity_method, item.identity_checked_at, item.identity_checked_by = (
            method.strip(),
            timezone.now(),
            _user(actor),
        )
        if item.status == RequestStatus.RECEIVED:
            item.status = RequestStatus.IN_PROGRESS
        item.save()
        audit.record_update(actor, item, before)
    return item


def answer_request(
    actor: Actor, item: SubjectRequest, status: str, answered_on: dt.date, answer: str
) -> SubjectRequest:
    """Close a request: responded, refused (with reasons) or withdrawn."""
    policy.check(actor, Action.CHANGE, REQUEST, item)
    _refuse_if_closed(item)
    if status not in (RequestStatus.RESPONDED, RequestStatus.REFUSED, RequestStatus.WITHDRAWN):
        raise ValidationError({"status": _("Choose how the request ended.")})
    if status != RequestStatus.WITHDRAWN and item.identity_checked_at is None:
        raise ValidationError(_("Check the requester's identity before answering."))
    if status == RequestStatus.REFUSED and not answer.strip():
        raise ValidationError({"answer": _("A refusal must tell the person the reasons.")})
    _not_future(answered_on, "answered_on")
    if answered_on < item.received_on:
        raise ValidationError({"answered_on": _("The answer cannot be dated before the request was received.")})
    with transaction.atomic():
        before = audit.snapshot(item)
        item.status, item.answered_on, item.answer, item.handled_by = status, answered_on, answer.strip(), _user(actor)
        item.save()
        audit.record_update(actor, item, before)
    return item


def _refuse_if_closed(item: SubjectRequest) -> None:
    if item.closed:
        raise ValidationError(_("This request is closed."))


def read_request(actor: Actor, item: SubjectRequest) -> None:
    """Audit the opening of a request: it holds the requester's name and contact."""
    policy.check(actor, Action.VIEW, REQUEST, item)
    audit.record(actor, "pms_request_viewed", item)


def record_complaint(actor: Actor, data: Mapping[str, Any]) -> Complaint:
    policy.check(actor, Action.ADD, COMPLAINT)
    _not_future(data.get("received_on"), "received_on")
    with transaction.atomic():
        item = Complaint(**{name: data[name] for name in COMPLAINT_FIELDS if name in data})
        item.reference = _next_reference(Complaint, "CMP", item.received_on)
        item.created_by = _user(actor)
        item.full_clean()
        item.save()
        audit.record_create(actor, item)
    return item


def handle_complaint(actor: Actor, item: Complaint, handling: str, close: bool, closed_on: dt.date | None) -> Complaint:
    policy.check(actor, Action.CHANGE, COMPLAINT, item)
    if item.status == ComplaintStatus.CLOSED:
        raise ValidationError(_("This complaint is closed."))
    if not handling.strip():
        raise ValidationError({"handling": _("Describe what was done.")})
    if close and closed_on is None:
        raise ValidationError({"closed_on": _("Give the date it was closed.")})
    _not_future(closed_on, "closed_on")
    with transaction.atomic():
        before = audit.snapshot(item)
        item.handling, item.handled_by = handling.strip(), _user(actor)
        item.status = ComplaintStatus.CLOSED if close else ComplaintStatus.HANDLING
        item.closed_on = closed_on if close else None
        item.save()
        audit.record_update(actor, item, before)
    return item


def read_complaint(actor: Actor, item: Complaint) -> None:
    policy.check(actor, Action.VIEW, COMPLAINT, item)
    audit.record(actor, "pms_complaint_viewed", item)


def raise_nonconformity(actor: Actor, item: Complaint) -> Nonconformity:
    """Open a corrective action for what a complaint revealed (the protection manager's step); a second press
    returns the one already opened."""
    from mamori.risk import services as risk_services
    from mamori.risk.models import NonconformitySource

    policy.check(actor, Action.VIEW, COMPLAINT, item)
    policy.check(actor, Action.ADD, risk_services.NONCONFORMITY_RESOURCE)
    with transaction.atomic():
        item = Complaint.objects.select_for_update().get(pk=item.pk)
        if item.nonconformity is not None:
            return item.nonconformity
        found = risk_services.create_nonconformity(
            actor,
            title=f"苦情・相談 {item.reference}"[:200],
            # the complaint's text may name the person: the nonconformity points at it instead of copying it
            description=f"{item.reference} ({item.get_kind_display()}, {item.received_on:%Y-%m-%d})",
            source=NonconformitySource.COMPLAINT,
            evidence_ref=f"complaint:{item.pk}",
            evidence={"complaint": item.pk},
        )
        item.nonconformity = found
        item.save(update_fields=["nonconformity"])
    return found
