"""Connection secrets: encrypted with Mamori's secrets key (core/keys.py), never with a key derived from SECRET_KEY."""

from __future__ import annotations

from cryptography.fernet import Fernet

from mamori.core import keys
from mamori.core.checks import live_checks
from mamori.discovery import secrets
from mamori.discovery.checks import check_secrets_key
from mamori.discovery.models import DataSource


def test_a_configured_key_encrypts_and_decrypts(monkeypatch):
    # given a Fernet key in the environment
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("MAMORI_SECRETS_KEY", key)
    # when a password is encrypted
    token = secrets.encrypt("db-password")
    # then only that key reads it back
    assert "db-password" not in token
    assert Fernet(key.encode()).decrypt(token.encode()) == b"db-password"
    assert secrets.decrypt(token) == "db-password"


def test_the_secrets_key_is_not_derived_from_secret_key(settings):
    # given a password encrypted the way older versions did (key derived from SECRET_KEY)
    legacy = secrets.legacy_fernet(settings.SECRET_KEY).encrypt(b"pw").decode()
    # then the current key does not read it (only migration 0003 does, once)
    token = secrets.encrypt("pw")
    assert secrets.decrypt(token) == "pw"
    try:
        secrets.decrypt(legacy)
    except secrets.SecretUnavailable:
        pass
    else:
        raise AssertionError("a SECRET_KEY-derived token must not decrypt with the secrets key")


def test_a_password_encrypted_under_another_key_says_to_enter_it_again(monkeypatch):
    token = secrets.encrypt("old")
    monkeypatch.setenv("MAMORI_SECRETS_KEY", Fernet.generate_key().decode())
    try:
        secrets.decrypt(token)
    except secrets.SecretUnavailable as exc:
        assert "enter it again" in str(exc)
    else:
        raise AssertionError("decrypting under another key must fail")


def test_mamori_check_warns_about_passwords_no_key_reads(db, monkeypatch):
    # given one readable password and one encrypted under a key that is gone
    DataSource.objects.create(name="ok", kind="database", location="sqlite:///a", encrypted_secret=secrets.encrypt("a"))
    other = Fernet(Fernet.generate_key()).encrypt(b"b").decode()
    DataSource.objects.create(name="lost", kind="database", location="sqlite:///b", encrypted_secret=other)
    # when the live checks run
    with live_checks():
        warnings = check_secrets_key()
    # then one warning names the source to fix
    assert [w.id for w in warnings] == ["mamori.W040"]
    assert "lost" in warnings[0].msg and "ok" not in warnings[0].msg.split(": ")[-1]


def test_fingerprint_key_is_the_keys_module_key():
    assert secrets.fingerprint_key() == keys.fingerprint_key()
    assert len(secrets.fingerprint_key()) == 32


def test_a_malformed_key_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MAMORI_SECRETS_KEY", "not-a-fernet-key")
    try:
        secrets.encrypt("x")
    except keys.KeyProblem as exc:
        assert "MAMORI_SECRETS_KEY is not a Fernet key" in str(exc)
    else:
        raise AssertionError("a malformed key must be refused")
