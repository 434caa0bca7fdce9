"""Internal audit actions (内部監査): plan, checklist from the requirements catalogue, results, report, and the
nonconformities the protection manager raises from the findings.

The internal audit manager audits and reports; the protection manager takes the corrective action and closes it —
so the person who found a nonconformity never approves its closure (JIS Q 15001 keeps the two apart).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.accounts.roles import Role
from mamori.audit import services as audit
from mamori.pms.models import AuditItem, AuditPlan, AuditPlanStatus, AuditResult, Control, ControlStatus
from mamori.risk import services as risk_services
from mamori.risk.models import Nonconformity, NonconformitySource

RESOURCE = "internal_audit"
# findings first, then what conforms, then what is still unchecked: the order results are counted in on every page
RESULT_ORDER = (AuditResult.NONCONFORMITY, AuditResult.OBSERVATION, AuditResult.CONFORMS, AuditResult.NOT_CHECKED)
PLAN_FIELDS = ("title", "fiscal_year", "scope", "planned_from", "planned_to", "lead_auditor")


def _check_plan(data: Mapping[str, Any]) -> None:
    auditor = data.get("lead_auditor")
    if auditor is not None and (not auditor.is_active or auditor.role != Role.AUDIT_MANAGER):
        raise ValidationError({"lead_auditor": _("The lead auditor must be an active internal audit manager.")})
    start, end = data.get("planned_from"), data.get("planned_to")
    if start and end and end < start:
        raise ValidationError({"planned_to": _("The end date is before the start date.")})


def create_plan(actor: Actor, data: Mapping[str, Any]) -> AuditPlan:
    """Plan an audit and generate its checklist: one line per applicable requirement of the catalogue."""
    policy.check(actor, Action.ADD, RESOURCE)
    _check_plan(data)
    with transaction.atomic():
        plan = AuditPlan(**{name: data[name] for name in PLAN_FIELDS if name in data})
        plan.full_clean()
        plan.save()
        controls = Control.objects.filter(retired_at__isnull=True).exclude(status=ControlStatus.NOT_APPLICABLE)
        AuditItem.objects.bulk_create([AuditItem(plan=plan, control=c) for c in controls])
        audit.record_create(actor, plan, message=f"{len(controls)} checklist items")
    return plan


def update_plan(actor: Actor, plan: AuditPlan, data: Mapping[str, Any]) -> AuditPlan:
    policy.check(actor, Action.CHANGE, RESOURCE, plan)
    if plan.status == AuditPlanStatus.REPORTED:
        raise ValidationError(_("A reported audit can no longer be changed."))
    _check_plan(data)
    with transaction.atomic():
        before = audit.snapshot(plan)
        for name in PLAN_FIELDS:
            if name in data:
                setattr(plan, name, data[name])
        plan.full_clean()
        plan.save()
        audit.record_update(actor, plan, before)
    return plan


def record_result(actor: Actor, item: AuditItem, result: str, observed: str, evidence_ref: str = "") -> AuditItem:
    """Record what the auditor checked on one requirement. A nonconformity or observation needs what was seen."""
    policy.check(actor, Action.CHANGE, RESOURCE, item.plan)
    if item.plan.status == AuditPlanStatus.REPORTED:
        raise ValidationError(_("A reported audit can no longer be changed."))
    if result in (AuditResult.NONCONFORMITY, AuditResult.OBSERVATION) and not observed.strip():
        raise ValidationError({"observed": _("Describe what was seen: a finding needs its facts.")})
    with transaction.atomic():
        before = audit.snapshot(item)
        item.result, item.observed, item.evidence_ref = result, observed.strip(), evidence_ref.strip()
        item.checked_by = actor if getattr(actor, "pk", None) else None
        item.checked_at = timezone.now()
        item.full_clean()
        item.save()
        if item.plan.status == AuditPlanStatus.PLANNED:
            AuditPlan.objects.filter(pk=item.plan_id).update(status=AuditPlanStatus.IN_PROGRESS)
        audit.record_update(actor, item, before)
    return item


def report(actor: Actor, plan: AuditPlan, summary: str) -> AuditPlan:
    """Close the audit with its report; every checklist line must have a result first."""
    policy.check(actor, Action.CHANGE, RESOURCE, plan)
    if plan.status == AuditPlanStatus.REPORTED:
        raise ValidationError(_("This audit is already reported."))
    if not summary.strip():
        raise ValidationError({"report": _("Write the summary of the audit report.")})
    unchecked = plan.items.filter(result=AuditResult.NOT_CHECKED).count()
    if unchecked:
        raise ValidationError(
            _("%(count)d checklist items have no result yet; record them before reporting.") % {"count": unchecked}
        )
    with transaction.atomic():
        before = audit.snapshot(plan)
        plan.status, plan.report, plan.reported_at = AuditPlanStatus.REPORTED, summary.strip(), timezone.now()
        plan.save(update_fields=["status", "report", "reported_at"])
        audit.record_update(actor, plan, before)
    return plan


def raise_nonconformity(actor: Actor, item: AuditItem) -> Nonconformity:
    """Open the corrective-action record for an audit finding (the protection manager's step); a second press
    returns the record already raised."""
    policy.check(actor, Action.VIEW, RESOURCE, item.plan)
    policy.check(actor, Action.ADD, risk_services.NONCONFORMITY_RESOURCE)
    if item.result != AuditResult.NONCONFORMITY:
        raise ValidationError(_("Only a nonconformity found by the audit opens a corrective-action record."))
    with transaction.atomic():
        item = AuditItem.objects.select_for_update().select_related("plan", "control").get(pk=item.pk)
        if item.nonconformity is not None:
            return item.nonconformity
        control = item.control
        found = risk_services.create_nonconformity(
            actor,
            title=f"{item.plan.fiscal_year}年度 内部監査: {control.code or control.group} {control.title_ja}"[:200],
            description=item.observed,
            source=NonconformitySource.AUDIT,
            evidence_ref=f"internal-audit:{item.plan_id}/item:{item.pk}",
            evidence={"internal_audit": item.plan_id, "checklist_item": item.pk, "requirement": control.key},
        )
        item.nonconformity = found
        item.save(update_fields=["nonconformity"])
    return found
