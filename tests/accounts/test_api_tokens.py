"""API tokens: named, several per user, shown once, kept only as a digest, expiring, revoked when the account's
state changes, and listed and revoked by their owner and by the protection manager."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from mamori.accounts import services
from mamori.accounts.models import ApiToken, User
from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from tests.api.conftest import Api, enrol_totp

pytestmark = pytest.mark.django_db
TOKENS = "/api/v1/auth/tokens/"
migration = importlib.import_module("mamori.accounts.migrations.0003_encrypt_totp_secrets_and_move_api_tokens")


def _with(key: str) -> Api:
    return Api(Client(headers={"Authorization": f"Token {key}"}))


def _issue(user: User, name: str = "script") -> tuple[ApiToken, str]:
    return services.issue_api_token(user, user, name)


def test_a_token_made_on_the_api_is_shown_once_and_only_its_digest_is_stored(staff, client_for):
    # given
    api = Api(client_for(staff))
    # when
    created = api.post(TOKENS, {"name": "nightly export", "expires_in_days": 30})
    key = created.json()["token"]
    listed = api.get(TOKENS).json()
    detail = api.get(f"{TOKENS}{created.json()['id']}/").json()
    # then
    assert created.status_code == 201
    assert key.startswith("mamori_") and len(key) > 40
    assert "token" not in listed["results"][0] and "token" not in detail
    assert listed["results"][0]["prefix"] == key[:15]
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert key not in dump.getvalue()  # the database holds no copy of the token, anywhere
    assert key[:15] in dump.getvalue()
    assert _with(key).get("/api/v1/me/").status_code == 200


def test_a_token_made_on_the_page_is_shown_once_and_not_cached(staff, client_for):
    # given
    client = client_for(staff)
    # when
    created = client.post("/accounts/tokens/", {"name": "backup job", "expires_in_days": 90})
    again = client.get("/accounts/tokens/")
    # then
    token = ApiToken.objects.get(owner=staff)
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    key = created.content.decode().split('<code class="secret">')[1].split("<")[0]
    assert token.prefix in key and token.digest == services.token_digest(key)
    assert key not in again.content.decode() and token.prefix in again.content.decode()


def test_tokens_expire_after_90_days_by_default_and_longer_than_allowed_is_refused(staff, client_for):
    # given
    token, key = _issue(staff)
    # when
    too_long = Api(client_for(staff)).post(TOKENS, {"expires_in_days": 10_000})
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = _with(key).get("/api/v1/me/")
    # then
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=django_settings.MAMORI_API_TOKEN_DAYS)) < (
        dt.timedelta(seconds=1)
    )
    assert too_long.status_code == 400 and "expires_in_days" in too_long.json()["error"]["fields"]
    assert expired.status_code == 401
    assert "有効期限が切れています" in expired.json()["error"]["message"]  # the API speaks Japanese first


def _change_password(user: User) -> None:
    services.set_password(user, user, "a-brand-new-passphrase-99")


def _lock_out(user: User) -> None:
    for _ in range(django_settings.MAMORI_LOCKOUT_ATTEMPTS):
        with pytest.raises(services.LoginRefused):
            services.check_credentials(user.username, "wrong-wrong-wrong")


def _reset_two_factor(user: User) -> None:
    services.reset_two_factor(SYSTEM, user)


def _deactivate(user: User) -> None:
    services.update_user(SYSTEM, user, {"is_active": False})


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_change_password, "password_changed"),
        (_lock_out, "locked"),
        (_reset_two_factor, "two_factor_reset"),
        (_deactivate, "deactivated"),
    ],
)
def test_every_token_is_revoked_when_the_account_changes(
    manager, change: Callable[[User], None], reason: str, settings
):
    # given: two-factor enrolled, two tokens
    settings.MAMORI_LOCKOUT_ATTEMPTS = 5
    enrol_totp(manager)
    keys = [_issue(manager, name)[1] for name in ("one", "two")]
    # when
    change(User.objects.get(pk=manager.pk))
    # then
    for key in keys:
        assert _with(key).get("/api/v1/me/").status_code == 401
    assert set(ApiToken.objects.filter(owner=manager).values_list("revoked_reason", flat=True)) == {reason}
    assert AuditEntry.objects.filter(action="api_tokens_revoked", object_id=str(manager.pk)).exists()


def test_tokens_of_a_locked_or_inactive_account_are_refused_even_if_not_yet_revoked(staff):
    # given
    _token, key = _issue(staff)
    # when
    User.objects.filter(pk=staff.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=5))
    locked = _with(key).get("/api/v1/me/")
    User.objects.filter(pk=staff.pk).update(locked_until=None, is_active=False)
    inactive = _with(key).get("/api/v1/me/")
    # then
    assert locked.status_code == inactive.status_code == 401
    assert "ロックされています" in locked.json()["error"]["message"]  # the API speaks Japanese first
    assert inactive.json()["error"]["message"] != locked.json()["error"]["message"]


def test_a_user_lists_and_revokes_only_their_own_tokens(staff, auditor, client_for):
    # given
    mine, _key = _issue(staff, "mine")
    theirs, _ = _issue(auditor, "theirs")
    api = Api(client_for(staff))
    # when
    listed = api.get(TOKENS).json()["results"]
    revoked = api.post(f"{TOKENS}{mine.pk}/revoke/")
    # then
    assert [t["name"] for t in listed] == ["mine"]
    assert revoked.status_code == 200 and revoked.json()["revoked_reason"] == "owner"
    assert AuditEntry.objects.filter(action="api_token_revoked", actor_username="staff").exists()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_staff_cannot_see_or_revoke_another_users_token(staff, auditor, client_for):
    # given
    enrol_totp(auditor)
    theirs, key = _issue(auditor, "theirs")
    api = Api(client_for(staff))
    # when / then: the token does not exist for staff
    assert api.get(f"{TOKENS}{theirs.pk}/").status_code == 404
    assert api.post(f"{TOKENS}{theirs.pk}/revoke/").status_code == 404
    assert client_for(staff).post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert _with(key).get("/api/v1/me/").status_code == 200


def test_the_manager_lists_and_revokes_anyones_token(manager, staff, client_for):
    # given
    theirs, key = _issue(staff, "staff script")
    client = client_for(manager)
    # when
    listed = Api(client).get(TOKENS, owner=staff.pk).json()["results"]
    page = client.get(f"/accounts/users/{staff.pk}/")
    revoked = client.post(f"/accounts/tokens/{theirs.pk}/revoke/", {"next": f"/accounts/users/{staff.pk}/"})
    # then
    assert [t["name"] for t in listed] == ["staff script"]
    assert "staff script" in page.content.decode()
    assert revoked.status_code == 302 and revoked.url == f"/accounts/users/{staff.pk}/"
    theirs.refresh_from_db()
    assert theirs.revoked_reason == "manager"
    assert _with(key).get("/api/v1/me/").status_code == 401


def test_a_token_cannot_make_more_tokens(staff):
    # given
    _token, key = _issue(staff)
    # when
    response = _with(key).post(TOKENS, {"name": "another"})
    # then
    assert response.status_code == 403
    assert ApiToken.objects.filter(owner=staff).count() == 1


def test_use_is_recorded_at_most_once_a_minute(staff):
    # given
    token, key = _issue(staff)
    # when
    _with(key).get("/api/v1/me/")
    token.refresh_from_db()
    first = token.last_used_at
    _with(key).get("/api/v1/me/")
    token.refresh_from_db()
    # then
    assert first is not None and token.last_used_at == first


def test_old_clear_text_tokens_are_moved_into_digests_and_keep_working(staff):
    # given: the table rest_framework.authtoken used to keep, with one clear token
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, created timestamp, user_id bigint)'
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [old_key, timezone.now(), staff.pk])
    # when
    migration.move_old_api_tokens(apps, SimpleNamespace(connection=connection))
    # then
    token = ApiToken.objects.get(owner=staff)
    assert token.name == "migrated" and token.digest == services.token_digest(old_key)
    assert dt.timedelta(days=89) < token.expires_at - timezone.now() <= dt.timedelta(days=90)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert _with(old_key).get("/api/v1/me/").status_code == 200
