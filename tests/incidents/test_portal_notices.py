"""Preservation notices (証拠保全の依頼): the manager sends one to the case's contractor, a contractor user
acknowledges it once; until then the contractor is reminded once a day and after three days the protection
managers are told, once — by real e-mail through the job runner."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.incidents import deadlines, portal
from mamori.incidents.models import PreservationNotice, ReminderSent
from tests.incidents.test_portal import deliver, mailbox, recipients, with_addresses  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
SENT = dt.datetime(2024, 6, 3, 9, 0, tzinfo=TOKYO)  # a Monday morning


@pytest.fixture
def notice(manager, server_case, with_addresses) -> PreservationNotice:  # noqa: F811
    sent = portal.send_preservation_notice(manager, server_case)
    PreservationNotice.objects.filter(pk=sent.pk).update(sent_at=SENT)
    sent.refresh_from_db()
    return sent


def test_the_default_notice_asks_in_japanese_to_keep_everything(manager, server_case):
    # when
    notice = portal.send_preservation_notice(manager, server_case)
    # then
    assert notice.contractor == server_case.contractor
    for phrase in ("削除", "書面による同意", "ディスクイメージ", "ログ", "データベース", "アップロード"):
        assert phrase in notice.text
    assert server_case.timeline.filter(title__contains="Preservation notice sent").exists()


def test_the_contractor_users_get_the_notice_by_e_mail(manager, server_case, with_addresses, mailbox):  # noqa: F811
    portal.send_preservation_notice(manager, server_case, text="サーバーを停止せず、ログを保全してください。")
    deliver()
    assert recipients(mailbox) == [["alice@naniwa.example"]]


def test_a_case_without_a_contractor_gets_no_notice(manager, internal_case):
    with pytest.raises(ValidationError) as error:
        portal.send_preservation_notice(manager, internal_case)
    assert "contractor" in error.value.message_dict


def test_the_notice_is_acknowledged_once(notice, alice_contractor, client_for):
    # given
    alice = client_for(alice_contractor)
    # when
    first = alice.post(f"/incidents/portal/notices/{notice.pk}/acknowledge/", follow=True)
    notice.refresh_from_db()
    acknowledged_at = notice.acknowledged_at
    second = alice.post(f"/incidents/portal/notices/{notice.pk}/acknowledge/", follow=True)
    # then
    assert first.status_code == second.status_code == 200
    assert notice.acknowledged_by == alice_contractor and acknowledged_at is not None
    assert "already acknowledged" in second.content.decode() or "確認済み" in second.content.decode()
    notice.refresh_from_db()
    assert notice.acknowledged_at == acknowledged_at
    # one timeline line naming who acknowledged (written in the language of the request)
    assert notice.case.timeline.filter(title__contains=alice_contractor.get_username()).count() == 1
    with pytest.raises(ValidationError):
        portal.acknowledge_notice(alice_contractor, notice)


def test_the_client_cannot_acknowledge_for_the_contractor(notice, manager, client_for):
    with pytest.raises(PermissionDenied):
        portal.acknowledge_notice(manager, notice)
    assert client_for(manager).post(f"/incidents/portal/notices/{notice.pk}/acknowledge/").status_code == 403


def test_the_notice_is_acknowledged_through_the_api(notice, alice_contractor, client_for):
    response = client_for(alice_contractor).post(f"/api/v1/portal/notices/{notice.pk}/acknowledge/")
    assert response.status_code == 200, response.content
    assert response.json()["acknowledged_by"] == "alice"


def test_reminders_go_out_once_a_day_and_the_escalation_once(notice, mailbox, settings):  # noqa: F811
    # given the notice sent on Monday 09:00 and never acknowledged
    def run(days: int, hours: int) -> tuple[int, int]:
        result = portal.remind_unacknowledged(SENT + dt.timedelta(days=days, hours=hours))
        return result.reminded, result.escalated

    # when the job runs several times a day
    runs = {
        "Monday afternoon": run(0, 6),
        "Tuesday 10:00": run(1, 1),
        "Tuesday 14:00": run(1, 5),
        "Wednesday 10:00": run(2, 1),
        "Thursday 10:00": run(3, 1),
        "Thursday 11:00": run(3, 2),
        "Friday 10:00": run(4, 1),
    }
    deliver()
    # then
    assert runs == {
        "Monday afternoon": (0, 0),  # not due yet
        "Tuesday 10:00": (1, 0),
        "Tuesday 14:00": (0, 0),  # once a day
        "Wednesday 10:00": (1, 0),
        "Thursday 10:00": (1, 1),  # three days: the managers are told
        "Thursday 11:00": (0, 0),
        "Friday 10:00": (1, 0),  # escalated once only
    }
    notice.refresh_from_db()
    assert notice.reminders_sent == 4
    assert notice.escalated_at == SENT + dt.timedelta(days=3, hours=1)
    # the first message is the notice itself; then four reminders to alice and one escalation to the manager
    assert recipients(mailbox).count(["alice@naniwa.example"]) == 5
    assert recipients(mailbox).count(["manager@shop.example"]) == 1
    assert ReminderSent.objects.filter(key__startswith=f"preservation:{notice.pk}:").count() == 5


def test_an_acknowledged_notice_is_not_reminded(notice, alice_contractor):
    portal.acknowledge_notice(alice_contractor, notice)
    result = portal.remind_unacknowledged(SENT + dt.timedelta(days=5))
    assert (result.reminded, result.escalated) == (0, 0)


def test_the_acknowledgement_is_a_deadline_of_the_case(notice, alice_contractor):
    # when
    [due] = [d for d in deadlines.for_case(notice.case) if ":preservation:" in d.key]
    # then
    assert due.due == dt.date(2024, 6, 4)
    assert due.recipients == (alice_contractor.pk,)
    assert not due.done
    portal.acknowledge_notice(alice_contractor, notice)
    assert [d.done for d in deadlines.for_case(notice.case) if ":preservation:" in d.key] == [True]


def test_the_reminder_job_is_a_registered_task(notice, mailbox):  # noqa: F811
    from mamori.accounts.policy import SYSTEM
    from mamori.jobs.services import enqueue

    enqueue(SYSTEM, "incidents.preservation_reminders")
    deliver()
    notice.refresh_from_db()
    assert notice.reminders_sent == 1 and notice.escalated_at is not None  # SENT is long past
