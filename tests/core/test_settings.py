"""Configuration from the environment: zero set-up in development, refusal of insecure production."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from mamori.env import DEVELOPMENT_SECRET_KEY, ConfigError, env_bool, env_secret


def run_mamori(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}}
    base.update({"MAMORI_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [sys.executable, "-m", "mamori.cli", *args], env=base, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_the_development_secret_key(tmp_path):
    # when
    result = run_mamori(tmp_path, "check", DEBUG="0", ALLOWED_HOSTS="mamori.example.jp")
    # then
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_the_development_key_with_whitespace_around_it(tmp_path):
    # when
    result = run_mamori(
        tmp_path, "check", DEBUG="0", ALLOWED_HOSTS="mamori.example.jp", SECRET_KEY=f" {DEVELOPMENT_SECRET_KEY} \n"
    )
    # then
    assert result.returncode == 2
    assert "SECRET_KEY is the development default" in result.stderr


def test_production_refuses_a_weak_secret_key(tmp_path):
    # when
    result = run_mamori(tmp_path, "check", DEBUG="0", ALLOWED_HOSTS="mamori.example.jp", SECRET_KEY="ab" * 25)
    # then the reason is named
    assert result.returncode == 2
    assert "SECRET_KEY uses only 2 different characters" in result.stderr


def test_production_refuses_empty_allowed_hosts(tmp_path):
    # when
    result = run_mamori(tmp_path, "check", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50))
    # then
    assert result.returncode == 2
    assert "ALLOWED_HOSTS" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path, monkeypatch):
    # given
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    # then
    assert env_secret("SECRET_KEY") == "from-a-file"


def test_a_malformed_yes_no_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ConfigError, match="DEBUG='maybe'"):
        env_bool("DEBUG", True)


def test_development_default_needs_no_configuration(tmp_path):
    # when
    result = run_mamori(tmp_path, "migrate", "--check")
    # then: it starts (unapplied migrations give 1, a configuration error would give 2)
    assert result.returncode in (0, 1), result.stderr
    assert (tmp_path / "data" / "mamori.sqlite3").exists()


def test_secure_headers_are_sent(client, db):
    # when
    response = client.get("/accounts/login/")
    # then
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "SameSite=Lax" in str(response.cookies.get("csrftoken", "")) or response.cookies.get("csrftoken") is None


def test_cookies_are_secure_when_https(settings):
    from mamori import settings as mamori_settings

    assert mamori_settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert mamori_settings.X_FRAME_OPTIONS == "DENY"


def test_production_settings_turn_on_hsts_and_secure_cookies(tmp_path):
    # when
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='mamori.settings'; from django.conf import settings;"
        "print(settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "MAMORI_HTTPS"}}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "mamori.example.jp",
            "MAMORI_DATA_DIR": str(tmp_path),
        }
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    # then
    assert result.stdout.split() == ["31536000", "True", "True"], result.stderr
