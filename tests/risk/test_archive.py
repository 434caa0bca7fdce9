"""Risks and nonconformities are evidence of the PMS: archived with a reason on a confirmation page, audited,
hidden from the lists unless asked for, never deleted (not from a page, not through the API); their evidence
references are links back to the scan and finding."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus
from mamori.risk import services
from mamori.risk.models import Nonconformity, Risk

REASON = "Merged into the risk of the shop database after the yearly review."


@pytest.fixture
def nonconformity(db) -> Nonconformity:
    return services.create_nonconformity(SYSTEM, title="台帳にない顧客データを検出", source="reconciliation")


@pytest.fixture
def finding(db) -> ScanFinding:
    source = DataSource.objects.create(name="EC shop DB", kind="files", location="/srv/shop")
    now = timezone.now()
    scan = Scan.objects.create(source=source, status=ScanStatus.SUCCEEDED, started_at=now, finished_at=now)
    return ScanFinding.objects.create(
        scan=scan, type="email_address", path="a.txt", severity="low", data_class="personal", rows_matched=1
    )


def test_the_risk_page_links_to_a_confirmation_page_not_a_delete_button(make_risk, manager, client_for):
    risk = make_risk(likelihood=2, impact=2)
    page = client_for(manager).get(f"/risk/{risk.pk}/").content.decode()
    assert "/delete/" not in page
    assert f'href="/risk/{risk.pk}/archive/"' in page
    confirm = client_for(manager).get(f"/risk/{risk.pk}/archive/").content.decode()
    assert 'name="reason"' in confirm
    assert Risk.objects.get(pk=risk.pk).archived_at is None


def test_a_risk_is_archived_with_a_reason_and_leaves_the_sheet(make_risk, manager, client_for):
    risk = make_risk(likelihood=2, impact=2)
    client = client_for(manager)
    # when the manager confirms without a reason, then nothing changes
    assert client.post(f"/risk/{risk.pk}/archive/", {"reason": ""}).status_code == 400
    assert Risk.objects.get(pk=risk.pk).archived_at is None
    # when with a reason
    response = client.post(f"/risk/{risk.pk}/archive/", {"reason": REASON})
    # then it is archived, audited with the reason, gone from the sheet but readable and listed on request
    assert response.status_code == 302
    archived = Risk.objects.get(pk=risk.pk)
    assert archived.archived_at and archived.archive_reason == REASON and archived.archived_by == manager
    assert REASON in AuditEntry.objects.get(action="archive", object_id=str(risk.pk)).message
    assert f'href="/risk/{risk.pk}/"' not in client.get("/risk/").content.decode()
    assert f'href="/risk/{risk.pk}/"' in client.get("/risk/?archived=1").content.decode()
    detail = client.get(f"/risk/{risk.pk}/").content.decode()
    assert REASON in detail and f'href="/risk/{risk.pk}/edit/"' not in detail


def test_an_archived_risk_is_not_changed_any_more(make_risk, manager):
    risk = make_risk(likelihood=2, impact=2)
    services.archive_risk(manager, risk, REASON)
    with pytest.raises(ValidationError):
        services.update_risk(manager, Risk.objects.get(pk=risk.pk), {"description": "changed later"})


def test_a_nonconformity_is_archived_with_a_reason_and_leaves_the_list(nonconformity, manager, client_for):
    client = client_for(manager)
    page = client.get(f"/risk/nonconformities/{nonconformity.pk}/").content.decode()
    assert "/delete/" not in page and f'href="/risk/nonconformities/{nonconformity.pk}/archive/"' in page
    response = client.post(f"/risk/nonconformities/{nonconformity.pk}/archive/", {"reason": REASON})
    assert response.status_code == 302
    assert Nonconformity.objects.get(pk=nonconformity.pk).archive_reason == REASON
    assert AuditEntry.objects.filter(action="archive", object_id=str(nonconformity.pk)).exists()
    listed = f'href="/risk/nonconformities/{nonconformity.pk}/"'
    assert listed not in client.get("/risk/nonconformities/").content.decode()
    assert listed in client.get("/risk/nonconformities/?archived=1").content.decode()


def test_nobody_deletes_a_risk_or_nonconformity_through_the_api(make_risk, nonconformity, manager, client_for):
    risk = make_risk()
    client = client_for(manager)
    assert client.delete(f"/api/v1/risks/{risk.pk}/").status_code == 405
    assert client.delete(f"/api/v1/nonconformities/{nonconformity.pk}/").status_code == 405
    assert Risk.objects.filter(pk=risk.pk).exists() and Nonconformity.objects.filter(pk=nonconformity.pk).exists()


def test_the_old_delete_addresses_are_gone(make_risk, nonconformity, manager, client_for):
    risk = make_risk()
    assert client_for(manager).post(f"/risk/{risk.pk}/delete/").status_code == 404
    assert client_for(manager).post(f"/risk/nonconformities/{nonconformity.pk}/delete/").status_code == 404


def test_an_evidence_reference_is_a_link_to_the_finding(finding, manager, client_for, make_risk):
    # given a nonconformity and a risk that point at a finding
    ref = f"scan:{finding.scan_id}/finding:{finding.pk}"
    item = services.create_nonconformity(SYSTEM, title="x", evidence_ref=ref)
    risk = make_risk(evidence_ref=ref)
    for url in (f"/risk/nonconformities/{item.pk}/", f"/risk/{risk.pk}/"):
        # when its page is shown
        page = client_for(manager).get(url).content.decode()
        # then the reference is a link that leads to the finding on its scan page
        assert f'href="/discovery/evidence/?ref=scan%3A{finding.scan_id}%2Ffinding%3A{finding.pk}"' in page
    back = client_for(manager).get("/discovery/evidence/", {"ref": ref})
    assert back["Location"] == f"/discovery/scans/{finding.scan_id}/#finding-{finding.pk}"


def test_a_reference_that_is_no_scan_stays_text(manager, client_for):
    item = services.create_nonconformity(SYSTEM, title="x", evidence_ref="internal audit 2025-03")
    page = client_for(manager).get(f"/risk/nonconformities/{item.pk}/").content.decode()
    assert "internal audit 2025-03" in page and "/discovery/evidence/" not in page
