"""`mamori check`: a healthy installation passes; problems are listed with their id and a hint."""

from __future__ import annotations

import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def production_settings(settings, tmp_path):
    """A correctly configured production installation."""
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.ALLOWED_HOSTS = ["mamori.example.co.jp"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.HTTPS = True
    settings.SITE_URL = "https://mamori.example.co.jp"
    settings.CSRF_TRUSTED_ORIGINS = ["https://mamori.example.co.jp"]
    settings.MAMORI_JOBS_BACKEND = "embedded"
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    return settings


def run_check() -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("check", stdout=out)
    except CommandError as failed:
        return failed.returncode, out.getvalue() + str(failed)
    return 0, out.getvalue()


def test_healthy_installation_passes(production_settings):
    # when `mamori check` runs on a correct configuration
    code, output = run_check()
    # then it exits 0 and says so
    assert code == 0, output
    assert "mamori check: no problems found" in output, output


def test_unwritable_data_folder_is_an_error(production_settings, tmp_path):
    # given a data folder path that is a file, so nothing can be written there
    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("x")
    production_settings.DATA_DIR = not_a_folder
    production_settings.MEDIA_ROOT = not_a_folder / "files"
    # when the check runs
    code, output = run_check()
    # then it fails, naming the folder and what to do
    assert code == 1
    assert f"ERROR mamori.E001: the data folder {not_a_folder} is not a folder." in output
    assert "MAMORI_DATA_DIR" in output
    assert "1 error" in output


def test_unapplied_migrations_are_listed(production_settings):
    # given a migration the database has not applied
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("audit", "0001_initial")
    try:
        # when the check runs
        code, output = run_check()
    finally:
        recorder.record_applied("audit", "0001_initial")
    # then the migration is named with the command that applies it
    assert code == 1
    assert "ERROR mamori.E004: the database has 1 unapplied migration(s): audit.0001_initial" in output
    assert "mamori migrate" in output


def test_development_secret_key_with_debug_off_is_an_error(production_settings):
    from mamori.settings import DEVELOPMENT_SECRET_KEY

    production_settings.SECRET_KEY = DEVELOPMENT_SECRET_KEY
    code, output = run_check()
    assert code == 1
    assert "ERROR mamori.E006: SECRET_KEY is the development default" in output


def test_unreachable_mail_server_is_only_a_warning(production_settings):
    # given SMTP pointing at a port where nothing listens
    production_settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    production_settings.EMAIL_HOST, production_settings.EMAIL_PORT = "127.0.0.1", 9
    code, output = run_check()
    assert code == 0
    assert "WARNING mamori.W008: the mail server 127.0.0.1:9 cannot be reached" in output


def test_unreachable_redis_is_an_error_without_showing_the_password(production_settings):
    production_settings.MAMORI_JOBS_BACKEND = "redis"
    production_settings.REDIS_URL = "redis://:hunter2-secret@127.0.0.1:9/0"
    code, output = run_check()
    assert code == 1
    assert "mamori.E012: Redis at 127.0.0.1:9 cannot be reached" in output or "mamori.E011" in output
    assert "hunter2" not in output


def test_ssl_redirect_without_proxy_header_is_warned(production_settings):
    del production_settings.SECURE_PROXY_SSL_HEADER
    code, output = run_check()
    assert code == 0
    assert "WARNING mamori.W011" in output


def test_migrate_is_not_stopped_by_the_live_checks(db):
    # the unapplied-migration check must not block the command that applies migrations
    from mamori.core.checks import check_database

    assert check_database(databases=["default"]) == []
