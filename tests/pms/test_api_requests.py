"""Requests from persons and complaints over the API, read-only: /api/v1/subject-requests/ and /api/v1/complaints/.
The lists carry no personal data (as the list pages); reading one record gives it and is audited (as opening it on
its page is). Staff at the desk read them; outsiders do not."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.audit.models import AuditEntry
from mamori.pms import services_requests as requests

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(staff):
    request_ = requests.record_request(
        staff,
        {
            "kind": "disclosure",
            "received_on": dt.date(2026, 11, 2),
            "channel": "post",
            "requester_name": "山田 花子",
            "requester_contact": "hanako@example.jp",
        },
    )
    complaint = requests.record_complaint(
        staff,
        {
            "kind": "complaint",
            "received_on": dt.date(2026, 11, 3),
            "channel": "phone",
            "summary": "山田です。DMが届く",
            "contact": "090-0000-0000",
        },
    )
    return request_, complaint


def test_the_request_list_has_no_personal_data_and_reading_one_is_audited(client_for, manager, desk):
    # given
    request_, _complaint = desk
    api = client_for(manager)
    # when
    listed = api.get("/api/v1/subject-requests/?status=received&kind=disclosure")
    one = api.get(f"/api/v1/subject-requests/{request_.pk}/")
    # then
    assert listed.status_code == 200
    row = listed.json()["results"][0]
    assert row["reference"] == request_.reference and row["overdue"] is True  # received in November, due 14 days on
    assert "山田" not in listed.content.decode() and "requester_name" not in row
    assert one.json()["requester_name"] == "山田 花子" and one.json()["requester_contact"] == "hanako@example.jp"
    viewed = AuditEntry.objects.filter(action="pms_request_viewed", object_id=str(request_.pk))
    assert viewed.count() == 1 and viewed.get().actor_username == "manager"


def test_the_complaint_list_has_no_personal_data_and_reading_one_is_audited(client_for, president, desk):
    # given
    _request, complaint = desk
    api = client_for(president)
    # when
    listed = api.get("/api/v1/complaints/?received_after=2026-11-01&status=open")
    one = api.get(f"/api/v1/complaints/{complaint.pk}/")
    # then
    assert [c["id"] for c in listed.json()["results"]] == [complaint.pk]
    assert "山田" not in listed.content.decode() and "090" not in listed.content.decode()
    assert one.json()["summary"] == "山田です。DMが届く" and one.json()["contact"] == "090-0000-0000"
    assert AuditEntry.objects.filter(action="pms_complaint_viewed", object_id=str(complaint.pk)).count() == 1


def test_staff_at_the_desk_read_requests_and_complaints(client_for, staff, desk):
    # given
    request_, complaint = desk
    api = client_for(staff)
    # when
    requests_seen = api.get("/api/v1/subject-requests/")
    complaint_read = api.get(f"/api/v1/complaints/{complaint.pk}/")
    # then
    assert [r["id"] for r in requests_seen.json()["results"]] == [request_.pk]
    assert complaint_read.status_code == 200


@pytest.mark.parametrize("reader", ["alice_contractor", "investigator"])
def test_outsiders_get_403_for_the_lists_and_404_for_a_record_and_nothing_is_audited(request, client_for, desk, reader):
    # given
    request_, complaint = desk
    api = client_for(request.getfixturevalue(reader))
    # when / then
    assert api.get("/api/v1/subject-requests/").status_code == 403
    assert api.get("/api/v1/complaints/").status_code == 403
    assert api.get(f"/api/v1/subject-requests/{request_.pk}/").status_code == 404
    assert api.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action__in=["pms_request_viewed", "pms_complaint_viewed"]).exists()


def test_the_endpoints_are_read_only_and_bad_filters_are_a_400(client_for, manager, desk):
    # given
    _request, complaint = desk
    api = client_for(manager)
    # when / then
    assert api.post("/api/v1/subject-requests/", {}, content_type="application/json").status_code == 405
    assert api.patch(f"/api/v1/complaints/{complaint.pk}/", {}, content_type="application/json").status_code == 405
    assert api.get("/api/v1/complaints/?received_after=yesterday").status_code == 400
    assert api.get("/api/v1/subject-requests/?requester_name=山田").status_code == 400
