"""Second-factor guesses: wrong codes count toward the same lockout as wrong passwords, per account and per
client address, and once locked even the right code is refused — on the sign-in page and in the API."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client
from rest_framework.throttling import ScopedRateThrottle

from mamori.accounts.models import SignInAddress, User
from mamori.accounts.roles import Role
from mamori.audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/verify/"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _lockout_rules(settings, monkeypatch) -> None:
    settings.MAMORI_LOCKOUT_ATTEMPTS = 5
    settings.MAMORI_LOCKOUT_MINUTES = 15
    # The token endpoint's rate limit would answer 429 long before 100 guesses; the lockout is under test here.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "10000/min"})


def _with_totp(user: User) -> str:
    secret = pyotp.random_base32()
    user.set_totp_key(secret)
    user.totp_confirmed_at = user.date_joined
    user.save()
    return secret


def _wrong(secret: str) -> str:
    right = pyotp.TOTP(secret)
    return next(code for code in ("000000", "111111", "222222") if not right.verify(code, valid_window=1))


def _client(address: str = "198.51.100.7") -> Client:
    return Client(REMOTE_ADDR=address)


def _at_code_step(client: Client, username: str) -> None:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == VERIFY, response


def test_a_hundred_wrong_codes_on_the_sign_in_page_lock_the_account_and_the_right_code_is_then_refused(manager):
    # given: the password is known and the attacker is at the code step
    secret = _with_totp(manager)
    client = _client()
    _at_code_step(client, "manager")
    # when
    answers = [client.post(VERIFY, {"code": _wrong(secret)}).status_code for _ in range(100)]
    right = client.post(VERIFY, {"code": pyotp.TOTP(secret).now()})
    # then
    assert set(answers) == {400}
    assert right.status_code == 400
    assert "_auth_user_id" not in client.session
    manager.refresh_from_db()
    assert manager.is_locked()
    assert AuditEntry.objects.filter(
        action="login_failed", actor_username="manager", message__contains="wrong two-factor code (5 in a row)"
    ).exists()
    assert AuditEntry.objects.filter(action="login_failed", message__contains="locked for 15 minutes").exists()
    assert not AuditEntry.objects.filter(action="login", actor_username="manager").exists()


def test_a_hundred_wrong_codes_to_the_token_endpoint_lock_the_account_and_the_right_code_is_then_refused(manager):
    # given
    secret = _with_totp(manager)
    client = _client()
    body = {"username": "manager", "password": PASSWORD}
    # when
    answers = [
        client.post(TOKEN_URL, {**body, "code": _wrong(secret)}, content_type="application/json").status_code
        for _ in range(100)
    ]
    right = client.post(TOKEN_URL, {**body, "code": pyotp.TOTP(secret).now()}, content_type="application/json")
    # then
    assert set(answers) == {401}
    assert right.status_code == 401
    assert "token" not in right.json()
    manager.refresh_from_db()
    assert manager.is_locked()
    assert AuditEntry.objects.filter(action="login_failed", message__contains="wrong two-factor code").exists()
    assert not manager.api_tokens.exists()


def test_signing_in_again_with_the_password_does_not_buy_fresh_code_guesses(manager):
    # given: four wrong codes, then the attacker starts over with the known password
    secret = _with_totp(manager)
    first = _client()
    _at_code_step(first, "manager")
    for _ in range(4):
        first.post(VERIFY, {"code": _wrong(secret)})
    second = _client()
    _at_code_step(second, "manager")
    # when: one more wrong code
    second.post(VERIFY, {"code": _wrong(secret)})
    # then: five in a row — locked
    manager.refresh_from_db()
    assert manager.is_locked()


def test_wrong_passwords_and_wrong_codes_share_one_counter(manager):
    # given: three wrong passwords
    secret = _with_totp(manager)
    for _ in range(3):
        _client().post(LOGIN, {"username": "manager", "password": "not-the-password"})
    client = _client()
    _at_code_step(client, "manager")
    # when: two wrong codes
    for _ in range(2):
        client.post(VERIFY, {"code": _wrong(secret)})
    # then
    manager.refresh_from_db()
    assert manager.is_locked()


def test_the_right_code_clears_the_counter(manager):
    # given
    secret = _with_totp(manager)
    client = _client()
    _at_code_step(client, "manager")
    for _ in range(3):
        client.post(VERIFY, {"code": _wrong(secret)})
    # when
    response = client.post(VERIFY, {"code": pyotp.TOTP(secret).now()})
    # then
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.failed_logins == 0 and not manager.is_locked()


def test_guesses_spread_over_many_accounts_lock_the_client_address(settings, staff):
    # given: ten users, each guessed at a little (below the per-account limit) from one address
    victims = [User(username=f"user{i}", role=Role.STAFF) for i in range(10)]
    for victim in victims:
        victim.set_password(PASSWORD)
        victim.save()
    attacker = _client("203.0.113.9")
    for victim in victims:
        for _ in range(2):
            attacker.post(LOGIN, {"username": victim.username, "password": "guess-guess-guess"})
    # when: a correct password from that address, and from another one
    from_attacker = attacker.post(LOGIN, {"username": "staff", "password": PASSWORD})
    from_elsewhere = _client("198.51.100.20").post(LOGIN, {"username": "staff", "password": PASSWORD})
    # then
    assert SignInAddress.objects.get(address="203.0.113.9").is_locked()
    assert from_attacker.status_code == 400
    assert from_elsewhere.status_code == 302
    assert not any(User.objects.filter(pk=v.pk).get().is_locked() for v in victims)
    assert AuditEntry.objects.filter(action="login_failed", message__contains="address 203.0.113.9 locked").exists()


def test_wrong_codes_count_toward_the_address_lockout_too(manager, staff):
    # given: codes guessed for one account, then wrong passwords for another, from one address
    secret = _with_totp(manager)
    client = _client("203.0.113.10")
    for _ in range(4):
        _at_code_step(client, "manager")
        for _ in range(4):
            client.post(VERIFY, {"code": _wrong(secret)})
        User.objects.filter(pk=manager.pk).update(failed_logins=0, locked_until=None)  # keep the account open
    client.post(LOGIN, {"username": "staff", "password": "wrong-wrong-wrong"})  # 17 failures from the address
    _at_code_step(client, "manager")
    # when: three more wrong codes (20 from the address; only 3 in a row for the account)
    for _ in range(3):
        client.post(VERIFY, {"code": _wrong(secret)})
    refused = client.post(VERIFY, {"code": pyotp.TOTP(secret).now()})
    # then
    assert SignInAddress.objects.get(address="203.0.113.10").is_locked()
    manager.refresh_from_db()
    assert not manager.is_locked()
    assert refused.status_code == 400
    assert "_auth_user_id" not in client.session
