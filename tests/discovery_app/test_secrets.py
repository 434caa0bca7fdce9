"""Connection secrets: Fernet with MAMORI_SECRETS_KEY, or a key derived from SECRET_KEY with a warning."""

from __future__ import annotations

from cryptography.fernet import Fernet

from mamori.accounts.policy import SYSTEM
from mamori.core.checks import live_checks
from mamori.discovery import secrets, services
from mamori.discovery.checks import check_secrets_key


def test_a_configured_key_encrypts_and_decrypts(settings):
    # given a Fernet key in the environment settings
    settings.MAMORI_SECRETS_KEY = Fernet.generate_key().decode()
    # when a password is encrypted
    token = secrets.encrypt("db-password")
    # then only that key reads it back
    assert "db-password" not in token
    assert Fernet(settings.MAMORI_SECRETS_KEY.encode()).decrypt(token.encode()) == b"db-password"
    assert secrets.decrypt(token) == "db-password"


def test_a_password_encrypted_under_another_key_says_to_enter_it_again(settings):
    token = secrets.encrypt("old")
    settings.MAMORI_SECRETS_KEY = Fernet.generate_key().decode()
    try:
        secrets.decrypt(token)
    except secrets.SecretUnavailable as exc:
        assert "enter it again" in str(exc)
    else:
        raise AssertionError("decrypting under another key must fail")


def test_mamori_check_warns_when_passwords_use_the_derived_key(db, settings, tmp_path):
    # given a stored password and no MAMORI_SECRETS_KEY
    settings.MAMORI_SECRETS_KEY = None
    services.create_source(SYSTEM, {"name": "db", "kind": "database", "location": "postgresql://u@h/db"}, password="pw")
    # when the live checks run
    with live_checks():
        warnings = check_secrets_key()
    # then one warning names the setting
    assert [w.id for w in warnings] == ["mamori.W040"]
    # and with a key set there is none
    settings.MAMORI_SECRETS_KEY = Fernet.generate_key().decode()
    with live_checks():
        assert check_secrets_key() == []


def test_fingerprint_key_is_stable(settings):
    assert secrets.fingerprint_key() == secrets.fingerprint_key()


def test_a_malformed_key_is_an_error_in_mamori_check(settings):
    settings.MAMORI_SECRETS_KEY = "not-a-fernet-key"
    assert [m.id for m in check_secrets_key()] == ["mamori.E040"]
