"""Playbooks are data: five ship in Japanese and English (migration incidents 0003); the protection manager
edits them and their steps on their pages; other internal roles read them."""

from __future__ import annotations

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.incidents import services
from mamori.incidents.models import CaseTask, Playbook, PlaybookStep
from tests.incidents.cases_support import ensure_playbooks

pytestmark = pytest.mark.django_db

SHIPPED = {"card-breach-web-shop", "misdirected-email", "lost-device", "ransomware", "insider"}


@pytest.fixture(autouse=True)
def _playbooks() -> None:
    ensure_playbooks()


def test_five_playbooks_ship_in_japanese_and_english_with_due_days():
    # when
    playbooks = {p.key: p for p in Playbook.objects.filter(key__in=SHIPPED)}
    # then
    assert set(playbooks) == SHIPPED
    for playbook in playbooks.values():
        steps = list(playbook.steps.order_by("order"))
        assert len(steps) >= 5 and playbook.name_ja and playbook.name_en
        assert all(s.title_ja and s.title_en and s.due_days is not None for s in steps)
        assert [s.due_days for s in steps] == sorted(s.due_days for s in steps)  # in the order they fall due
    card = [s.title_ja for s in playbooks["card-breach-web-shop"].steps.order_by("order")]
    for words in (
        "サイトの停止",
        "保全",
        "フォレンジック",
        "カード会社",
        "速報",
        "影響範囲",
        "本人への通知",
        "再発行",
        "確報",
        "再発防止",
    ):
        assert any(words in title for title in card), words


def test_the_card_breach_playbook_puts_the_preliminary_report_within_three_days_and_the_final_within_sixty():
    steps = Playbook.objects.get(key="card-breach-web-shop").steps.all()
    assert steps.get(title_en="Preliminary report to the PPC").due_days == 3
    assert steps.get(title_en="Final report to the PPC").due_days == 60


def test_the_manager_edits_a_playbook_and_its_steps_on_its_pages(manager, client_for):
    # given
    browser = client_for(manager)
    playbook = Playbook.objects.get(key="misdirected-email")
    first = playbook.steps.order_by("order").first()
    # when
    edited = browser.post(
        f"/incidents/playbooks/{playbook.pk}/edit/",
        {"key": playbook.key, "name_ja": "メール誤送信", "name_en": "Misdirected e-mail", "active": "on"},
    )
    added = browser.post(
        f"/incidents/playbooks/{playbook.pk}/steps/new/",
        {"title_ja": "社内への注意喚起", "title_en": "Warn all staff", "due_days": "5"},
    )
    changed = browser.post(
        f"/incidents/playbooks/steps/{first.pk}/edit/",
        {"order": "1", "title_ja": first.title_ja, "title_en": first.title_en, "due_days": "1"},
    )
    # then
    assert [r.status_code for r in (edited, added, changed)] == [302, 302, 302]
    playbook.refresh_from_db()
    assert playbook.name_ja == "メール誤送信"
    new = playbook.steps.get(title_ja="社内への注意喚起")
    assert new.order == playbook.steps.count() and new.due_days == 5
    first.refresh_from_db()
    assert first.due_days == 1
    assert AuditEntry.objects.filter(object_type="incidents.playbookstep", action="create").exists()
    page = browser.get(f"/incidents/playbooks/{playbook.pk}/").content.decode()
    assert "社内への注意喚起" in page


def test_staff_read_playbooks_but_do_not_edit_them(staff, client_for):
    browser = client_for(staff)
    playbook = Playbook.objects.get(key="ransomware")
    page = browser.get(f"/incidents/playbooks/{playbook.pk}/").content.decode()
    assert "感染端末" in page
    assert f"/incidents/playbooks/{playbook.pk}/edit/" not in page
    assert browser.post(f"/incidents/playbooks/{playbook.pk}/edit/", {"name_ja": "x"}).status_code == 403


def test_removing_a_step_leaves_the_tasks_already_made_from_it(manager, internal_case):
    # given
    playbook = Playbook.objects.get(key="lost-device")
    tasks = services.apply_playbook(SYSTEM, internal_case, playbook)
    step = PlaybookStep.objects.get(pk=tasks[0].playbook_step_id)
    # when
    services.delete_step(manager, step)
    # then
    assert CaseTask.objects.filter(pk=tasks[0].pk, playbook_step__isnull=True).exists()


def test_an_inactive_playbook_is_not_offered_for_new_cases(manager, client_for):
    Playbook.objects.filter(key="insider").update(active=False)
    page = client_for(manager).get("/incidents/new/").content.decode()
    assert "従業者・委託先による持出し" not in page
    assert "ランサムウェア" in page
