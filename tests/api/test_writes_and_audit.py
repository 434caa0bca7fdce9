"""API writes go through the domain services: the same checks, and the same audit entries as the UI
(marked as coming from the API)."""

from __future__ import annotations

import pytest

from mamori.accounts.models import User
from mamori.audit.models import AuditEntry
from mamori.contractors.models import Contractor
from mamori.incidents.models import IncidentCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_api(world, session_api):
    users, ids = world
    return session_api(users["manager"]), ids


def _last(action: str, object_type: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(action=action, object_type=object_type).order_by("-seq").first()
    assert entry is not None, f"no {action} entry for {object_type}"
    return entry


def test_creating_a_contractor_is_audited_as_an_api_change_by_the_user(manager_api):
    # given
    api, _ = manager_api
    # when
    response = api.post("/api/v1/contractors/", {"name": "東京データセンター", "corporate_number": "5835678256246"})
    # then
    assert response.status_code == 201, response.content
    entry = _last("create", "contractors.contractor")
    assert entry.object_id == str(response.json()["id"])
    assert (entry.actor_username, entry.actor_role, entry.via) == ("manager", "protection_manager", "api")
    assert entry.changes["name"] == [None, "東京データセンター"]


def test_updating_a_case_records_what_changed(manager_api):
    # given
    api, ids = manager_api
    # when
    response = api.patch(f"/api/v1/cases/{ids['internal_case']}/", {"severity": "critical", "persons_affected": 12})
    # then
    assert response.status_code == 200
    assert response.json()["severity"] == "critical"
    entry = _last("update", "incidents.incidentcase")
    assert entry.object_id == str(ids["internal_case"])
    assert entry.changes["severity"] == ["high", "critical"]
    assert entry.changes["persons_affected"] == [None, 12]
    assert entry.via == "api"


def test_moving_a_case_records_the_stage_and_the_reason(manager_api):
    # given
    api, ids = manager_api
    # when
    response = api.post(
        f"/api/v1/cases/{ids['internal_case']}/move/", {"status": "containment", "reason": "端末を停止"}
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "containment"
    entry = _last("update", "incidents.incidentcase")
    assert entry.changes["status"] == ["received", "containment"]
    assert entry.message == "端末を停止"
    assert entry.via == "api"


def test_deleting_a_case_is_refused_and_says_to_archive_instead(manager_api):
    # given
    api, ids = manager_api
    # when
    response = api.delete(f"/api/v1/cases/{ids['internal_case']}/")
    # then
    assert response.status_code == 405
    assert (
        "archive" in response.json()["error"]["message"].lower() or "アーカイブ" in response.json()["error"]["message"]
    )
    assert IncidentCase.objects.filter(pk=ids["internal_case"]).exists()
    assert not AuditEntry.objects.filter(action="delete", object_type="incidents.incidentcase").exists()


def test_a_refused_delete_changes_nothing_and_says_why(manager_api):
    # given: the logistics contractor still has a user
    api, ids = manager_api
    # when
    response = api.delete(f"/api/v1/contractors/{ids['logistics_co']}/")
    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "protected"
    assert Contractor.objects.filter(pk=ids["logistics_co"]).exists()
    assert not AuditEntry.objects.filter(action="delete", object_type="contractors.contractor").exists()


def test_a_forbidden_write_leaves_no_trace(world, session_api):
    # given
    users, ids = world
    # when
    response = session_api(users["auditor"]).patch(f"/api/v1/cases/{ids['server_case']}/", {"title": "x"})
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not AuditEntry.objects.filter(action="update").exists()


def test_creating_a_user_sets_the_password_and_never_writes_it_to_the_trail(manager_api, server_co):
    # given
    api, _ = manager_api
    body = {"username": "carol", "role": "contractor", "contractor": server_co.pk, "password": "a-long-passphrase-77"}
    # when
    response = api.post("/api/v1/users/", body)
    # then
    assert response.status_code == 201, response.content
    assert "password" not in response.json()
    carol = User.objects.get(username="carol")
    assert carol.check_password("a-long-passphrase-77") and carol.contractor == server_co
    entry = _last("create", "accounts.user")
    assert "a-long-passphrase-77" not in str(entry.changes)


def test_unlock_and_reset_two_factor_go_through_the_account_services(manager_api, staff):
    # given
    api, _ = manager_api
    User.objects.filter(pk=staff.pk).update(failed_logins=3, totp_secret="JBSWY3DPEHPK3PXP")
    # when
    unlocked = api.post(f"/api/v1/users/{staff.pk}/unlock/")
    reset = api.post(f"/api/v1/users/{staff.pk}/reset-two-factor/")
    # then
    assert unlocked.status_code == reset.status_code == 200
    staff.refresh_from_db()
    assert staff.failed_logins == 0 and staff.totp_secret == ""
    assert _last("unlock", "accounts.user").via == "api"
    assert _last("two_factor_reset", "accounts.user").via == "api"
    assert api.post("/api/v1/users/99999999999999999999999/unlock/").status_code == 404


def test_deactivating_a_user_is_an_audited_update(manager_api, staff):
    api, _ = manager_api
    response = api.patch(f"/api/v1/users/{staff.pk}/", {"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert _last("update", "accounts.user").changes["is_active"] == [True, False]
