"""Only the personal-information protection manager accepts a residual risk; above the tolerance the
acceptance needs a reason, and a refused acceptance stores nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.audit.models import AuditEntry
from mamori.risk import services
from mamori.risk.models import RiskStatus

pytestmark = pytest.mark.django_db


def test_the_manager_accepts_a_risk_within_tolerance_without_a_reason(make_risk, manager):
    # given residual 1 × 2 = 2, at the tolerance
    risk = make_risk(likelihood=3, impact=3, residual_likelihood=1, residual_impact=2)
    # when
    services.accept_risk(manager, risk)
    # then
    risk.refresh_from_db()
    assert (risk.status, risk.accepted_by, risk.acceptance_reason) == (RiskStatus.ACCEPTED, manager, "")
    assert risk.accepted_at is not None
    entry = AuditEntry.objects.get(action="accept", object_type="risk.risk")
    assert entry.actor_username == "manager" and "residual score 2" in entry.message


@pytest.mark.parametrize("role", ["president", "auditor", "staff"])
def test_other_roles_may_not_accept(request, make_risk, role):
    # given
    risk = make_risk(likelihood=1, impact=1)
    user = request.getfixturevalue(role)
    # when / then
    with pytest.raises(PermissionDenied):
        services.accept_risk(user, risk, "ok")
    risk.refresh_from_db()
    assert risk.accepted_at is None


def test_accepting_above_tolerance_without_a_reason_is_refused(make_risk, manager):
    # given residual 3 × 3 = 9 > tolerance 2
    risk = make_risk(likelihood=3, impact=3)
    # when / then
    with pytest.raises(ValidationError) as error:
        services.accept_risk(manager, risk, "   ")
    assert "reason" in error.value.message_dict
    risk.refresh_from_db()
    assert risk.accepted_at is None and risk.status == RiskStatus.OPEN
    assert not AuditEntry.objects.filter(action="accept").exists()


def test_accepting_above_tolerance_with_a_reason_is_recorded(make_risk, manager):
    risk = make_risk(likelihood=3, impact=3)
    services.accept_risk(manager, risk, "Replacement system goes live next quarter.")
    risk.refresh_from_db()
    assert risk.acceptance_reason == "Replacement system goes live next quarter."


def test_an_unassessed_risk_cannot_be_accepted(make_risk, manager):
    risk = make_risk()
    with pytest.raises(ValidationError):
        services.accept_risk(manager, risk, "reason")


def test_changing_the_scores_after_acceptance_withdraws_it(make_risk, manager):
    # given
    risk = make_risk(likelihood=1, impact=1)
    services.accept_risk(manager, risk)
    # when
    services.update_risk(manager, risk, {"residual_likelihood": 3, "residual_impact": 3})
    # then
    risk.refresh_from_db()
    assert risk.accepted_at is None and risk.status == RiskStatus.OPEN


def test_the_accepted_status_cannot_be_set_by_editing(make_risk, manager):
    risk = make_risk(likelihood=1, impact=1)
    with pytest.raises(ValidationError) as error:
        services.update_risk(manager, risk, {"status": RiskStatus.ACCEPTED})
    assert "status" in error.value.message_dict


def test_the_accept_page_refuses_a_missing_reason_with_a_field_error(client_for, make_risk, manager):
    # given
    risk = make_risk(likelihood=3, impact=2)
    # when
    response = client_for(manager).post(f"/risk/{risk.pk}/accept/", {"reason": ""})
    # then
    assert response.status_code == 400
    assert "reason" in response.context["accept_form"].errors
    assert "error-summary" in response.content.decode()
    risk.refresh_from_db()
    assert risk.accepted_at is None


def test_the_accept_page_accepts_with_a_reason(client_for, make_risk, manager):
    risk = make_risk(likelihood=3, impact=2)
    response = client_for(manager).post(f"/risk/{risk.pk}/accept/", {"reason": "承認済みの移行計画あり"})
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.accepted_by == manager


@pytest.mark.parametrize(("role", "status"), [("president", 403), ("auditor", 403), ("staff", 403)])
def test_the_accept_page_refuses_other_roles(request, client_for, make_risk, role, status):
    risk = make_risk(likelihood=1, impact=1)
    response = client_for(request.getfixturevalue(role)).post(f"/risk/{risk.pk}/accept/", {"reason": "x"})
    assert response.status_code == status
    risk.refresh_from_db()
    assert risk.accepted_at is None


def test_the_api_refuses_acceptance_above_tolerance_without_reason_with_a_field_error(client_for, make_risk, manager):
    # given
    risk = make_risk(likelihood=3, impact=3)
    # when
    response = client_for(manager).post(f"/api/v1/risks/{risk.pk}/accept/", {}, content_type="application/json")
    # then
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    risk.refresh_from_db()
    assert risk.accepted_at is None


def test_the_api_accepts_with_a_reason(client_for, make_risk, manager):
    risk = make_risk(likelihood=3, impact=3)
    response = client_for(manager).post(
        f"/api/v1/risks/{risk.pk}/accept/", {"reason": "compensating controls"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"


def test_the_api_refuses_acceptance_by_the_auditor(client_for, make_risk, auditor):
    risk = make_risk(likelihood=1, impact=1)
    response = client_for(auditor).post(f"/api/v1/risks/{risk.pk}/accept/", {}, content_type="application/json")
    assert response.status_code == 403
