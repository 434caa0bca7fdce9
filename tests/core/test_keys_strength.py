"""Weak keys fail `mamori check` with DEBUG off: defaults (whitespace stripped), short, repetitive, low-entropy."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from mamori.core.checks import check_keys, check_settings, live_checks
from mamori.env import DEVELOPMENT_SECRET_KEY, key_weakness

WEAK = {
    "the development key with a trailing space": (DEVELOPMENT_SECRET_KEY + " ", "published default"),
    "32 identical characters": ("a" * 32, "one character repeated"),
    "a short key": ("s3cr3t-Key-2026", "shorter than 32 characters"),
    "two characters": ("ab" * 20, "only 2 different characters"),
    "a pattern repeated": ("0123456789abcdef" * 3, "repeats a short pattern"),
    "a word repeated": ("password" * 4 + "1", "repeats a short pattern"),
    "a framework placeholder": ("django-insecure-" + "x1y2z3" * 6, "published default"),
}
STRONG = {
    "token_urlsafe(50)": secrets.token_urlsafe(50),
    "32 random bytes as hex": secrets.token_hex(32),
    "16 random bytes as hex": secrets.token_hex(16),
    "a Fernet key": Fernet.generate_key().decode(),
    "a long passphrase": "violet harbour kettle 71 marches under quiet copper lanterns",
}


@pytest.mark.parametrize(("value", "reason"), WEAK.values(), ids=WEAK.keys())
def test_weak_values_are_named_with_the_reason(value, reason):
    assert reason in (key_weakness(value) or "")


@pytest.mark.parametrize("value", STRONG.values(), ids=STRONG.keys())
def test_random_values_pass(value):
    assert key_weakness(value) is None


def test_random_hex_keys_pass_every_time():
    # the screen must not reject real keys by bad luck
    assert all(key_weakness(secrets.token_hex(16)) is None for _ in range(2000))


@pytest.mark.parametrize(
    ("value", "check_id"),
    [
        (DEVELOPMENT_SECRET_KEY + " ", "mamori.E006"),
        ("a" * 32, "mamori.E016"),
        ("short-but-random-9f2c", "mamori.E016"),
    ],
    ids=["trailing space dev key", "32 identical characters", "short key"],
)
def test_mamori_check_fails_on_a_weak_secret_key_with_debug_off(settings, value, check_id):
    # given production with a weak SECRET_KEY
    settings.DEBUG = False
    settings.SECRET_KEY = value
    # when the settings checks run
    problems = check_settings()
    # then one error names SECRET_KEY
    assert [p.id for p in problems if p.id in {"mamori.E006", "mamori.E016"}] == [check_id]
    assert all("SECRET_KEY" in p.msg for p in problems if p.id == check_id)


def test_mamori_check_passes_a_good_secret_key(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    assert [p.id for p in check_settings() if p.id in {"mamori.E006", "mamori.E016"}] == []


def test_development_allows_the_development_key(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = DEVELOPMENT_SECRET_KEY
    assert [p.id for p in check_settings() if p.id in {"mamori.E006", "mamori.E016"}] == []


@pytest.mark.parametrize(
    ("env", "value", "check_id"),
    [
        ("MAMORI_SECRETS_KEY", "A" * 43 + "=", "mamori.E014"),  # a valid Fernet key of 32 zero bytes
        ("MAMORI_FINGERPRINT_KEY", "00" * 32, "mamori.E014"),
        ("MAMORI_FINGERPRINT_KEY", secrets.token_hex(16), "mamori.E013"),  # 16 bytes: too short
        ("MAMORI_SECRETS_KEY", "not-a-fernet-key", "mamori.E013"),
    ],
    ids=["zero secrets key", "zero fingerprint key", "16-byte fingerprint key", "malformed secrets key"],
)
def test_weak_or_malformed_keys_in_the_environment_fail_mamori_check(settings, monkeypatch, env, value, check_id):
    # given production with a bad key in the environment (the other key made by `mamori keys init`)
    settings.DEBUG = False
    monkeypatch.setenv(env, value)
    # when the key checks run
    with live_checks():
        problems = check_keys()
    # then one error names the variable
    assert [p.id for p in problems] == [check_id]
    assert env in problems[0].msg


def test_good_keys_in_the_environment_pass(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setenv("MAMORI_SECRETS_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("MAMORI_FINGERPRINT_KEY", secrets.token_hex(32))
    with live_checks():
        assert check_keys() == []


def run_check(tmp_path: Path, secret_key: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    env.update(
        {"DEBUG": "0", "SECRET_KEY": secret_key, "ALLOWED_HOSTS": "mamori.example.jp", "MAMORI_DATA_DIR": str(tmp_path)}
    )
    return subprocess.run(
        [sys.executable, "-m", "mamori.cli", "check"], env=env, capture_output=True, text=True, timeout=120
    )


def test_production_start_refuses_the_development_key_with_a_trailing_space(tmp_path):
    # when any command starts with DEBUG off and the development key plus a space
    result = run_check(tmp_path, DEVELOPMENT_SECRET_KEY + " ")
    # then it stops with one line
    assert result.returncode == 2
    assert "SECRET_KEY is the development default" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_start_refuses_32_identical_characters(tmp_path):
    result = run_check(tmp_path, "k" * 32)
    assert result.returncode == 2
    assert "SECRET_KEY is one character repeated" in result.stderr
