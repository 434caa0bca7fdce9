"""The contractor portal: a contractor's report starts the client's clock and records its notice; contractor users
see only their contractor's cases and notices, and of those cases only the tasks assigned to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mamori.accounts.policy import NotVisible
from mamori.incidents import portal
from mamori.incidents.models import CaseTask, DetectionSource, IncidentCase, PreservationNotice, TaskStatus
from mamori.jobs.backends import get_backend
from mamori.jobs.worker import Worker
from tests.jobs.conftest import Inbox, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(settings) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1; Django mail (sent by the job runner) goes to it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.MAMORI_JOBS_BACKEND = "embedded"
    try:
        yield inbox
    finally:
        controller.stop()


def deliver() -> None:
    """Run the queued jobs (the e-mails) the way ``mamori worker --burst`` does."""
    Worker(get_backend("embedded"), poll_seconds=0).run(burst=True)


def recipients(inbox: Inbox) -> list[list[str]]:
    return [sorted(m.rcpt_tos) for m in inbox.messages]


@pytest.fixture
def with_addresses(manager, alice_contractor, bob_logistics):
    for user, address in [(manager, "manager@shop.example"), (alice_contractor, "alice@naniwa.example")]:
        user.email = address
        user.save(update_fields=["email"])
    bob_logistics.email = "bob@kansai.example"
    bob_logistics.save(update_fields=["email"])


# --- the report ---------------------------------------------------------------------------------------


def test_a_contractor_report_starts_the_clients_clock_and_records_the_notice(
    alice_contractor, server_co, with_addresses, mailbox
):
    # given alice learned of it yesterday evening
    learned = timezone.now() - dt.timedelta(hours=15)
    before = timezone.now()
    # when
    case = portal.report_incident(
        alice_contractor,
        {"title": "カード会社から漏えいの指摘", "summary": "決済画面の改ざんの疑い", "learned_at": learned},
    )
    deliver()
    # then the client learned of it at the report, and the contractor's notice is on record
    after = timezone.now()
    assert before <= case.discovered_at <= after
    assert case.contractor_notified_at == case.discovered_at
    assert case.contractor_notified_by == alice_contractor
    assert case.contractor == server_co
    assert case.detection_source == DetectionSource.CONTRACTOR
    assert case.legal_hold
    titles = {e.title: e.occurred_at for e in case.timeline.all()}
    assert titles["なにわシステムサービス learned of the incident"] == learned
    reported = next(t for t in titles if "reported the incident" in t)
    assert titles[reported] == case.discovered_at
    # and the protection managers were told by e-mail
    assert recipients(mailbox) == [["manager@shop.example"]]
    assert "なにわシステムサービス".encode() in mailbox.messages[0].original_content or mailbox.messages[0].content


def test_a_report_cannot_say_the_contractor_learned_of_it_in_the_future(alice_contractor):
    with pytest.raises(ValidationError) as error:
        portal.report_incident(
            alice_contractor, {"title": "t", "summary": "s", "learned_at": timezone.now() + dt.timedelta(hours=2)}
        )
    assert "learned_at" in error.value.message_dict


def test_only_contractor_users_report_through_the_portal(manager):
    with pytest.raises(PermissionDenied):
        portal.report_incident(manager, {"title": "t", "summary": "s"})


def test_the_report_page_opens_a_case_and_shows_it_in_the_portal(alice_contractor, client_for):
    # given
    alice = client_for(alice_contractor)
    # when
    response = alice.post("/incidents/portal/report/", {"title": "不審なログイン", "summary": "管理画面に海外から"})
    # then
    case = IncidentCase.objects.get(title="不審なログイン")
    assert response.status_code == 302 and response.url == f"/incidents/portal/cases/{case.pk}/"
    page = alice.get(response.url).content.decode()
    assert "不審なログイン" in page
    assert "不審なログイン" in alice.get("/incidents/portal/").content.decode()


def test_the_report_page_names_the_missing_field(alice_contractor, client_for):
    response = client_for(alice_contractor).post("/incidents/portal/report/", {"title": "", "summary": ""})
    assert response.status_code == 400
    assert "この項目は必須です" in response.content.decode()
    assert not IncidentCase.objects.exists()


# --- what a contractor user sees ------------------------------------------------------------------------


@pytest.fixture
def logistics_case(logistics_co) -> IncidentCase:
    return IncidentCase.objects.create(title="配送伝票の誤送付", discovered_at=timezone.now(), contractor=logistics_co)


def test_alice_cannot_see_bobs_contractors_cases_or_notices(
    alice_contractor, bob_logistics, manager, logistics_case, server_case, client_for
):
    # given a notice to bob's contractor
    notice = portal.send_preservation_notice(manager, logistics_case)
    alice = client_for(alice_contractor)
    # when
    home = alice.get("/incidents/portal/").content.decode()
    case_page = alice.get(f"/incidents/portal/cases/{logistics_case.pk}/")
    acknowledge = alice.post(f"/incidents/portal/notices/{notice.pk}/acknowledge/")
    api = alice.get(f"/api/v1/portal/notices/{notice.pk}/")
    # then
    assert "配送伝票の誤送付" not in home and "カード情報漏えいの疑い" in home
    assert case_page.status_code == 404
    assert acknowledge.status_code == 404
    assert api.status_code == 404
    assert list(portal.visible_notices(alice_contractor)) == []
    with pytest.raises(NotVisible):
        portal.acknowledge_notice(alice_contractor, notice)
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_the_portal_case_page_shows_no_appi_assessment_and_no_other_users_tasks(
    alice_contractor, manager, server_case, client_for
):
    # given a task of the manager and one of alice on her contractor's case
    CaseTask.objects.create(created_by=manager, case=server_case, title="社内の報告書を作成する", owner=manager)
    CaseTask.objects.create(
        created_by=manager, case=server_case, title="Webサーバーのログを保全する", owner=alice_contractor
    )
    # when
    page = client_for(alice_contractor).get(f"/incidents/portal/cases/{server_case.pk}/").content.decode()
    # then
    assert "Webサーバーのログを保全する" in page
    assert "社内の報告書を作成する" not in page
    assert "APPI" not in page and "個人情報保護委員会" not in page


def test_internal_users_are_sent_from_the_portal_to_the_case_pages(manager, server_case, client_for):
    client = client_for(manager)
    assert client.get("/incidents/portal/").url == "/incidents/"
    assert client.get(f"/incidents/portal/cases/{server_case.pk}/").url == f"/incidents/{server_case.pk}/"


# --- tasks --------------------------------------------------------------------------------------------


def test_a_contractor_user_sees_and_updates_only_tasks_assigned_to_her(
    alice_contractor, manager, server_case, client_for
):
    # given
    hers = CaseTask.objects.create(
        created_by=manager, case=server_case, title="ディスクイメージを取得する", owner=alice_contractor
    )
    managers = CaseTask.objects.create(
        created_by=manager, case=server_case, title="カード会社に連絡する", owner=manager
    )
    unassigned = CaseTask.objects.create(created_by=manager, case=server_case, title="影響範囲を特定する")
    alice = client_for(alice_contractor)
    # when
    listed = alice.get("/incidents/portal/tasks/").content.decode()
    api = alice.get("/api/v1/portal/tasks/").json()
    response = alice.post(f"/incidents/portal/tasks/{hers.pk}/", {"status": "in_progress", "note": "取得を開始"})
    other = alice.post(f"/incidents/portal/tasks/{managers.pk}/", {"status": "done"})
    other_api = alice.patch(
        f"/api/v1/portal/tasks/{unassigned.pk}/", {"status": "done"}, content_type="application/json"
    )
    # then
    assert "ディスクイメージを取得する" in listed and "カード会社に連絡する" not in listed
    assert [t["id"] for t in api["results"]] == [hers.pk]
    assert response.status_code == 302
    hers.refresh_from_db()
    assert hers.status == TaskStatus.IN_PROGRESS
    assert server_case.timeline.filter(title__contains="取得を開始").exists()
    assert other.status_code == 404 and other_api.status_code == 404
    managers.refresh_from_db()
    unassigned.refresh_from_db()
    assert managers.status == unassigned.status == TaskStatus.OPEN


def test_a_task_is_done_through_the_api_with_a_note(alice_contractor, manager, server_case, client_for):
    # given
    task = CaseTask.objects.create(created_by=manager, case=server_case, title="ログを提出する", owner=alice_contractor)
    # when
    response = client_for(alice_contractor).patch(
        f"/api/v1/portal/tasks/{task.pk}/",
        {"status": "done", "note": "ポータルで提出済み"},
        content_type="application/json",
    )
    # then
    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_at is not None
    assert server_case.timeline.filter(description__contains="ポータルで提出済み").exists()


def test_a_bad_task_status_is_named(alice_contractor, manager, server_case, client_for):
    task = CaseTask.objects.create(created_by=manager, case=server_case, title="ログを提出する", owner=alice_contractor)
    response = client_for(alice_contractor).patch(
        f"/api/v1/portal/tasks/{task.pk}/", {"status": "finished"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


# --- the API report -----------------------------------------------------------------------------------


def test_a_contractor_reports_through_the_api(alice_contractor, server_co, client_for):
    response = client_for(alice_contractor).post(
        "/api/v1/portal/reports/", {"title": "API からの報告", "summary": "詳細"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    case = IncidentCase.objects.get(pk=response.json()["id"])
    assert case.contractor == server_co and case.contractor_notified_by == alice_contractor


def test_staff_cannot_report_through_the_portal_api(staff, client_for):
    response = client_for(staff).post(
        "/api/v1/portal/reports/", {"title": "t", "summary": "s"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not IncidentCase.objects.exists()


def test_the_notice_list_of_the_api_holds_only_the_contractors_notices(
    alice_contractor, manager, server_case, logistics_case, client_for
):
    portal.send_preservation_notice(manager, server_case)
    portal.send_preservation_notice(manager, logistics_case)
    listed = client_for(alice_contractor).get("/api/v1/portal/notices/").json()["results"]
    assert [n["case"] for n in listed] == [server_case.pk]
    assert PreservationNotice.objects.count() == 2
