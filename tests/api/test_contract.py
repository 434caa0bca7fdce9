"""The API contract of issue 16, one rule at a time: JSON bodies with the documented shapes, date-times in range
and RFC 3339, one JSON error shape for every /api/ answer (CSRF failures and odd addresses included), query
parameters refused with 400 when unknown or invalid, translated refusals, and no self-lockout."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from mamori.accounts.middleware import SESSION_KEY
from mamori.accounts.models import User
from mamori.accounts.roles import Role
from mamori.api.fields import rfc3339
from mamori.risk.models import Nonconformity

pytestmark = pytest.mark.django_db

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:400]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert error["status"] == status and error["message"]
    return error  # type: ignore[no-any-return]


@pytest.fixture
def manager_api(manager, session_api):
    return session_api(manager)


@pytest.mark.parametrize("evidence", [True, 0, "xy", [None, None], [["a", "b"]], {"a": {"b": 1}}, {"": 1}])
def test_nonconformity_evidence_that_is_not_a_flat_object_is_refused(manager_api, evidence):
    # when
    response = manager_api.post("/api/v1/nonconformities/", {"title": "証跡なし", "evidence": evidence})
    # then: a field error, nothing stored
    assert "evidence" in _error(response, 400)["fields"]
    assert not Nonconformity.objects.filter(title="証跡なし").exists()


@pytest.mark.parametrize(
    ("evidence", "stored"),
    [(None, {}), ({"source": "reconciliation", "ref": "scan:12", "rows": 3, "open": True}, None)],
)
def test_nonconformity_evidence_of_the_documented_shape_is_kept(manager_api, evidence, stored):
    response = manager_api.post("/api/v1/nonconformities/", {"title": "証跡あり", "evidence": evidence})
    assert response.status_code == 201, response.content
    assert response.json()["evidence"] == (evidence if stored is None else stored)


@pytest.mark.parametrize("moment", ["0797-03-15T00:00:00Z", "1899-12-31T23:00:00Z", "1887-01-01T00:00:00+09:00"])
def test_date_times_before_1900_are_refused(manager_api, moment):
    response = manager_api.post("/api/v1/cases/", {"title": "古い", "discovered_at": moment})
    assert "discovered_at" in _error(response, 400)["fields"]


def test_date_times_come_back_as_rfc_3339_with_a_whole_minute_offset(manager_api):
    # given
    created = manager_api.post("/api/v1/cases/", {"title": "新しい", "discovered_at": "1900-01-01T00:00:00Z"})
    # then
    assert created.status_code == 201, created.content
    assert RFC3339.match(created.json()["discovered_at"]), created.json()["discovered_at"]
    assert created.json()["discovered_at"].endswith("+09:00")


def test_rfc3339_falls_back_to_utc_for_an_offset_with_seconds():
    import datetime as dt

    lmt = dt.timezone(dt.timedelta(hours=9, minutes=18, seconds=59))
    assert rfc3339(dt.datetime(1887, 3, 15, 9, 18, 59, tzinfo=lmt)) == "1887-03-15T00:00:00Z"


@pytest.mark.parametrize("title", [0, 1.5, True, ["a"], {"a": 1}])
def test_text_fields_take_only_json_strings(manager_api, title):
    response = manager_api.post("/api/v1/cases/", {"title": title, "discovered_at": "2026-11-01T10:00:00+09:00"})
    assert "title" in _error(response, 400)["fields"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/cases/?page_size=abc", "page_size"),
        ("/api/v1/cases/?page=0", "page"),
        ("/api/v1/contractors/?active=banana", "active"),
        ("/api/v1/users/?is_active=null", "is_active"),
        ("/api/v1/audit-entries/?created_after=", "created_after"),
        ("/api/v1/audit-entries/?created_after=1850-01-01T00:00:00Z", "created_after"),
        ("/api/v1/cases/?search=", "search"),
        ("/api/v1/cases/?ordering=password", "ordering"),
        ("/api/v1/cases/?colour=red", "colour"),
        ("/api/v1/cases/1/?status=received", "status"),
        ("/api/v1/me/?x=1", "x"),
    ],
)
def test_unknown_or_invalid_query_parameters_are_refused_by_name(manager_api, path, parameter):
    response = manager_api.client.get(path, HTTP_ACCEPT="application/json")
    assert parameter in _error(response, 400)["fields"]


def test_a_well_formed_id_that_matches_nothing_filters_to_an_empty_list(manager_api):
    response = manager_api.get("/api/v1/risks/", owner=987654)
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/v1/cases/abc/"),
        ("post", "/api/v1/nothing-here/"),
        ("get", "/api/v1/cases/a%0A/"),
        ("get", "/api/v1/cases/1%0A/"),
        ("put", "/api/\n"),
    ],
)
def test_odd_addresses_get_the_json_404_even_for_unsafe_methods_without_a_csrf_token(manager, method, path):
    # given a signed-in browser session whose requests are checked for CSRF, as a browser's are
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager, backend="mamori.accounts.backends.LockoutBackend")
    # when
    response = getattr(client, method)(path)
    # then
    assert _error(response, 404)["code"] == "not_found"


def test_a_csrf_failure_is_a_json_403_saying_what_to_do(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager, backend="mamori.accounts.backends.LockoutBackend")
    session = client.session
    session[SESSION_KEY] = True
    session.save()
    response = client.post("/api/v1/contractors/", {"name": "x"}, content_type="application/json")
    error = _error(response, 403)
    assert error["code"] in {"csrf_failed", "not_authenticated"} or "CSRF" in error["message"]
    assert "CSRF Failed" not in error["message"]


def test_a_policy_refusal_names_the_records_not_an_internal_code(staff, session_api):
    # when staff asks for something its role may not do
    response = session_api(staff).post("/api/v1/users/", {"username": "x", "role": "staff", "password": "p" * 20})
    # then the message uses the record's name, not the policy's resource code
    message = _error(response, 403)["message"]
    assert "user records" not in message and "_" not in message


def test_a_405_is_json_with_an_allow_header(manager_api):
    response = manager_api.client.delete("/api/v1/users/1/")
    assert _error(response, 405)["code"] == "method_not_allowed"
    assert "DELETE" not in response["Allow"]


def test_users_cannot_deactivate_themselves(manager, manager_api):
    response = manager_api.patch(f"/api/v1/users/{manager.pk}/", {"is_active": False})
    _error(response, 403)
    manager.refresh_from_db()
    assert manager.is_active


def test_users_cannot_reset_their_own_two_factor(manager, manager_api):
    response = manager_api.post(f"/api/v1/users/{manager.pk}/reset-two-factor/")
    _error(response, 403)


def test_the_last_active_manager_cannot_be_demoted(manager, manager_api):
    # given one active protection manager; when it demotes itself; then 409 under "role", nothing changed
    response = manager_api.patch(f"/api/v1/users/{manager.pk}/", {"role": Role.STAFF})
    assert "role" in _error(response, 409)["fields"]
    manager.refresh_from_db()
    assert manager.role == Role.PROTECTION_MANAGER


def test_a_manager_may_step_down_or_deactivate_another_when_one_remains(manager, manager_api):
    # given a second active protection manager
    deputy = User(username="deputy", role=Role.PROTECTION_MANAGER)
    deputy.set_password("a-long-passphrase-77")
    deputy.save()
    # when the first deactivates the deputy, then demotes itself
    deactivated = manager_api.patch(f"/api/v1/users/{deputy.pk}/", {"is_active": False})
    demoted = manager_api.patch(f"/api/v1/users/{manager.pk}/", {"role": Role.STAFF})
    # then the deputy goes, but the last active manager stays
    assert deactivated.status_code == 200, deactivated.content
    assert demoted.status_code == 409
