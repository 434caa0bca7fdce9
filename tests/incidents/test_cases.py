"""Case services: opening a case starts the clock and the hold, playbooks make the first tasks, stages move only
with a reason, tasks are cancelled rather than deleted, cases are archived rather than deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mamori.accounts.policy import NotVisible
from mamori.audit.models import AuditEntry
from mamori.incidents import deadlines, services
from mamori.incidents.models import CaseStatusChange, IncidentCase, TaskStatus, TimelineKind
from tests.incidents import cases_support

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
CALL = dt.datetime(2018, 11, 6, 10, 0, tzinfo=JST)

# Fixtures shared by the case tests.
alice_task, card_playbook, server_task = (
    cases_support.alice_task,
    cases_support.card_playbook,
    cases_support.server_task,
)


def _open(actor, **extra):
    data = {"title": "カード会社からの連絡", "discovered_at": CALL, "detection_source": "card_company", **extra}
    return services.create_case(actor, data)


def test_opening_a_suspected_breach_places_the_hold_and_starts_the_timeline(manager):
    # when
    case = _open(manager, detection_detail="不正検知部門から電話")
    # then
    assert case.legal_hold and case.hold_placed_at is not None
    assert case.status == "received" and case.created_by == manager
    first, hold = case.timeline.order_by("occurred_at", "pk")
    assert first.kind == TimelineKind.SYSTEM and first.occurred_at == CALL
    assert "2018-11-06 10:00" in first.title and "Card company" in first.title
    assert first.source == "Card company" and first.description == "不正検知部門から電話"
    assert "Legal hold placed" in hold.title
    opening = CaseStatusChange.objects.get(case=case)
    assert (opening.from_status, opening.to_status, opening.changed_by) == ("", "received", manager)
    assert AuditEntry.objects.filter(action="create", object_type="incidents.incidentcase", object_id=str(case.pk))


def test_a_case_that_is_not_a_suspected_breach_is_not_held(manager):
    case = _open(manager, suspected_breach=False)
    assert not case.legal_hold and case.hold_placed_at is None
    assert case.timeline.count() == 1


def test_a_playbook_creates_its_tasks_due_the_given_days_after_learning_of_it(manager, card_playbook):
    # when
    case = _open(manager, playbook=card_playbook)
    # then
    steps = list(card_playbook.steps.order_by("order"))
    tasks = list(case.tasks.order_by("order"))
    assert [t.title for t in tasks] == [s.title_en for s in steps]  # the opener's language (English in tests)
    assert [t.due_date for t in tasks] == [dt.date(2018, 11, 6) + dt.timedelta(days=s.due_days) for s in steps]
    assert tasks[0].due_date == dt.date(2018, 11, 6) and all(t.status == TaskStatus.OPEN for t in tasks)
    assert all(t.playbook_step_id == s.pk for t, s in zip(tasks, steps, strict=True))
    assert case.timeline.filter(reference=f"playbook:{card_playbook.key}").exists()


def test_a_learned_at_time_late_in_the_evening_counts_from_the_japanese_date(manager, card_playbook):
    # given: 23:30 in Tokyo is still the 6th there, but already the 6th 14:30 UTC
    late = dt.datetime(2018, 11, 6, 23, 30, tzinfo=JST)
    # when
    case = _open(manager, discovered_at=late, playbook=card_playbook)
    # then
    assert case.tasks.order_by("order").first().due_date == dt.date(2018, 11, 6)


def test_a_contractor_user_opening_a_case_gets_its_own_contractor(alice_contractor, logistics_co):
    case = services.create_case(
        alice_contractor, {"title": "委託先からの報告", "discovered_at": CALL, "contractor": logistics_co}
    )
    assert case.contractor == alice_contractor.contractor


def test_a_stage_move_without_a_reason_is_refused(manager, internal_case):
    # when
    with pytest.raises(ValidationError) as refused:
        services.move_case(manager, internal_case, "containment", "  ")
    # then
    assert "reason" in refused.value.message_dict
    internal_case.refresh_from_db()
    assert internal_case.status == "received"
    assert not CaseStatusChange.objects.filter(case=internal_case).exists()


def test_a_stage_moves_forward_and_back_with_its_reason_in_the_history_and_the_timeline(manager, internal_case):
    # when
    services.move_case(manager, internal_case, "investigation", "端末の回収を確認")
    services.move_case(manager, internal_case, "containment", "別の端末にも同じデータ")
    # then
    internal_case.refresh_from_db()
    assert internal_case.status == "containment"
    moves = list(CaseStatusChange.objects.filter(case=internal_case).values_list("from_status", "to_status", "reason"))
    assert moves == [
        ("received", "investigation", "端末の回収を確認"),
        ("investigation", "containment", "別の端末にも同じデータ"),
    ]
    lines = [e.description for e in internal_case.timeline.filter(kind=TimelineKind.SYSTEM)]
    assert "端末の回収を確認" in lines and "別の端末にも同じデータ" in lines
    assert AuditEntry.objects.filter(action="update", message="別の端末にも同じデータ").exists()


def test_closing_a_case_with_open_tasks_needs_an_explicit_confirmation(manager, server_case, server_task):
    # when
    with pytest.raises(ValidationError, match="still open"):
        services.move_case(manager, server_case, "closed", "対応完了")
    services.move_case(manager, server_case, "closed", "残作業は委託先の契約見直しで対応", close_with_open_tasks=True)
    # then
    server_case.refresh_from_db()
    assert server_case.status == "closed"


def test_the_stage_is_not_changed_by_an_ordinary_update(manager, internal_case):
    with pytest.raises(ValidationError) as refused:
        services.update_case(manager, internal_case, {"status": "closed"})
    assert "status" in refused.value.message_dict


def test_roles_that_may_not_change_a_case_cannot_move_it(auditor, alice_contractor, server_case):
    with pytest.raises(PermissionDenied):
        services.move_case(auditor, server_case, "containment", "理由")
    with pytest.raises(PermissionDenied):
        services.move_case(alice_contractor, server_case, "containment", "理由")


def test_archiving_is_refused_while_the_case_is_under_legal_hold(manager, server_case):
    # given
    assert server_case.legal_hold
    # when
    with pytest.raises(ValidationError, match="legal hold"):
        services.archive_case(manager, server_case, "誤登録")
    # then
    server_case.refresh_from_db()
    assert server_case.archived_at is None


def test_an_archived_case_leaves_the_lists_but_stays_readable(manager, internal_case, client_for):
    # given
    internal_case.legal_hold = False
    internal_case.save()
    # when
    with pytest.raises(ValidationError):
        services.archive_case(manager, internal_case, "")
    services.archive_case(manager, internal_case, "二重登録のため")
    # then
    internal_case.refresh_from_db()
    assert internal_case.archived_at is not None and internal_case.archive_reason == "二重登録のため"
    browser = client_for(manager)
    assert "社内PCの紛失" not in browser.get("/incidents/").content.decode()
    assert "社内PCの紛失" in browser.get("/incidents/?archived=1").content.decode()
    assert browser.get(f"/incidents/{internal_case.pk}/").status_code == 200
    assert IncidentCase.objects.filter(pk=internal_case.pk).exists()
    with pytest.raises(ValidationError, match=r"archived|アーカイブ済み"):
        services.move_case(manager, internal_case, "closed", "理由")


def test_timeline_entries_and_notes_are_added_in_the_order_things_happened(staff, server_case):
    # when
    services.add_note(staff, server_case, "委託先に電話した\n担当者不在、折り返し待ち")
    services.add_timeline_event(
        staff,
        server_case,
        {
            "kind": "event",
            "title": "カード会社から連絡",
            "occurred_at": server_case.discovered_at - dt.timedelta(hours=1),
        },
    )
    # then
    entries = list(services.timeline(staff, server_case))
    assert entries[0].title == "カード会社から連絡"
    note = entries[-1]
    assert (note.kind, note.title, note.description, note.recorded_by) == (
        "note",
        "委託先に電話した",
        "担当者不在、折り返し待ち",
        staff,
    )


def test_a_timeline_entry_may_not_pretend_to_be_written_by_mamori(staff, server_case):
    with pytest.raises(ValidationError) as refused:
        services.add_timeline_event(staff, server_case, {"kind": "system", "title": "偽の記録"})
    assert "kind" in refused.value.message_dict


def test_tasks_are_assigned_given_due_dates_done_and_cancelled_only_with_a_reason(manager, staff, server_case):
    # given
    task = services.add_task(manager, server_case, {"title": "ログを保全する", "due_date": dt.date(2018, 11, 7)})
    # when
    services.assign_task(manager, task, staff)
    services.set_task_due(manager, task, dt.date(2018, 11, 8))
    with pytest.raises(ValidationError) as refused:
        services.set_task_status(manager, task, "cancelled")
    services.set_task_status(staff, task, "done")
    # then
    assert "reason" in refused.value.message_dict
    task.refresh_from_db()
    assert (task.owner, task.due_date, task.status) == (staff, dt.date(2018, 11, 8), "done")
    assert task.done_at is not None
    services.set_task_status(manager, task, "cancelled", "別の作業に統合")
    task.refresh_from_db()
    assert task.status == "cancelled" and task.done_at is None
    assert server_case.timeline.filter(reference=f"task:{task.pk}").count() == 2


def test_a_task_owner_must_be_able_to_see_the_case(manager, bob_logistics, server_case):
    with pytest.raises(ValidationError) as refused:
        services.add_task(manager, server_case, {"title": "調査", "owner": bob_logistics})
    assert "owner" in refused.value.message_dict


def test_a_contractor_user_changes_only_the_tasks_assigned_to_it(alice_contractor, server_task, alice_task):
    # when
    services.set_task_status(alice_contractor, alice_task, "in_progress")
    # then
    with pytest.raises(NotVisible):
        services.set_task_status(alice_contractor, server_task, "done")
    assert list(services.tasks_for(alice_contractor, alice_task.case)) == [alice_task]


def test_open_tasks_with_a_due_date_are_due_dates_of_the_case(manager, server_case, server_task, alice_task):
    # given
    server_task.due_date = timezone.localdate() + dt.timedelta(days=2)
    server_task.save()
    alice_task.due_date = timezone.localdate()
    alice_task.status = "done"
    alice_task.save()
    # when
    due = [d for d in deadlines.for_case(server_case) if d.key.startswith(f"case:{server_case.pk}:task:")]
    # then: the done task has no due date any more
    assert [(d.key, d.due) for d in due] == [(f"case:{server_case.pk}:task:{server_task.pk}", server_task.due_date)]
    assert due[0].url.endswith(f"#task-{server_task.pk}")


def test_the_demo_case_is_the_card_companys_call_of_2018_with_its_links_and_tasks():
    # given
    from tests.incidents.cases_support import ensure_playbooks

    ensure_playbooks()
    from mamori.core.demo import load_demo

    # when
    load_demo()
    load_demo()  # again: nothing is added twice
    # then
    case = IncidentCase.objects.get()
    assert timezone.localtime(case.discovered_at).isoformat() == "2018-11-06T10:00:00+09:00"
    assert case.detection_source == "card_company" and case.severity == "critical"
    assert (case.exposure_from, case.exposure_to) == (dt.date(2017, 5, 2), dt.date(2018, 11, 6))
    assert case.contractor.name == "株式会社なにわシステムサービス"
    assert set(case.ledger_entries.values_list("reference", flat=True)) == {"PI-0001", "PI-0002"}
    assert case.legal_hold
    tasks = list(case.tasks.order_by("order"))
    assert tasks[0].title == "サイトの停止またはカード決済の停止・隔離" and tasks[0].due_date == dt.date(2018, 11, 6)
    assert case.timeline.filter(kind=TimelineKind.SYSTEM).count() >= 3
    if case.data_sources.exists():  # the shop database needs SQLAlchemy (the "db" extra)
        assert case.data_sources.get().name == "ECサイト データベース (EC-CUBE)"
