"""Management review actions (マネジメントレビュー): the protection manager gathers the inputs for the period and
writes the minutes; top management approves.

The inputs JIS Q 15001 asks for are gathered from Mamori's records into a snapshot (numbers and short texts only —
never personal data), so the approved minutes show what the review saw even after the records change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from mamori.accounts import policy
from mamori.accounts.policy import SYSTEM, Action, Actor
from mamori.audit import services as audit
from mamori.pms import readiness
from mamori.pms.models import AuditItem, AuditPlan, Course, ManagementReview, ReviewStatus, TrainingRecord
from mamori.pms.services_training import workers

RESOURCE = "management_review"
EDITABLE = ("held_on", "minutes", "decisions")
LABELS = {"held_on": _l("held on"), "minutes": _l("minutes"), "decisions": _l("decisions and instructions")}


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def create_review(actor: Actor, period_from: dt.date, period_to: dt.date) -> ManagementReview:
    policy.check(actor, Action.ADD, RESOURCE)
    if period_to < period_from:
        raise ValidationError({"period_to": _("The end date is before the start date.")})
    with transaction.atomic():
        review = ManagementReview.objects.create(period_from=period_from, period_to=period_to, created_by=_user(actor))
        review.inputs, review.inputs_gathered_at = gather(period_from, period_to), timezone.now()
        review.save(update_fields=["inputs", "inputs_gathered_at"])
        audit.record_create(actor, review)
    return review


def regather(actor: Actor, review: ManagementReview) -> ManagementReview:
    """Refresh the inputs of a draft (e.g. on the morning of the meeting)."""
    policy.check(actor, Action.CHANGE, RESOURCE, review)
    _refuse_if_approved(review)
    with transaction.atomic():
        review.inputs, review.inputs_gathered_at = gather(review.period_from, review.period_to), timezone.now()
        review.save(update_fields=["inputs", "inputs_gathered_at"])
        audit.record(actor, "pms_review_inputs_gathered", review)
    return review


def update_review(actor: Actor, review: ManagementReview, data: Mapping[str, Any]) -> ManagementReview:
    policy.check(actor, Action.CHANGE, RESOURCE, review)
    _refuse_if_approved(review)
    with transaction.atomic():
        before = audit.snapshot(review)
        for name in EDITABLE:
            if name in data:
                setattr(review, name, data[name])
        review.full_clean()
        review.save()
        audit.record_update(actor, review, before)
    return review


def approve(actor: Actor, review: ManagementReview) -> ManagementReview:
    """Top management's approval of the minutes and decisions; nothing changes after it."""
    policy.check(actor, Action.APPROVE, RESOURCE, review)
    _refuse_if_approved(review)
    missing = missing_for_approval(review)
    if missing:
        raise ValidationError(_("Fill in before approval: %(fields)s") % {"fields": "、".join(missing)})
    with transaction.atomic():
        before = audit.snapshot(review)
        review.status, review.approved_by, review.approved_at = ReviewStatus.APPROVED, _user(actor), timezone.now()
        review.save(update_fields=["status", "approved_by", "approved_at"])
        audit.record(actor, "pms_review_approved", review, changes=audit.diff(before, audit.snapshot(review)))
    return review


def missing_for_approval(review: ManagementReview) -> list[str]:
    """The labels of what the protection manager still has to fill in before top management can approve."""
    return [str(LABELS[n]) for n in EDITABLE if not getattr(review, n)]


def previous_review(review: ManagementReview) -> ManagementReview | None:
    """The last review approved before this one: its decisions are the first input of the next review (JIS Q 15001:
    the status of actions from previous management reviews)."""
    return (
        ManagementReview.objects.filter(status=ReviewStatus.APPROVED, period_to__lt=review.period_to)
        .exclude(pk=review.pk)
        .order_by("-period_to", "-pk")
        .first()
    )


def _refuse_if_approved(review: ManagementReview) -> None:
    if review.status == ReviewStatus.APPROVED:
        raise ValidationError(_("An approved management review can no longer be changed."))


def _in_period(field: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    return {f"{field}__date__gte": start, f"{field}__date__lte": end}


def gather(start: dt.date, end: dt.date) -> dict[str, Any]:
    """The review inputs for a period, as plain numbers and short texts."""
    from mamori.discovery.models import ScanFinding, ScanStatus
    from mamori.incidents.models import CaseStatus, IncidentCase
    from mamori.risk.models import Nonconformity, NonconformityStatus, Risk

    audits = [
        {
            "title": str(plan),
            "status": plan.status,
            "results": dict(
                AuditItem.objects.filter(plan=plan).values_list("result").annotate(n=Count("pk")).order_by()
            ),
        }
        for plan in AuditPlan.objects.filter(planned_from__lte=end, planned_to__gte=start)
    ]
    cases = IncidentCase.objects.filter(**_in_period("discovered_at", start, end))
    # a case found before the period and still handled is as much an input as one found in it
    still_open = IncidentCase.objects.exclude(status=CaseStatus.CLOSED).filter(archived_at__isnull=True)
    reviewed = (cases | still_open).distinct().order_by("discovered_at")
    ncs = Nonconformity.objects.filter(**_in_period("detected_at", start, end))
    courses = Course.objects.filter(due_date__gte=start, due_date__lte=end, archived_at__isnull=True)
    people = workers().count()
    training = [
        {
            "course": str(course),
            "passed": sum(1 for r in TrainingRecord.objects.filter(course=course).select_related("course") if r.passed),
            "workers": people,
        }
        for course in courses
    ]
    findings = ScanFinding.objects.filter(
        scan__status=ScanStatus.SUCCEEDED, **_in_period("scan__finished_at", start, end)
    )
    report = readiness.compute(end)
    contractor_warnings: int | None
    try:
        from mamori.contractors.services import warnings as supervision_warnings

        contractor_warnings = len(supervision_warnings(SYSTEM))
    except (ImportError, TypeError):
        contractor_warnings = None
    return {
        "audits": audits,
        "incidents": {
            "count": cases.count(),
            "open": still_open.count(),
            "titles": [f"{c.title} ({c.get_status_display()})" for c in reviewed[:20]],
        },
        "nonconformities": {
            "count": ncs.count(),
            "closed": ncs.filter(status=NonconformityStatus.CLOSED).count(),
            "overdue": Nonconformity.objects.exclude(status=NonconformityStatus.CLOSED)
            .filter(archived_at__isnull=True, due_date__lt=end)
            .count(),
        },
        "risks": {
            "changed": Risk.objects.filter(**_in_period("updated_at", start, end)).count(),
            "open": Risk.objects.filter(archived_at__isnull=True).exclude(status="closed").count(),
        },
        "training": training,
        "scans": {
            "findings": findings.count(),
            "prohibited": findings.filter(data_class="prohibited").count(),
        },
        "contractor_warnings": contractor_warnings,
        "readiness": {"percent": report.percent, "gaps": len(report.gaps)},
        "requests": _requests(start, end),
        "complaints": _complaints(start, end),
    }


def _requests(start: dt.date, end: dt.date) -> dict[str, Any]:
    from mamori.pms.models import CLOSED_REQUEST, SubjectRequest

    received = SubjectRequest.objects.filter(received_on__gte=start, received_on__lte=end)
    return {
        "count": received.count(),
        "by_kind": dict(received.values_list("kind").annotate(n=Count("pk")).order_by()),
        "late": received.exclude(status__in=CLOSED_REQUEST).filter(due_date__lt=end).count()
        + received.filter(answered_on__isnull=False).filter(answered_on__gt=F("due_date")).count(),
    }


def _complaints(start: dt.date, end: dt.date) -> dict[str, Any]:
    from mamori.pms.models import Complaint, ComplaintStatus

    received = Complaint.objects.filter(received_on__gte=start, received_on__lte=end)
    return {"count": received.count(), "open": received.exclude(status=ComplaintStatus.CLOSED).count()}
