"""Requests from persons (開示等の請求) and complaints: due dates, identity before the answer, reasons for a refusal,
and every opening of a record that names the requester is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mamori.audit.models import AuditEntry
from mamori.pms import services_requests as requests
from mamori.pms.models import ComplaintStatus, RequestStatus


def _request(actor, **extra):
    data = {
        "kind": "disclosure",
        "received_on": dt.date(2026, 11, 2),
        "channel": "post",
        "requester_name": "山田 花子",
        **extra,
    }
    return requests.record_request(actor, data)


@pytest.mark.django_db
def test_staff_at_the_desk_record_a_request_and_the_due_date_follows_the_company_rule(staff, settings) -> None:
    settings.MAMORI_REQUEST_DUE_DAYS = 10
    item = _request(staff)
    assert item.reference == "REQ-2026-001"
    assert item.due_date == dt.date(2026, 11, 12)
    assert _request(staff).reference == "REQ-2026-002"


@pytest.mark.django_db
def test_a_request_is_answered_only_after_the_identity_check(manager) -> None:
    item = _request(manager)
    with pytest.raises(ValidationError, match=r"identity|本人"):
        requests.answer_request(manager, item, RequestStatus.RESPONDED, dt.date(2026, 11, 5), "開示しました")
    requests.check_identity(manager, item, "運転免許証の写し")
    requests.answer_request(manager, item, RequestStatus.RESPONDED, dt.date(2026, 11, 5), "開示しました")
    item.refresh_from_db()
    assert item.status == RequestStatus.RESPONDED and item.handled_by == manager


@pytest.mark.django_db
def test_a_refusal_needs_its_reasons_and_an_answer_cannot_predate_the_request(manager) -> None:
    item = _request(manager)
    requests.check_identity(manager, item, "登録情報との照合")
    with pytest.raises(ValidationError):
        requests.answer_request(manager, item, RequestStatus.REFUSED, dt.date(2026, 11, 5), " ")
    with pytest.raises(ValidationError):
        requests.answer_request(manager, item, RequestStatus.RESPONDED, dt.date(2026, 11, 1), "x")


@pytest.mark.django_db
def test_a_request_received_in_the_future_is_refused_on_the_field(client_for, staff) -> None:
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client_for(staff).post(
        "/pms/requests/new/",
        {"kind": "disclosure", "received_on": future, "channel": "post", "requester_name": "山田 花子"},
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_opening_a_request_is_audited_and_the_list_shows_no_names(client_for, manager) -> None:
    item = _request(manager)
    client = client_for(manager)
    listing = client.get("/pms/requests/").content.decode()
    assert "山田" not in listing and item.reference in listing
    client.get(f"/pms/requests/{item.pk}/")
    assert AuditEntry.objects.filter(action="pms_request_viewed", object_id=str(item.pk)).count() == 1


@pytest.mark.django_db
def test_a_complaint_is_handled_then_closed_with_a_date(manager, staff) -> None:
    item = requests.record_complaint(
        staff, {"kind": "complaint", "received_on": dt.date(2026, 11, 3), "channel": "phone", "summary": "DMが届く"}
    )
    with pytest.raises(ValidationError):
        requests.handle_complaint(manager, item, "配信停止した", close=True, closed_on=None)
    requests.handle_complaint(manager, item, "配信停止した", close=True, closed_on=dt.date(2026, 11, 4))
    item.refresh_from_db()
    assert item.status == ComplaintStatus.CLOSED and item.reference == "CMP-2026-001"


@pytest.mark.django_db
def test_a_complaint_opens_one_corrective_action_that_points_back_without_copying_it(
    client_for, manager, staff
) -> None:
    item = requests.record_complaint(
        staff,
        {"kind": "complaint", "received_on": dt.date(2026, 11, 3), "channel": "phone", "summary": "山田です。DMが届く"},
    )
    first = requests.raise_nonconformity(manager, item)
    assert requests.raise_nonconformity(manager, item) == first
    assert "山田" not in first.title + first.description and first.source == "complaint"
    page = client_for(manager).get(f"/risk/nonconformities/{first.pk}/").content.decode()
    assert f'href="/pms/complaints/{item.pk}/"' in page
