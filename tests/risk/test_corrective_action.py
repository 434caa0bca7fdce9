"""Corrective action (是正処置): cause, action, then the effectiveness check and closure by the protection manager —
never by whoever found the nonconformity, and never by editing the status."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.risk import services
from mamori.risk.models import NonconformityStatus


@pytest.fixture
def finding(db):
    return services.create_nonconformity(SYSTEM, title="教育記録の不足", source="audit")


@pytest.mark.django_db
def test_closing_needs_the_cause_the_action_and_the_effectiveness_check(manager, finding) -> None:
    # given only a title
    with pytest.raises(ValidationError) as error:
        services.close_nonconformity(manager, finding, "次回の監査で記録を確認した")
    assert "原因" in str(error.value) or "cause" in str(error.value)
    # when the cause and action are recorded, the effectiveness text is still required
    services.update_nonconformity(
        manager, finding, {"cause": "教育の記録様式がなかった", "corrective_action": "様式を作り全員分を記録"}
    )
    with pytest.raises(ValidationError):
        services.close_nonconformity(manager, finding, "  ")
    # then with it the manager closes, and the trail says so
    services.close_nonconformity(manager, finding, "翌月の内部監査で全員分の記録を確認")
    finding.refresh_from_db()
    assert finding.status == NonconformityStatus.CLOSED and finding.closed_by == manager
    assert AuditEntry.objects.filter(action="nonconformity_closed", object_id=str(finding.pk)).exists()


@pytest.mark.django_db
def test_the_auditor_cannot_close_and_nobody_closes_by_editing_the_status(manager, auditor, finding) -> None:
    services.update_nonconformity(manager, finding, {"cause": "x", "corrective_action": "y"})
    with pytest.raises(PermissionDenied):
        services.close_nonconformity(auditor, finding, "確認した")
    with pytest.raises(ValidationError):
        services.update_nonconformity(manager, finding, {"status": NonconformityStatus.CLOSED})


@pytest.mark.django_db
def test_a_closed_nonconformity_no_longer_changes(manager, finding) -> None:
    services.update_nonconformity(manager, finding, {"cause": "x", "corrective_action": "y"})
    services.close_nonconformity(manager, finding, "確認した")
    with pytest.raises(ValidationError):
        services.update_nonconformity(manager, finding, {"title": "書き換え"})
    with pytest.raises(ValidationError):
        services.close_nonconformity(manager, finding, "もう一度")


@pytest.mark.django_db
def test_the_page_offers_the_close_form_to_the_manager_only(client_for, manager, auditor, finding) -> None:
    assert "effectiveness" in client_for(manager).get(f"/risk/nonconformities/{finding.pk}/").content.decode()
    assert "effectiveness" not in client_for(auditor).get(f"/risk/nonconformities/{finding.pk}/").content.decode()
