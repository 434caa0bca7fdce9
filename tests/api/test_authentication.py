"""API sign-in: tokens are issued through the same password, lockout, two-factor and audit rules as the
sign-in page; sessions count only after two-factor where the role requires it."""

from __future__ import annotations

import pyotp
import pytest
from django.conf import settings
from django.test import Client

from mamori.accounts.middleware import SESSION_KEY
from mamori.accounts.models import ApiToken
from mamori.audit.models import AuditEntry
from tests.api.conftest import Api, enrol_totp
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def _token_client(key: str) -> Api:
    return Api(Client(headers={"Authorization": f"Token {key}"}))


def test_a_token_from_user_name_and_password_works_like_a_signed_in_user(staff):
    # when
    response = Api(Client()).post(TOKEN_URL, {"username": "staff", "password": PASSWORD})
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["role"] == "staff"
    me = _token_client(body["token"]).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == "staff"
    assert me.json()["permissions"]["incident_case"] == ["add", "view"]
    assert AuditEntry.objects.filter(action="login", actor_username="staff", via="api").exists()
    assert AuditEntry.objects.filter(action="api_token_issued", actor_username="staff", via="api").exists()


def test_a_token_gets_the_same_answers_as_the_role(staff, server_case):
    # given
    key = Api(Client()).post(TOKEN_URL, {"username": "staff", "password": PASSWORD}).json()["token"]
    api = _token_client(key)
    # when / then: staff may read users neither in the UI nor with a token
    assert api.get("/api/v1/users/").status_code == 403
    assert api.patch(f"/api/v1/cases/{server_case.pk}/", {"title": "x"}).status_code == 403


def test_a_wrong_password_is_refused_counted_and_audited(staff):
    # when
    response = Api(Client()).post(TOKEN_URL, {"username": "staff", "password": "wrong"})
    # then
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    staff.refresh_from_db()
    assert staff.failed_logins == 1
    assert AuditEntry.objects.filter(action="login_failed", actor_username="staff").exists()
    assert not ApiToken.objects.filter(owner=staff).exists()


def test_repeated_wrong_passwords_lock_the_account_for_the_api_too(staff):
    # given
    api = Api(Client())
    for _ in range(settings.MAMORI_LOCKOUT_ATTEMPTS):
        api.post(TOKEN_URL, {"username": "staff", "password": "wrong"})
    # when: even the right password is refused while locked
    response = api.post(TOKEN_URL, {"username": "staff", "password": PASSWORD})
    # then
    assert response.status_code == 401
    staff.refresh_from_db()
    assert staff.is_locked()


def test_an_unknown_user_name_gets_the_same_answer_as_a_wrong_password(staff):
    # when
    unknown = Api(Client()).post(TOKEN_URL, {"username": "nobody", "password": "wrong"})
    wrong = Api(Client()).post(TOKEN_URL, {"username": "staff", "password": "wrong"})
    # then
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_a_user_with_two_factor_needs_the_code_and_a_used_code_is_refused(manager):
    # given
    enrol_totp(manager)
    api = Api(Client())
    # when
    without_code = api.post(TOKEN_URL, {"username": "manager", "password": PASSWORD})
    wrong_code = api.post(TOKEN_URL, {"username": "manager", "password": PASSWORD, "code": "000000"})
    code = pyotp.TOTP(manager.totp_key()).now()
    right_code = api.post(TOKEN_URL, {"username": "manager", "password": PASSWORD, "code": code})
    replayed = api.post(TOKEN_URL, {"username": "manager", "password": PASSWORD, "code": code})
    # then
    assert without_code.status_code == 401
    assert without_code.json()["error"]["code"] == "two_factor_required"
    assert wrong_code.status_code == 401
    assert wrong_code.json()["error"]["code"] == "two_factor_failed"
    assert right_code.status_code == 200, right_code.content
    assert replayed.status_code == 401
    assert AuditEntry.objects.filter(action="login_failed", message__startswith="wrong two-factor code").count() >= 1


def test_a_role_that_requires_two_factor_gets_no_token_before_enrolling(manager):
    # when
    response = Api(Client()).post(TOKEN_URL, {"username": "manager", "password": PASSWORD})
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "two_factor_setup_required"
    assert not ApiToken.objects.filter(owner=manager).exists()


def test_a_token_stops_working_when_two_factor_is_cleared_behind_the_services_back(manager, token_api):
    # given
    api = token_api(manager)
    assert api.get("/api/v1/me/").status_code == 200
    # when: two-factor is cleared without the reset service (which would also revoke the tokens)
    manager.totp_confirmed_at = None
    manager.save()
    # then
    assert api.get("/api/v1/me/").status_code == 401


def test_deleting_the_token_revokes_it(staff):
    # given
    key = Api(Client()).post(TOKEN_URL, {"username": "staff", "password": PASSWORD}).json()["token"]
    api = _token_client(key)
    # when
    response = api.delete(TOKEN_URL)
    # then
    assert response.status_code == 204
    assert api.get("/api/v1/me/").status_code == 401
    assert AuditEntry.objects.filter(action="api_token_revoked", actor_username="staff").exists()


def test_each_request_for_a_token_makes_a_new_one(staff):
    # when
    first = Api(Client()).post(TOKEN_URL, {"username": "staff", "password": PASSWORD, "name": "nightly export"})
    second = Api(Client()).post(TOKEN_URL, {"username": "staff", "password": PASSWORD})
    # then
    assert first.status_code == second.status_code == 200
    assert first.json()["token"] != second.json()["token"]
    assert first.json()["api_token"]["name"] == "nightly export"
    assert ApiToken.objects.filter(owner=staff).count() == 2


def test_a_made_up_token_is_refused(staff):
    # when
    response = _token_client("0" * 40).get("/api/v1/me/")
    # then
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_a_password_only_session_of_a_role_that_requires_two_factor_gets_nothing(manager, server_case):
    # given: signed in with the password, two-factor not done (the session flag is not set)
    client = Client()
    client.force_login(manager, backend="mamori.accounts.backends.LockoutBackend")
    session = client.session
    session[SESSION_KEY] = False
    session.save()
    api = Api(client)
    # when / then
    for path in ["/api/v1/me/", "/api/v1/cases/", f"/api/v1/cases/{server_case.pk}/", "/api/v1/users/"]:
        response = api.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "not_authenticated"
    assert api.post("/api/v1/cases/", {"title": "x", "discovered_at": "2026-11-01T00:00:00Z"}).status_code == 401


def test_a_password_only_session_is_enough_for_a_role_without_two_factor(staff):
    # given
    client = Client()
    client.force_login(staff, backend="mamori.accounts.backends.LockoutBackend")
    # then
    assert Api(client).get("/api/v1/me/").status_code == 200


def test_session_writes_need_the_csrf_token(staff, client_for):
    # given
    client = client_for(staff)
    client.handler.enforce_csrf_checks = True
    # when
    response = Api(client).post("/api/v1/cases/", {"title": "x", "discovered_at": "2026-11-01T00:00:00Z"})
    # then
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_token_requests_are_throttled(staff, monkeypatch):
    # given: a low rate for this test (the class reads the rates when it is imported)
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    api = Api(Client())
    # when
    statuses = [api.post(TOKEN_URL, {"username": "x", "password": "y"}).status_code for _ in range(4)]
    # then
    assert statuses == [401, 401, 401, 429]
