"""The manager works through the requirements: owner, status, evidence; everything is audited."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from mamori.audit.models import AuditEntry
from mamori.pms.models import Control, ControlEvidence, ControlStatus


@pytest.mark.django_db
def test_the_manager_assigns_an_owner_and_marks_a_requirement_implemented(client_for, manager, staff) -> None:
    # given
    control = Control.objects.get(key="awareness")
    client = client_for(manager)
    # when
    response = client.post(
        f"/pms/requirements/{control.pk}/edit/", {"owner": staff.pk, "status": "implemented", "note": "年2回実施"}
    )
    # then
    assert response.status_code == 302
    control.refresh_from_db()
    assert (control.owner, control.status, control.updated_by) == (staff, ControlStatus.IMPLEMENTED, manager)
    entry = AuditEntry.objects.filter(object_type="pms.control", object_id=str(control.pk)).latest("pk")
    assert entry.action == "update" and "status" in entry.changes


@pytest.mark.django_db
def test_an_inactive_owner_is_refused_with_a_message_on_the_field(client_for, manager, staff) -> None:
    staff.is_active = False
    staff.save()
    control = Control.objects.get(key="awareness")
    response = client_for(manager).post(
        f"/pms/requirements/{control.pk}/edit/", {"owner": staff.pk, "status": "implemented"}
    )
    assert response.status_code == 400
    control.refresh_from_db()
    assert control.owner is None


@pytest.mark.django_db
def test_evidence_is_linked_and_archived_with_a_reason_never_deleted(client_for, manager) -> None:
    # given
    control = Control.objects.get(key="internal-rules")
    client = client_for(manager)
    # when the manager links the internal rules and later replaces them
    client.post(
        f"/pms/requirements/{control.pk}/evidence/", {"label": "個人情報保護規程 第2版", "reference": "規程-002"}
    )
    evidence = ControlEvidence.objects.get(control=control)
    refused = client.post(f"/pms/requirements/evidence/{evidence.pk}/archive/", {"reason": ""})
    archived = client.post(f"/pms/requirements/evidence/{evidence.pk}/archive/", {"reason": "第3版に改訂"})
    # then a reason is required, the record stays, and the page lists it as archived
    assert refused.status_code == 400 and archived.status_code == 302
    evidence.refresh_from_db()
    assert evidence.archived_at is not None and evidence.archive_reason == "第3版に改訂"
    page = client.get(f"/pms/requirements/{control.pk}/").content.decode()
    assert "個人情報保護規程 第2版" in page and "第3版に改訂" in page


@pytest.mark.django_db
def test_the_readiness_page_and_both_exports_say_the_same(client_for, manager, president) -> None:
    # given two requirements implemented, one with an owner, and one gap with an owner
    Control.objects.update(evidence_sources=[])
    Control.objects.filter(key__in=["policy", "scope"]).update(status=ControlStatus.IMPLEMENTED)
    Control.objects.filter(key="internal-audit").update(owner=manager, status=ControlStatus.IN_PROGRESS)
    total = Control.objects.count()
    percent = round(100 * 2 / total)
    client = client_for(president)
    # when top management opens the readiness page and downloads both exports
    page = client.get("/pms/readiness/").content.decode()
    sheet = load_workbook(io.BytesIO(client.get("/pms/readiness.xlsx").content))
    pdf = client.get("/pms/readiness.pdf")
    # then each shows the same percentage and lists the same gaps
    assert f"{percent}%" in page
    assert f"準備度 {percent}%" in sheet["要求事項ごとの状況"]["A2"].value
    gaps = [row[1] for row in sheet["ギャップ一覧"].iter_rows(min_row=2, values_only=True)]
    assert len(gaps) == total - 2 and "内部監査" in gaps
    chapters = {row[0] for row in sheet["要求事項ごとの状況"].iter_rows(min_row=5, values_only=True) if row[0]}
    assert "J.1 組織の状況" in chapters  # the chapter column names the chapter, as the page does
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"{percent}%" in text and "内部監査" in text
    # and each download is audited
    assert AuditEntry.objects.filter(action="export", object_type="pms.control").count() == 2


@pytest.mark.django_db
def test_the_api_reads_requirements_and_changes_only_the_companys_fields(client_for, manager) -> None:
    control = Control.objects.get(key="complaints")
    client = client_for(manager)
    changed = client.patch(
        f"/api/v1/controls/{control.pk}/", {"status": "implemented", "title_ja": "x"}, content_type="application/json"
    )
    assert changed.status_code == 200
    control.refresh_from_db()
    assert control.status == "implemented" and control.title_ja == "苦情及び相談への対応"
    summary = client.get("/api/v1/controls/readiness/").json()
    assert summary["ready"] == 1 and control.pk not in summary["gaps"]
