"""Selection evaluation, contracts and their checklist, sub-contractors, periodic reviews: each change is one
audited service call; supervision records are archived with a reason, never deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.contractors import checklist, services
from mamori.contractors.models import ContractorReview
from tests.contractors.conftest import items


def all_scores(score: int) -> dict[int, tuple[int, str]]:
    return {c.pk: (score, "") for c in services.active_criteria()}


def test_the_weighted_score_is_a_percent_of_the_maximum():
    assert services.score_percent([(3, 5), (1, 0)]) == 75
    assert services.score_percent([(2, 3), (2, 4)]) == 70
    assert services.score_percent([]) == 0


@pytest.mark.django_db
def test_an_evaluation_is_scored_against_every_criterion_and_approved_by_the_manager(manager, server_co):
    # when
    evaluation = services.create_evaluation(manager, server_co, {"pass_percent": 70}, all_scores(4))
    services.approve_evaluation(manager, evaluation)
    # then
    evaluation.refresh_from_db()
    assert evaluation.total_percent == 80 and evaluation.passed
    assert evaluation.approved_by == manager and evaluation.evaluator == manager
    assert evaluation.scores.count() == len(checklist.DEFAULT_CRITERIA)
    actions = set(AuditEntry.objects.filter(object_id=str(evaluation.pk)).values_list("action", flat=True))
    assert {"create", "contractor_evaluation_scored", "contractor_evaluation_approved"} <= actions


@pytest.mark.django_db
def test_an_evaluation_below_its_threshold_cannot_be_approved(manager, server_co):
    # given
    evaluation = services.create_evaluation(manager, server_co, {"pass_percent": 70}, all_scores(3))
    # when / then
    with pytest.raises(ValidationError, match="below the threshold"):
        services.approve_evaluation(manager, evaluation)


@pytest.mark.django_db
def test_an_evaluation_needs_a_score_for_every_criterion(manager, server_co):
    # given
    scores = all_scores(5)
    scores.pop(next(iter(scores)))
    # when / then
    with pytest.raises(ValidationError, match="Score every criterion"):
        services.create_evaluation(manager, server_co, {}, scores)


@pytest.mark.django_db
def test_only_the_protection_manager_approves(president, manager, server_co):
    evaluation = services.create_evaluation(manager, server_co, {}, all_scores(5))
    with pytest.raises(PermissionDenied):
        services.approve_evaluation(president, evaluation)


@pytest.mark.django_db
def test_a_checklist_item_marked_present_names_its_clause(manager, server_co):
    # given
    checklist_items = items(False)
    checklist_items["preservation"] = {"present": True, "clause": ""}
    # when / then
    with pytest.raises(ValidationError) as error:
        services.create_contract(
            manager, server_co, {"title": "契約", "starts_on": dt.date(2026, 1, 1), "checklist": checklist_items}
        )
    assert "Preservation of logs" in str(error.value)


@pytest.mark.django_db
def test_the_notice_clause_needs_its_hours(manager, server_co):
    checklist_items = items(False)
    checklist_items["notice_within_hours"] = {"present": True, "clause": "第9条"}
    with pytest.raises(ValidationError) as error:
        services.create_contract(
            manager, server_co, {"title": "契約", "starts_on": dt.date(2026, 1, 1), "checklist": checklist_items}
        )
    assert "notice_hours" in error.value.message_dict


@pytest.mark.django_db
def test_the_contract_in_force_is_the_latest_started(server_co, make_contract):
    # given
    old = make_contract(server_co, items(False), starts_on=dt.date(2018, 1, 1))
    new = make_contract(server_co, items(True), starts_on=dt.date(2025, 1, 1))
    future = make_contract(server_co, items(True), starts_on=dt.date(2099, 1, 1))
    # then
    assert services.current_contract(server_co, dt.date(2026, 1, 1)) == new
    assert services.current_contract(server_co, dt.date(2019, 1, 1)) == old
    assert future.in_force(dt.date(2099, 1, 1))


@pytest.mark.django_db
def test_an_archived_contract_is_kept_with_its_reason_and_no_longer_in_force(manager, server_co, full_contract):
    # when
    services.archive(manager, full_contract, "新契約へ切替")
    # then
    full_contract.refresh_from_db()
    assert full_contract.archive_reason == "新契約へ切替"
    assert services.current_contract(server_co) is None
    with pytest.raises(ValidationError):
        services.update_contract(manager, full_contract, {"title": "変更"})


@pytest.mark.django_db
def test_archiving_needs_a_reason(manager, full_contract):
    with pytest.raises(ValidationError, match="Say why"):
        services.archive(manager, full_contract, "  ")


@pytest.mark.django_db
def test_a_sub_contractor_is_approved_once(manager, server_co):
    # given
    sub = services.add_subcontractor(manager, server_co, {"name": "データセンター株式会社", "services": "ラック貸し"})
    # when
    services.approve_subcontractor(manager, sub)
    # then
    sub.refresh_from_db()
    assert sub.approved_by == manager
    with pytest.raises(ValidationError, match="already approved"):
        services.approve_subcontractor(manager, sub)


@pytest.mark.django_db
def test_completing_a_review_schedules_the_next(manager, server_co):
    # given
    review = services.schedule_review(manager, server_co, dt.date(2026, 6, 30))
    # when
    services.complete_review(
        manager,
        review,
        {
            "result": "improve",
            "done_on": dt.date(2026, 6, 28),
            "findings": "ログ保存期間が90日",
            "next_due_on": dt.date(2027, 6, 30),
        },
    )
    # then
    assert list(ContractorReview.objects.filter(contractor=server_co).values_list("due_on", "done_on")) == [
        (dt.date(2026, 6, 30), dt.date(2026, 6, 28)),
        (dt.date(2027, 6, 30), None),
    ]


@pytest.mark.django_db
def test_a_review_cannot_be_recorded_twice(manager, server_co):
    review = services.schedule_review(manager, server_co, dt.date(2026, 6, 30))
    services.complete_review(manager, review, {"result": "good"})
    with pytest.raises(ValidationError, match="already"):
        services.complete_review(manager, review, {"result": "good"})


@pytest.mark.django_db
def test_the_contract_form_stores_the_checklist_with_its_clauses(client_for, manager, server_co):
    # given
    data = {"title": "運用保守契約", "starts_on": "2026-04-01", "notice_hours": "24", "log_retention_days": "365"}
    for n, key in enumerate(checklist.ALL_ITEMS, 1):
        data[f"present_{key}"] = "on"
        data[f"clause_{key}"] = f"第{n}条"
    # when
    response = client_for(manager).post(f"/contractors/{server_co.pk}/contracts/new/", data)
    # then
    assert response.status_code == 302
    contract = server_co.contracts.get()
    assert contract.item("no_deletion_without_consent") == (True, "第11条")
    assert services.missing_incident_clauses(contract) == []


@pytest.mark.django_db
def test_a_contract_form_with_a_present_item_without_clause_says_which(client_for, manager, server_co):
    # when
    response = client_for(manager).post(
        f"/contractors/{server_co.pk}/contracts/new/",
        {"title": "運用保守契約", "starts_on": "2026-04-01", "present_preservation": "on"},
    )
    # then
    assert response.status_code == 400
    assert "Preservation of logs" in response.content.decode()
    assert not server_co.contracts.exists()


@pytest.mark.django_db
def test_the_evaluation_form_scores_and_the_page_shows_the_result(client_for, manager, server_co):
    # given
    data = {"evaluated_on": "2026-11-01", "pass_percent": "70"}
    for c in services.active_criteria():
        data[f"score_{c.pk}"] = "5"
    # when
    response = client_for(manager).post(f"/contractors/{server_co.pk}/evaluations/new/", data)
    page = client_for(manager).get(response.url).content.decode()
    # then
    assert response.status_code == 302
    assert "100%" in page


@pytest.mark.django_db
def test_the_contractor_page_links_what_it_handles(client_for, manager, server_co, card_entry):
    page = client_for(manager).get(f"/contractors/{server_co.pk}/").content.decode()
    assert f'href="/ledger/{card_entry.pk}/"' in page


@pytest.mark.django_db
def test_supervision_records_have_no_delete(manager):
    from mamori.accounts import policy

    assert not policy.can(manager, policy.Action.DELETE, services.SUPERVISION)
    assert not policy.can(manager, policy.Action.DELETE, services.MANUAL)
    assert policy.can(SYSTEM, policy.Action.VIEW, services.SUPERVISION)


@pytest.mark.django_db
def test_a_changed_weight_leaves_past_evaluations_as_they_were(client_for, manager, server_co):
    # given
    evaluation = services.create_evaluation(manager, server_co, {}, all_scores(4))
    criterion = services.active_criteria().first()
    # when: the manager doubles one weight on the criteria page
    response = client_for(manager).post(
        f"/contractors/criteria/{criterion.pk}/",
        {
            "name": criterion.name,
            "name_en": criterion.name_en,
            "weight": criterion.weight * 2,
            "order": 1,
            "active": "on",
        },
    )
    # then
    assert response.status_code == 302
    criterion.refresh_from_db()
    score = evaluation.scores.get(criterion=criterion)
    assert score.weight * 2 == criterion.weight
    assert AuditEntry.objects.filter(action="update", object_id=str(criterion.pk)).exists()


@pytest.mark.django_db
def test_a_criterion_out_of_use_is_not_scored_any_more(manager, server_co):
    # given
    criterion = services.active_criteria().first()
    services.update_criterion(manager, criterion, {"active": False})
    # when
    evaluation = services.create_evaluation(manager, server_co, {}, all_scores(5))
    # then
    assert not evaluation.scores.filter(criterion=criterion).exists()


@pytest.mark.django_db
def test_an_evaluation_recorded_by_the_system_names_the_system_as_its_evaluator(client_for, manager, server_co):
    # given an evaluation imported without a person (as the demo and imports record it)
    evaluation = services.create_evaluation(SYSTEM, server_co, {"pass_percent": 70}, all_scores(4))
    client = client_for(manager)
    # when the manager opens the contractor and the evaluation
    pages = [
        client.get(f"/contractors/{server_co.pk}/").content.decode(),
        client.get(f"/contractors/evaluations/{evaluation.pk}/").content.decode(),
    ]
    # then the evaluator reads システム, never Python's None
    for page in pages:
        assert "システム" in page and ">None<" not in page
