"""Lists: pagination, filtering, ordering and search — the audit trail by action, record, who and time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.audit import services as audit
from mamori.incidents.models import IncidentCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def president_api(world, session_api):
    users, ids = world
    return session_api(users["president"]), ids


def _results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_audit_entries_filter_by_action_record_and_actor(president_api, manager, server_co):
    # given
    api, _ = president_api
    audit.record(manager, "update", server_co, message="renamed")
    audit.record(SYSTEM, "export", object_type="contractor", message="csv")
    # when
    by_action = _results(api.get("/api/v1/audit-entries/", action="export"))
    by_record = _results(
        api.get("/api/v1/audit-entries/", object_type="contractors.contractor", object_id=str(server_co.pk))
    )
    by_actor = _results(api.get("/api/v1/audit-entries/", actor_username="MANAGER"))
    # then
    assert [e["message"] for e in by_action] == ["csv"]
    assert [e["message"] for e in by_record] == ["renamed"]
    assert [e["action"] for e in by_actor] == ["update"]
    assert {"seq", "hash", "prev_hash", "changes", "via"} <= set(by_actor[0])


def test_audit_entries_filter_by_time(president_api):
    # given: two entries; the second one's time splits the trail
    api, _ = president_api
    audit.record(SYSTEM, "old_event")
    later = audit.record(SYSTEM, "new_event")
    since = later.created_at.isoformat()
    # when
    recent = _results(api.get("/api/v1/audit-entries/", created_after=since))
    older = _results(api.get("/api/v1/audit-entries/", created_before=since))
    # then
    assert {e["action"] for e in recent} == {"new_event"}
    assert "old_event" in {e["action"] for e in older} and "new_event" not in {e["action"] for e in older}


def test_lists_are_paged_and_a_page_holds_at_most_500(president_api):
    # given
    api, _ = president_api
    now = timezone.now()
    IncidentCase.objects.bulk_create(IncidentCase(title=f"case {i}", discovered_at=now) for i in range(520))
    # when
    first = api.get("/api/v1/cases/", page_size=10)
    largest = api.get("/api/v1/cases/", page_size=500)
    too_large = api.get("/api/v1/cases/", page_size=501)
    default = api.get("/api/v1/cases/")
    # then
    assert first.json()["count"] == 522 and len(first.json()["results"]) == 10
    assert "page=2" in first.json()["next"]
    assert len(largest.json()["results"]) == 500
    assert too_large.status_code == 400 and "page_size" in too_large.json()["error"]["fields"]
    assert len(default.json()["results"]) == 50


def test_cases_filter_by_status_contractor_and_time_and_sort(president_api):
    # given
    api, ids = president_api
    IncidentCase.objects.filter(pk=ids["internal_case"]).update(
        status="closed", discovered_at=timezone.now() - dt.timedelta(days=40)
    )
    # when
    closed = _results(api.get("/api/v1/cases/", status="closed"))
    of_server = _results(api.get("/api/v1/cases/", contractor=ids["server_co"]))
    internal = _results(api.get("/api/v1/cases/", internal="true"))
    recent = _results(api.get("/api/v1/cases/", discovered_after=(timezone.now() - dt.timedelta(days=1)).isoformat()))
    oldest_first = _results(api.get("/api/v1/cases/", ordering="discovered_at"))
    # then
    assert [c["id"] for c in closed] == [ids["internal_case"]]
    assert [c["id"] for c in of_server] == [ids["server_case"]]
    assert of_server[0]["contractor_name"] == "なにわシステムサービス"
    assert [c["id"] for c in internal] == [ids["internal_case"]]
    assert [c["id"] for c in recent] == [ids["server_case"]]
    assert [c["id"] for c in oldest_first] == [ids["internal_case"], ids["server_case"]]


def test_search_finds_records_by_their_words(president_api):
    api, ids = president_api
    assert [c["id"] for c in _results(api.get("/api/v1/cases/", search="紛失"))] == [ids["internal_case"]]
    assert [c["name"] for c in _results(api.get("/api/v1/contractors/", search="ロジ"))] == ["関西ロジスティクス"]
    assert [u["username"] for u in _results(api.get("/api/v1/users/", role="contractor"))] == ["alice", "bob"]
