"""Signing in: passwords, lockout, two-factor, expiry — what a user sees at /accounts/login/."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from mamori.accounts.middleware import SESSION_KEY
from mamori.accounts.models import User
from mamori.audit.models import AuditEntry
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.django_db
def test_staff_signs_in_with_password_and_reaches_dashboard(staff):
    # given
    client = Client()
    # when
    response = sign_in(client, "staff")
    # then
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="login", actor_username="staff").exists()


@pytest.mark.django_db
def test_wrong_password_is_refused_without_saying_whether_the_user_exists(staff):
    # when
    wrong = sign_in(Client(), "staff", "not-the-password")
    unknown = sign_in(Client(), "nobody", "not-the-password")
    # then
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.content.count(b"errorlist") == unknown.content.count(b"errorlist")
    failures = AuditEntry.objects.filter(action="login_failed").order_by("seq")
    assert [e.actor_username for e in failures] == ["staff", "nobody"]


@pytest.mark.django_db
def test_five_failures_lock_the_account_even_for_the_right_password(staff, settings):
    # given
    settings.MAMORI_LOCKOUT_ATTEMPTS = 5
    for _ in range(5):
        sign_in(Client(), "staff", "wrong-password-xx")
    # when
    response = sign_in(Client(), "staff")
    # then
    assert response.status_code == 400
    staff.refresh_from_db()
    assert staff.is_locked()
    assert AuditEntry.objects.filter(action="login_failed", message__contains="locked").exists()


@pytest.mark.django_db
def test_lock_ends_after_the_lockout_period(staff):
    # given
    User.objects.filter(pk=staff.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    # when
    response = sign_in(Client(), "staff")
    # then
    assert response.status_code == 302


@pytest.mark.django_db
def test_manager_without_two_factor_must_enrol_before_anything_else(manager):
    # given
    client = Client()
    sign_in(client, "manager")
    # when
    response = client.get("/contractors/")
    # then
    assert response.status_code == 302
    assert response.url == "/accounts/two-factor/setup/"


@pytest.mark.django_db
def test_manager_enrols_two_factor_with_a_code_from_the_app(manager):
    # given
    client = Client()
    sign_in(client, "manager")
    client.get("/accounts/two-factor/setup/")
    manager.refresh_from_db()
    code = pyotp.TOTP(manager.totp_key()).now()
    # when
    response = client.post("/accounts/two-factor/setup/", {"code": code})
    # then
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.has_totp
    assert client.session[SESSION_KEY] is True
    assert AuditEntry.objects.filter(action="two_factor_enabled").exists()


@pytest.fixture
def manager_with_totp(manager) -> User:
    manager.set_totp_key(pyotp.random_base32())
    manager.totp_confirmed_at = timezone.now()
    manager.save()
    return manager


@pytest.mark.django_db
def test_user_with_two_factor_is_asked_for_the_code_and_a_used_code_is_refused(manager_with_totp):
    # given
    client = Client()
    response = sign_in(client, "manager")
    assert response.url == "/accounts/two-factor/verify/"
    code = pyotp.TOTP(manager_with_totp.totp_key()).now()
    # when
    first = client.post("/accounts/two-factor/verify/", {"code": code})
    other = Client()
    sign_in(other, "manager")
    replay = other.post("/accounts/two-factor/verify/", {"code": code})
    # then
    assert first.status_code == 302 and first.url == "/"
    assert replay.status_code == 400
    assert "_auth_user_id" not in other.session


@pytest.mark.django_db
def test_password_alone_does_not_sign_in_a_user_with_two_factor(manager_with_totp):
    # given
    client = Client()
    # when
    sign_in(client, "manager")
    # then
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_investigator_whose_access_expired_cannot_sign_in_or_keep_a_session(investigator, client_for):
    # given
    client = client_for(investigator)
    User.objects.filter(pk=investigator.pk).update(access_expires_at=timezone.now() - dt.timedelta(minutes=1))
    # when
    session_response = client.get("/incidents/")
    login_response = sign_in(Client(), "ivy")
    # then
    assert session_response.status_code == 302
    assert login_response.status_code == 400


@pytest.mark.django_db
def test_login_redirects_only_to_this_site(staff):
    # when
    response = Client().post(LOGIN + "?next=https://evil.example/", {"username": "staff", "password": PASSWORD})
    # then
    assert response.url == "/"


@pytest.mark.django_db
def test_logout_is_recorded(staff, client_for):
    # given
    client = client_for(staff)
    # when
    response = client.post("/accounts/logout/")
    # then
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="logout", actor_username="staff").exists()


@pytest.mark.django_db
def test_session_is_an_idle_timeout(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
