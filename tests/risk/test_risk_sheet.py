"""Recording risks: pages and API create and edit through the services, the five stages are generated
for a ledger entry, and gaps and nonconformities are recorded with their evidence and audited."""

from __future__ import annotations

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.risk import services
from mamori.risk.models import Nonconformity, NonconformityStatus, Risk, SafetyMeasure, Stage

pytestmark = pytest.mark.django_db


def test_the_manager_records_a_risk_on_the_page(client_for, manager, customers, matrix):
    # given
    measures = SafetyMeasure.objects.filter(code__in=["10-5-2", "10-6-1"])
    # when
    response = client_for(manager).post(
        "/risk/new/",
        {
            "ledger_entry": customers.pk,
            "stage": "transfer",
            "threat": "misdelivery",
            "description": "FAXの誤送信",
            "likelihood": "2",
            "impact": "3",
            "existing_measures": [m.pk for m in measures],
            "related_rules": "FAX送信手順書",
            "residual_likelihood": "1",
            "residual_impact": "3",
            "treatment": "reduce",
            "owner": manager.pk,
            "due_date": "2027-01-31",
            "status": "treating",
        },
    )
    # then
    assert response.status_code == 302, response.context["form"].errors
    risk = Risk.objects.get()
    assert (risk.stage, risk.likelihood, risk.impact, risk.residual_impact) == ("transfer", 2, 3, 3)
    assert sorted(risk.existing_measures.values_list("code", flat=True)) == ["10-5-2", "10-6-1"]
    entry = AuditEntry.objects.get(action="create", object_type="risk.risk")
    assert entry.changes["existing_measures"] == [None, ["10-5-2", "10-6-1"]]


def test_editing_a_risk_is_audited_with_what_changed(client_for, manager, make_risk):
    # given
    risk = make_risk(likelihood=1, impact=1)
    # when
    response = client_for(manager).post(
        f"/risk/{risk.pk}/edit/",
        {
            "ledger_entry": risk.ledger_entry_id,
            "stage": "store",
            "threat": "leak",
            "likelihood": "3",
            "impact": "1",
            "status": "open",
        },
    )
    # then
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="update", object_type="risk.risk").get()
    assert entry.changes["likelihood"] == [1, 3]


def test_generating_the_five_stages_creates_one_row_per_stage_and_threat_and_keeps_existing(manager, customers):
    # given
    services.create_risk(
        manager, {"ledger_entry": customers, "stage": "store", "threat": "leak", "likelihood": 2, "impact": 2}
    )
    # when
    created = services.generate_stage_rows(manager, customers, ["leak", "loss"])
    # then
    assert len(created) == 9
    rows = Risk.objects.filter(ledger_entry=customers)
    assert rows.count() == 10
    assert set(rows.values_list("stage", flat=True)) == set(Stage.values)
    assert rows.get(stage="store", threat="leak").likelihood == 2
    assert AuditEntry.objects.filter(action="create", object_type="risk.risk").count() == 10


def test_the_generate_page_lists_the_new_rows(client_for, manager, customers):
    response = client_for(manager).post("/risk/generate/", {"ledger_entry": customers.pk, "threats": ["theft"]})
    assert response.status_code == 302
    assert response.url.endswith(f"?entry={customers.pk}")
    assert Risk.objects.filter(threat="theft").count() == 5


def test_a_gap_becomes_a_risk_linked_to_its_evidence_and_audited(customers, matrix):
    # when
    risk = services.create_risk_from_gap(
        SYSTEM, customers, Stage.STORE, "over_retention", "退職者データが保管期限を超えて残存", "scan:12/finding:345"
    )
    # then
    assert risk.evidence_ref == "scan:12/finding:345"
    assert risk.evidence == {"source": "reconciliation", "ref": "scan:12/finding:345"}
    entry = AuditEntry.objects.get(action="create", object_type="risk.risk", object_id=str(risk.pk))
    assert entry.actor_username == "system"


def test_a_gap_with_an_unknown_threat_is_refused(customers, matrix):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.create_risk_from_gap(SYSTEM, customers, "store", "no-such-threat", "", "scan:1")
    assert "threat" in error.value.message_dict
    assert not Risk.objects.exists()


def test_a_nonconformity_is_recorded_with_its_evidence_and_audited(manager):
    # when
    item = services.create_nonconformity(
        manager,
        title="台帳に記載のないカード番号を検出",
        source="reconciliation",
        evidence_ref="scan:12/finding:346",
        owner=manager,
    )
    # then
    assert (item.status, item.evidence) == (NonconformityStatus.OPEN, {"ref": "scan:12/finding:346"})
    entry = AuditEntry.objects.get(action="create", object_type="risk.nonconformity")
    assert entry.actor_username == "manager" and entry.changes["evidence_ref"] == [None, "scan:12/finding:346"]


def test_staff_may_not_record_a_nonconformity(staff):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.create_nonconformity(staff, title="x")
    assert not Nonconformity.objects.exists()


def test_the_nonconformity_pages_create_and_correct(client_for, manager):
    client = client_for(manager)
    response = client.post(
        "/risk/nonconformities/new/",
        {"title": "教育未受講者あり", "detected_at": "2026-11-20T10:00", "source": "audit", "status": "open"},
    )
    assert response.status_code == 302
    item = Nonconformity.objects.get()
    response = client.post(
        f"/risk/nonconformities/{item.pk}/edit/",
        {
            "title": item.title,
            "detected_at": "2026-11-20T10:00",
            "source": "audit",
            "status": "corrected",
            "corrective_action": "追加教育を実施",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "corrected"


def test_the_api_creates_a_risk_and_shows_its_scores(client_for, manager, customers, matrix):
    # when
    response = client_for(manager).post(
        "/api/v1/risks/",
        {
            "ledger_entry": customers.pk,
            "stage": "use",
            "threat": "misuse",
            "likelihood": 2,
            "impact": 3,
            "existing_measures": ["10-4-1"],
        },
        content_type="application/json",
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["inherent_score"] == {"likelihood": 2, "impact": 3, "score": 6, "band": "high"}
    assert body["needs_treatment"] is True and body["existing_measures"] == ["10-4-1"]
    assert AuditEntry.objects.filter(action="create", object_type="risk.risk", via="api").exists()
