"""Internal audit: the checklist comes from the requirements; the auditor reports; the manager opens the corrective
action — the auditor cannot close its own finding."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.pms import services_audits as audits
from mamori.pms.models import AuditPlanStatus, AuditResult, Control, ControlStatus
from mamori.risk.models import NonconformitySource
from tests.pms.helpers import planned_audit


@pytest.mark.django_db
def test_the_checklist_holds_every_applicable_requirement(auditor) -> None:
    # given one requirement is not applicable to this company
    Control.objects.filter(key="anonymised").update(status=ControlStatus.NOT_APPLICABLE)
    # when the auditor plans the audit
    plan = planned_audit(auditor)
    # then every other requirement is a checklist line
    assert plan.items.count() == Control.objects.count() - 1
    assert not plan.items.filter(control__key="anonymised").exists()


@pytest.mark.django_db
def test_only_an_audit_manager_leads_an_audit(auditor, manager) -> None:
    with pytest.raises(ValidationError) as error:
        planned_audit(auditor, lead_auditor=manager)
    assert "lead_auditor" in error.value.message_dict


@pytest.mark.django_db
def test_a_finding_needs_its_facts_and_the_report_needs_every_line(auditor) -> None:
    plan = planned_audit(auditor)
    item = plan.items.first()
    with pytest.raises(ValidationError):
        audits.record_result(auditor, item, AuditResult.NONCONFORMITY, "  ")
    audits.record_result(auditor, item, AuditResult.CONFORMS, "")
    with pytest.raises(ValidationError, match="no result yet"):
        audits.report(auditor, plan, "概ね適合")
    plan.items.exclude(pk=item.pk).update(result=AuditResult.CONFORMS)
    audits.report(auditor, plan, "概ね適合")
    plan.refresh_from_db()
    assert plan.status == AuditPlanStatus.REPORTED
    with pytest.raises(ValidationError):
        audits.record_result(auditor, item, AuditResult.OBSERVATION, "後から変更")


@pytest.mark.django_db
def test_the_manager_opens_the_corrective_action_once_and_the_auditor_cannot(auditor, manager) -> None:
    # given the auditor found a nonconformity
    plan = planned_audit(auditor)
    item = plan.items.get(control__key="awareness")
    audits.record_result(auditor, item, AuditResult.NONCONFORMITY, "教育記録が3名分ない", "教育記録簿")
    # when the auditor tries to open the corrective action
    with pytest.raises(PermissionDenied):
        audits.raise_nonconformity(auditor, item)
    # and the manager opens it twice
    first = audits.raise_nonconformity(manager, item)
    second = audits.raise_nonconformity(manager, item)
    # then there is one nonconformity, from the internal audit, pointing back at the line
    assert first == second
    assert first.source == NonconformitySource.AUDIT
    assert first.evidence["checklist_item"] == item.pk
    assert "教育記録が3名分ない" in first.description


@pytest.mark.django_db
def test_the_corrective_action_links_back_to_the_audit(client_for, auditor, manager) -> None:
    plan = planned_audit(auditor)
    item = plan.items.get(control__key="awareness")
    audits.record_result(auditor, item, AuditResult.NONCONFORMITY, "教育記録がない")
    found = audits.raise_nonconformity(manager, item)
    page = client_for(manager).get(f"/risk/nonconformities/{found.pk}/").content.decode()
    assert f'href="/pms/audits/{plan.pk}/"' in page
