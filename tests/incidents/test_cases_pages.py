"""The case pages, the dashboard's due dates and the case API as a user meets them (Japanese pages)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.incidents import services
from mamori.incidents.models import CaseTask, IncidentCase
from tests.incidents import cases_support

pytestmark = pytest.mark.django_db

# Fixtures shared by the case tests.
alice_task, card_playbook, server_task = (
    cases_support.alice_task,
    cases_support.card_playbook,
    cases_support.server_task,
)


def _english(browser):
    """Wordings are checked in English (the message ids); the Japanese catalogue is merged separately."""
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


def test_the_manager_opens_a_case_from_the_form_with_a_playbook(manager, client_for, server_co, card_playbook):
    # given
    browser = client_for(manager)
    assert browser.get("/incidents/new/").status_code == 200
    # when
    response = browser.post(
        "/incidents/new/",
        {
            "title": "カード会社からの漏えい懸念の連絡",
            "detection_source": "card_company",
            "detection_detail": "不正検知部門から電話",
            "discovered_at": "2018-11-06T10:00",
            "severity": "critical",
            "suspected_breach": "on",
            "contractor": server_co.pk,
            "exposure_from": "2017-05-02",
            "exposure_to": "2018-11-06",
            "playbook": card_playbook.pk,
        },
    )
    # then: the time was entered in Tokyo time
    assert response.status_code == 302, response.content.decode()[:2000]
    case = IncidentCase.objects.get(title="カード会社からの漏えい懸念の連絡")
    assert timezone.localtime(case.discovered_at).isoformat() == "2018-11-06T10:00:00+09:00"
    assert case.legal_hold and case.tasks.count() == card_playbook.steps.count()
    assert case.tasks.order_by("order").first().title == card_playbook.steps.order_by("order").first().title_ja
    page = browser.get(response.url).content.decode()
    assert 'id="legal-hold"' in page
    assert "サイトの停止" in page  # the first task, in Japanese
    assert "2017-05-02" in page


def test_a_form_with_an_exposure_that_ends_before_it_starts_says_so_next_to_the_field(manager, client_for):
    response = client_for(manager).post(
        "/incidents/new/",
        {
            "title": "x",
            "detection_source": "internal",
            "discovered_at": "2026-11-01T10:00",
            "severity": "high",
            "exposure_from": "2026-10-01",
            "exposure_to": "2026-09-01",
        },
    )
    assert response.status_code == 400
    assert 'href="#id_exposure_to"' in response.content.decode()


def test_the_case_page_moves_the_stage_only_with_a_reason(manager, client_for, server_case):
    # given
    browser = client_for(manager)
    # when
    refused = browser.post(f"/incidents/{server_case.pk}/move/", {"status": "containment", "reason": ""})
    moved = browser.post(f"/incidents/{server_case.pk}/move/", {"status": "containment", "reason": "サイトを停止"})
    # then
    assert refused.status_code == 400
    assert moved.status_code == 302
    server_case.refresh_from_db()
    assert server_case.status == "containment"
    page = browser.get(f"/incidents/{server_case.pk}/").content.decode()
    assert "サイトを停止" in page


def test_the_case_page_shows_the_header_tasks_with_days_left_and_the_timeline(manager, client_for, server_case):
    # given
    today = timezone.localdate()
    services.add_task(manager, server_case, {"title": "ログを保全する", "due_date": today + dt.timedelta(days=3)})
    services.add_task(manager, server_case, {"title": "委託先に連絡", "due_date": today - dt.timedelta(days=2)})
    services.add_note(manager, server_case, "代表者に報告済み")
    # when
    page = _english(client_for(manager)).get(f"/incidents/{server_case.pk}/").content.decode()
    # then
    assert "ログを保全する" in page and "委託先に連絡" in page
    assert "3 days left" in page and "2 days overdue" in page
    assert "代表者に報告済み" in page
    assert 'id="legal-hold"' in page


def test_a_task_is_cancelled_from_the_case_page_only_with_a_reason(manager, client_for, server_task):
    browser = client_for(manager)
    refused = browser.post(f"/incidents/tasks/{server_task.pk}/", {"status": "cancelled", "reason": ""})
    done = browser.post(f"/incidents/tasks/{server_task.pk}/", {"status": "cancelled", "reason": "重複"})
    assert refused.status_code == 400
    assert done.status_code == 302
    server_task.refresh_from_db()
    assert server_task.status == "cancelled"


def test_the_list_puts_open_cases_first_and_filters_by_stage(manager, client_for, server_case, internal_case):
    # given
    services.move_case(SYSTEM, server_case, "closed", "完了")
    browser = client_for(manager)
    # when
    page = browser.get("/incidents/").content.decode()
    only_closed = browser.get("/incidents/?status=closed").content.decode()
    # then
    assert page.index("社内PCの紛失") < page.index("カード情報漏えいの疑い")
    assert "社内PCの紛失" not in only_closed and "カード情報漏えいの疑い" in only_closed


def test_the_dashboard_lists_due_dates_of_open_cases_with_days_left(manager, client_for, server_case, internal_case):
    # given
    today = timezone.localdate()
    services.add_task(manager, server_case, {"title": "カード会社へ報告", "due_date": today + dt.timedelta(days=5)})
    services.add_task(manager, internal_case, {"title": "警察へ届出", "due_date": today + dt.timedelta(days=1)})
    closed = services.create_case(SYSTEM, {"title": "完了した事案", "discovered_at": timezone.now()})
    services.add_task(SYSTEM, closed, {"title": "完了事案のタスク", "due_date": today})
    services.move_case(SYSTEM, closed, "closed", "完了", close_with_open_tasks=True)
    # when
    page = _english(client_for(manager)).get("/").content.decode()
    # then: most urgent first, closed cases left out
    section = page[page.index('id="due-dates"') :]
    assert section.index("警察へ届出") < section.index("カード会社へ報告")
    assert "完了事案のタスク" not in page
    assert "1 day left" in section and "5 days left" in section


def test_a_contractor_user_sees_on_the_dashboard_only_the_due_dates_assigned_to_it(
    alice_contractor, client_for, server_task, alice_task
):
    # given
    today = timezone.localdate()
    CaseTask.objects.filter(pk__in=[server_task.pk, alice_task.pk]).update(due_date=today + dt.timedelta(days=2))
    # when
    page = client_for(alice_contractor).get("/").content.decode()
    # then
    assert "サーバーイメージを提出する" in page
    assert "ログの保全を確認する" not in page


def test_a_contractor_user_sees_only_its_own_tasks_on_the_case_page(
    alice_contractor, client_for, server_task, alice_task
):
    page = client_for(alice_contractor).get(f"/incidents/{alice_task.case_id}/").content.decode()
    assert "サーバーイメージを提出する" in page
    assert "ログの保全を確認する" not in page


# The API


def test_the_api_opens_a_case_with_the_new_fields_and_moves_it(manager, client_for, server_co, card_playbook):
    # given
    api = _english(client_for(manager))
    body = {
        "title": "API から登録",
        "discovered_at": "2018-11-06T10:00:00+09:00",
        "detection_source": "card_company",
        "severity": "critical",
        "contractor": server_co.pk,
        "exposure_from": "2017-05-02",
        "exposure_to": "2018-11-06",
        "playbook": card_playbook.key,
    }
    # when
    created = api.post("/api/v1/cases/", body, content_type="application/json")
    case_id = created.json()["id"]
    no_reason = api.post(f"/api/v1/cases/{case_id}/move/", {"status": "containment"}, content_type="application/json")
    moved = api.post(
        f"/api/v1/cases/{case_id}/move/",
        {"status": "containment", "reason": "サイト停止"},
        content_type="application/json",
    )
    note = api.post(
        f"/api/v1/cases/{case_id}/timeline/", {"kind": "note", "title": "委託先へ連絡"}, content_type="application/json"
    )
    timeline = api.get(f"/api/v1/cases/{case_id}/timeline/").json()
    tasks = api.get("/api/v1/case-tasks/", {"case": case_id}).json()
    archived = api.post(f"/api/v1/cases/{case_id}/archive/", {"reason": "誤登録"}, content_type="application/json")
    # then
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["legal_hold"] is True and data["status"] == "received" and data["created_by"] == manager.pk
    assert (data["exposure_from"], data["exposure_to"]) == ("2017-05-02", "2018-11-06")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    assert moved.status_code == 200 and moved.json()["status"] == "containment"
    assert note.status_code == 201
    assert timeline[0]["kind"] == "system" and timeline[-1]["title"] == "委託先へ連絡"
    assert tasks["count"] == card_playbook.steps.count()
    assert archived.status_code == 400
    assert "legal hold" in " ".join(archived.json()["error"]["fields"]["non_field_errors"])


def test_the_api_changes_a_task_and_never_deletes_it(manager, client_for, staff, server_task):
    api = client_for(manager)
    changed = api.patch(
        f"/api/v1/case-tasks/{server_task.pk}/",
        {"owner": staff.pk, "due_date": "2026-12-01", "status": "in_progress"},
        content_type="application/json",
    )
    cancelled = api.patch(
        f"/api/v1/case-tasks/{server_task.pk}/", {"status": "cancelled"}, content_type="application/json"
    )
    deleted = api.delete(f"/api/v1/case-tasks/{server_task.pk}/")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["owner"], changed.json()["due_date"], changed.json()["status"]) == (
        staff.pk,
        "2026-12-01",
        "in_progress",
    )
    assert cancelled.status_code == 400 and "reason" in cancelled.json()["error"]["fields"]
    assert deleted.status_code == 405
    assert CaseTask.objects.filter(pk=server_task.pk).exists()


def test_the_api_shows_a_contractor_user_only_its_own_tasks(alice_contractor, client_for, server_task, alice_task):
    tasks = client_for(alice_contractor).get("/api/v1/case-tasks/").json()
    assert [t["id"] for t in tasks["results"]] == [alice_task.pk]
