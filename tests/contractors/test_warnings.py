"""Warnings: a contractor that handles card data or special-care data without the incident clauses in its contract
in force, a periodic review past its due date (due today is not overdue), a manual not acknowledged in time."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.contractors import checklist, services
from mamori.ledger import services as ledger_services
from mamori.ledger.models import DataCategory
from tests.contractors.conftest import items

TODAY = dt.date(2026, 12, 7)


def kinds(contractor, today=TODAY):
    return [w.kind for w in services.contractor_warnings(contractor, today)]


@pytest.mark.django_db
def test_a_card_handling_contractor_without_incident_clauses_is_warned_about(server_co, card_entry, bare_contract):
    # when
    found = services.contractor_warnings(server_co, TODAY)
    # then
    assert [w.kind for w in found] == ["incident_clauses"]
    assert "Nothing deleted, overwritten or rebuilt" in found[0].message
    assert found[0].url.endswith(f"/contractors/{server_co.pk}/#contracts")


@pytest.mark.django_db
def test_a_card_handling_contractor_with_no_contract_in_force_is_warned_about(server_co, card_entry, make_contract):
    # given: the only contract ended yesterday
    make_contract(server_co, items(True), starts_on=dt.date(2020, 1, 1), ends_on=TODAY - dt.timedelta(days=1))
    # when
    found = services.contractor_warnings(server_co, TODAY)
    # then
    assert [w.kind for w in found] == ["incident_clauses"]
    assert "no contract in force" in found[0].message


@pytest.mark.django_db
def test_a_contract_with_every_incident_clause_raises_no_warning(server_co, card_entry, full_contract):
    assert kinds(server_co) == []


@pytest.mark.django_db
def test_one_missing_clause_is_enough_for_a_warning(server_co, card_entry, make_contract):
    # given: all clauses but the log retention
    present = items(True)
    present["log_retention"] = {"present": False, "clause": ""}
    make_contract(server_co, present)
    # when
    found = services.contractor_warnings(server_co, TODAY)
    # then
    assert [w.kind for w in found] == ["incident_clauses"]
    assert "logs kept for a set period" in found[0].message
    assert "written consent" not in found[0].message


@pytest.mark.django_db
def test_a_contractor_without_card_or_special_care_data_is_not_warned_about_clauses(
    logistics_co, delivery_entry, make_contract
):
    # given: names only, and a contract without incident clauses
    make_contract(logistics_co, items(True, checklist.REQUIRED_ITEMS))
    # then
    assert kinds(logistics_co) == []


@pytest.mark.django_db
def test_special_care_data_in_a_handled_entry_makes_the_clauses_required_but_not_card_non_retention(
    logistics_co, make_contract
):
    # given: a health record handed to the contractor, and a contract with every clause but card non-retention
    health = DataCategory.objects.filter(special_care=True, card_data=False).order_by("pk").first()
    ledger_services.create_entry(
        SYSTEM,
        {
            "reference": "PI-0009",
            "name": "健康診断",
            "department": "総務",
            "categories": [health],
            "contractors": [logistics_co],
        },
    )
    present = items(True)
    present["card_data_non_retention"] = {"present": False, "clause": ""}
    make_contract(logistics_co, present)
    # then
    assert services.sensitive_data(logistics_co) == ["special_care"]
    assert kinds(logistics_co) == []


@pytest.mark.django_db
def test_the_contractors_own_card_flag_counts_without_a_ledger_entry(logistics_co):
    # given
    services.update_contractor(SYSTEM, logistics_co, {"handles_card_data": True})
    # then
    assert kinds(logistics_co) == ["incident_clauses"]


@pytest.mark.django_db
def test_a_review_due_today_is_not_overdue(server_co):
    # given
    review = services.schedule_review(SYSTEM, server_co, TODAY)
    # then
    assert not review.overdue(TODAY)
    assert kinds(server_co) == []


@pytest.mark.django_db
def test_a_review_due_yesterday_is_overdue(server_co):
    # given
    review = services.schedule_review(SYSTEM, server_co, TODAY - dt.timedelta(days=1))
    # when
    found = services.contractor_warnings(server_co, TODAY)
    # then
    assert review.overdue(TODAY)
    assert [(w.kind, w.due) for w in found] == [("review_overdue", TODAY - dt.timedelta(days=1))]


@pytest.mark.django_db
def test_a_done_or_archived_review_is_never_overdue(server_co):
    # given
    done = services.schedule_review(SYSTEM, server_co, TODAY - dt.timedelta(days=30))
    services.complete_review(SYSTEM, done, {"result": "good", "done_on": TODAY - dt.timedelta(days=29)})
    archived = services.schedule_review(SYSTEM, server_co, TODAY - dt.timedelta(days=5))
    services.archive(SYSTEM, archived, "契約終了のため不要")
    # then
    assert kinds(server_co) == []


@pytest.mark.django_db
def test_the_dashboard_function_gives_warnings_to_those_who_read_supervision_records_only(
    server_co, card_entry, bare_contract, manager, president, auditor, staff, alice_contractor
):
    # when / then
    for reader in (manager, president, auditor):
        assert [w.kind for w in services.warnings(reader)] == ["incident_clauses"]
    for other in (staff, alice_contractor):
        assert services.warnings(other) == []


@pytest.mark.django_db
def test_an_ended_contractor_raises_no_clause_warning(server_co, card_entry):
    # given
    services.update_contractor(SYSTEM, server_co, {"active": False})
    # then
    assert kinds(server_co) == []


@pytest.mark.django_db
def test_the_list_and_the_contractor_page_show_the_warning(
    client_for, manager, staff, server_co, card_entry, bare_contract
):
    # when
    page = client_for(manager).get(f"/contractors/{server_co.pk}/").content.decode()
    listing = client_for(manager).get("/contractors/").content.decode()
    staff_listing = client_for(staff).get("/contractors/").content.decode()
    # then
    assert 'data-kind="incident_clauses"' in page
    assert 'data-kind="incident_clauses"' in listing
    assert 'data-kind="incident_clauses"' not in staff_listing
