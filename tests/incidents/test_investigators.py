"""Outside investigators (外部調査員): invited to one case, they read it, its timeline and its evidence list,
change nothing, and see nothing once the invitation has ended; managers invite and end access on the case page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from mamori.audit.models import AuditEntry
from mamori.incidents import portal
from mamori.incidents.models import CaseAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(manager, server_case):
    from mamori.evidence.services import add_upload

    return add_upload(manager, server_case, io.BytesIO(b"GET /admin.php 200\n"), "access.log", reason="保全")


def read_paths(case_pk: int) -> list[str]:
    return [f"/incidents/portal/cases/{case_pk}/", f"/incidents/{case_pk}/", f"/api/v1/cases/{case_pk}/"]


def test_an_invited_investigator_reads_the_case_its_timeline_and_evidence(
    invited, server_case, evidence, investigator, client_for
):
    # given
    ivy = client_for(investigator)
    # when
    responses = [ivy.get(p) for p in read_paths(server_case.pk)]
    portal_page = responses[0].content.decode()
    # then
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert server_case.title in portal_page
    assert "access.log" in portal_page and evidence.sha256 in portal_page
    assert server_case.title in ivy.get("/incidents/portal/").content.decode()


def test_an_invited_investigator_changes_nothing(invited, server_case, manager, investigator, client_for):
    # given
    notice = portal.send_preservation_notice(manager, server_case)
    ivy = client_for(investigator)
    # when
    attempts = {
        "acknowledge": ivy.post(f"/incidents/portal/notices/{notice.pk}/acknowledge/").status_code,
        "upload": ivy.post(f"/incidents/portal/cases/{server_case.pk}/evidence/").status_code,
        "export": ivy.post(f"/incidents/{server_case.pk}/export/").status_code,
        "notice": ivy.post(f"/incidents/{server_case.pk}/preservation-notice/").status_code,
        "invite": ivy.post(f"/incidents/{server_case.pk}/investigators/").status_code,
        "tasks": ivy.get("/incidents/portal/tasks/").status_code,
        "report": ivy.post("/incidents/portal/report/", {"title": "t", "summary": "s"}).status_code,
    }
    # then
    assert attempts == dict.fromkeys(attempts, 403)


def test_after_the_invitation_ends_the_investigator_sees_nothing(
    invited, server_case, evidence, investigator, client_for
):
    # given the invitation ended a minute ago
    CaseAccess.objects.filter(pk=invited.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    ivy = client_for(investigator)
    # when
    statuses = [ivy.get(p).status_code for p in read_paths(server_case.pk)]
    home = ivy.get("/incidents/portal/").content.decode()
    # then
    assert statuses == [404, 404, 404]
    assert server_case.title not in home
    assert list(portal.visible_notices(investigator)) == []


def test_a_manager_invites_an_investigator_until_a_date_and_ends_it(manager, investigator, server_case, client_for):
    # given
    client = client_for(manager)
    until = timezone.localdate() + dt.timedelta(days=14)
    # when
    invited = client.post(
        f"/incidents/{server_case.pk}/investigators/", {"user": investigator.pk, "until": until.isoformat()}
    )
    access = CaseAccess.objects.get(case=server_case, user=investigator)
    page = client.get(f"/incidents/{server_case.pk}/").content.decode()
    # then the access lasts to the end of that day in Tokyo
    assert invited.status_code == 302
    assert timezone.localtime(access.expires_at) == portal.end_of_day(until)
    assert "ivy" in page
    assert client_for(investigator).get(f"/incidents/portal/cases/{server_case.pk}/").status_code == 200
    # when the manager ends it
    revoked = client.post(f"/incidents/portal/access/{access.pk}/revoke/")
    # then it is kept on record, ended
    assert revoked.status_code == 302
    access.refresh_from_db()
    assert access.expires_at <= timezone.now()
    assert client_for(investigator).get(f"/incidents/portal/cases/{server_case.pk}/").status_code == 404
    entry = (
        AuditEntry.objects.filter(object_type="incidents.caseaccess", object_id=str(access.pk)).order_by("seq").last()
    )
    assert entry.message == "access revoked" and entry.actor_username == "manager"


def test_only_investigators_are_invited_and_only_into_the_future(manager, staff, investigator, server_case, client_for):
    # given
    client = client_for(manager)
    # when
    staff_invited = client.post(
        f"/incidents/{server_case.pk}/investigators/", {"user": staff.pk, "until": "2099-01-01"}
    )
    past = client.post(f"/incidents/{server_case.pk}/investigators/", {"user": investigator.pk, "until": "2020-01-01"})
    # then
    assert staff_invited.status_code == past.status_code == 400
    assert "調査員" in staff_invited.content.decode() or "investigator" in staff_invited.content.decode()
    assert not CaseAccess.objects.exists()
