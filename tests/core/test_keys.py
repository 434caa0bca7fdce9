"""Mamori's keys: kept apart from SECRET_KEY, private on disk, refused when missing in production, rotatable."""

from __future__ import annotations

import importlib
import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from mamori.audit.models import AuditEntry
from mamori.core import keys
from mamori.core.checks import check_keys, live_checks
from mamori.discovery import secrets
from mamori.discovery.models import DataSource, Scan, ScanFinding


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def stored_source(password: str, name: str = "shop db") -> DataSource:
    return DataSource.objects.create(
        name=name, kind="database", location="postgresql://app@db/shop", encrypted_secret=secrets.encrypt(password)
    )


def run_keys(*args: str) -> str:
    out = StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


def run_python(tmp_path: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    base.update({"MAMORI_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "mamori.settings", **env})
    return subprocess.run([sys.executable, "-c", script], env=base, capture_output=True, text=True, timeout=120)


# --------------------------------------------------------------------------------------------------
# Apart from SECRET_KEY


def test_a_stored_password_survives_a_change_of_secret_key(db, settings):
    # given a data source whose password was saved
    source = stored_source("db-password")
    # when SECRET_KEY is changed
    settings.SECRET_KEY = Fernet.generate_key().decode() + "-rotated"
    # then the password still decrypts: the secrets key is not derived from SECRET_KEY
    assert secrets.decrypt(DataSource.objects.get(pk=source.pk).encrypted_secret) == "db-password"
    assert "db-password" not in source.encrypted_secret


def test_the_key_file_is_private_and_its_folder_too(settings):
    # when the secrets key is first used in development
    secrets.encrypt("x")
    # then its file is 0600 in a 0700 folder under the data directory
    key_file = Path(settings.DATA_DIR) / "keys" / "secrets.key"
    assert mode(key_file) == 0o600
    assert mode(key_file.parent) == 0o700
    assert mode(Path(settings.DATA_DIR)) == 0o700


def test_a_key_in_the_environment_is_used_and_no_file_is_written(settings, monkeypatch):
    # given a Fernet key in the environment
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("MAMORI_SECRETS_KEY", key + "\n")
    # when a secret is encrypted
    token = secrets.encrypt("pw")
    # then that key reads it and no key file appears
    assert Fernet(key.encode()).decrypt(token.encode()) == b"pw"
    assert not (Path(settings.DATA_DIR) / "keys" / "secrets.key").exists()


def test_the_fingerprint_key_has_32_random_bytes(monkeypatch):
    assert len(keys.fingerprint_key()) == 32
    monkeypatch.setenv("MAMORI_FINGERPRINT_KEY", "ab" * 16)  # 16 bytes
    with pytest.raises(keys.KeyProblem, match="MAMORI_FINGERPRINT_KEY is too short"):
        keys.fingerprint_key()


# --------------------------------------------------------------------------------------------------
# Production without keys


def test_production_refuses_a_missing_key_with_a_clear_message(settings):
    # given production, where keys are not created at first use
    settings.MAMORI_CREATE_KEYS = False
    # when a secret is to be encrypted
    with pytest.raises(keys.KeyProblem) as refused:
        secrets.encrypt("pw")
    # then the message names the variable and the command that creates the key
    assert "MAMORI_SECRETS_KEY" in str(refused.value)
    assert "mamori keys init" in str(refused.value)
    assert not (Path(settings.DATA_DIR) / "keys").exists()


def test_mamori_check_reports_missing_keys_in_production(settings):
    settings.MAMORI_CREATE_KEYS = False
    with live_checks():
        problems = check_keys()
    assert [p.id for p in problems] == ["mamori.E013", "mamori.E013"]
    assert "MAMORI_SECRETS_KEY" in problems[0].msg and "MAMORI_FINGERPRINT_KEY" in problems[1].msg
    # and once `mamori keys init` has run there is no problem
    run_keys("init")
    with live_checks():
        assert check_keys() == []


def test_production_server_does_not_start_without_its_keys(tmp_path):
    # when `mamori serve` starts with DEBUG off and no key anywhere
    result = run_python(
        tmp_path,
        "from mamori.cli import main; raise SystemExit(main(['serve', '--no-migrate', '--port', '1']))",
        DEBUG="0",
        SECRET_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="mamori.example.jp",
    )
    # then it stops at once with one line naming the variable and `mamori keys init`
    assert result.returncode == 2, result.stderr
    assert "the secrets key is missing: set MAMORI_SECRETS_KEY" in result.stderr
    assert "mamori keys init" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------------------------------
# Data folder and database file


def test_database_file_and_folders_are_private_from_the_start(tmp_path):
    # when Mamori's settings load on a new data directory (every command does so first)
    result = run_python(tmp_path, "import django; django.setup()")
    # then the database file is 0600 and the data and uploaded-files folders 0700
    assert result.returncode == 0, result.stderr
    data = tmp_path / "data"
    assert mode(data) == 0o700
    assert mode(data / "files") == 0o700
    assert mode(data / "mamori.sqlite3") == 0o600


def test_a_world_readable_database_file_is_tightened_at_start(tmp_path):
    # given a data directory and database file that an older version left readable by everyone
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "mamori.sqlite3").touch()
    os.chmod(data, 0o755)  # noqa: S103 - the loose mode an older version left
    os.chmod(data / "mamori.sqlite3", 0o644)
    # when Mamori starts
    result = run_python(tmp_path, "import django; django.setup()")
    # then both are private
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700
    assert mode(data / "mamori.sqlite3") == 0o600


def test_uploaded_files_are_stored_privately(settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=settings.MEDIA_ROOT)
    name = storage.save("evidence/2026/note.txt", ContentFile(b"x"))
    assert mode(Path(storage.path(name))) == 0o600
    assert mode(Path(storage.path(name)).parent) == 0o700


# --------------------------------------------------------------------------------------------------
# Migration 0003: passwords encrypted with the old key derived from SECRET_KEY


def test_migration_moves_passwords_from_the_old_derived_key(db, settings):
    # given one password under the key the old version derived from SECRET_KEY, and one no key can read
    legacy = secrets.legacy_fernet(settings.SECRET_KEY)
    old = DataSource.objects.create(
        name="old", kind="database", location="sqlite:///x", encrypted_secret=legacy.encrypt(b"old-pw").decode()
    )
    lost = DataSource.objects.create(
        name="lost",
        kind="database",
        location="sqlite:///y",
        encrypted_secret=Fernet(Fernet.generate_key()).encrypt(b"x").decode(),
    )
    current = stored_source("current-pw")
    before = {s.pk: s.encrypted_secret for s in (old, lost, current)}
    # when the data migration runs
    migration = importlib.import_module("mamori.discovery.migrations.0003_reencrypt_secrets")
    migration.reencrypt(apps, None)
    # then the old password reads with the secrets key, and the others are untouched
    after = {s.pk: s.encrypted_secret for s in DataSource.objects.all()}
    assert secrets.decrypt(after[old.pk]) == "old-pw"
    assert after[lost.pk] == before[lost.pk]
    assert after[current.pk] == before[current.pk]
    with pytest.raises(secrets.SecretUnavailable, match="enter it again"):
        secrets.decrypt(after[lost.pk])


def test_migration_needs_no_key_when_no_password_is_stored(db, settings):
    settings.MAMORI_CREATE_KEYS = False
    migration = importlib.import_module("mamori.discovery.migrations.0003_reencrypt_secrets")
    migration.reencrypt(apps, None)  # no KeyProblem
    assert not (Path(settings.DATA_DIR) / "keys").exists()


# --------------------------------------------------------------------------------------------------
# `mamori keys init` and `status`


def test_keys_init_creates_missing_keys_and_never_replaces_one(settings):
    # when
    first = run_keys("init")
    folder = Path(settings.DATA_DIR) / "keys"
    contents = {p.name: p.read_text() for p in folder.iterdir()}
    second = run_keys("init")
    # then every key exists (secrets, fingerprint, audit, evidence), private, and the second run kept them
    assert sorted(contents) == ["audit.key", "evidence.key", "fingerprint.key", "secrets.key"]
    assert all(mode(folder / name) == 0o600 for name in contents)
    assert f"secrets key created: {folder / 'secrets.key'}" in first
    assert "exists (kept as it is)" in second
    assert {p.name: p.read_text() for p in folder.iterdir()} == contents


def test_keys_status_shows_sources_and_modes_but_never_the_values(settings, monkeypatch):
    # given a file key and an environment key
    run_keys("init")
    fingerprint = keys.FINGERPRINT.generate()
    monkeypatch.setenv("MAMORI_FINGERPRINT_KEY", fingerprint)
    # when
    output = run_keys("status")
    # then
    assert f"file {Path(settings.DATA_DIR) / 'keys' / 'secrets.key'}" in output
    assert "file mode: 0600" in output and "folder mode: 0700" in output
    assert "environment variable MAMORI_FINGERPRINT_KEY" in output
    assert keys.load(keys.SECRETS) not in output
    assert fingerprint not in output


def test_keys_status_fails_on_a_key_readable_by_others(settings):
    run_keys("init")
    os.chmod(keys.SECRETS.path(), 0o644)
    with pytest.raises(CommandError):
        run_keys("status")
    with live_checks():
        assert [p.id for p in check_keys()] == ["mamori.W014"]


# --------------------------------------------------------------------------------------------------
# Rotation


def test_rotating_the_secrets_key_reencrypts_and_keeps_the_old_key_for_backups(db, settings):
    # given two stored passwords, one value no key reads, and a token as an older backup would hold it
    run_keys("init")
    first, second = stored_source("pw-1", "one"), stored_source("pw-2", "two")
    unreadable = DataSource.objects.create(name="lost", kind="database", location="sqlite:///z", encrypted_secret="x")
    in_old_backup = secrets.encrypt("restored-pw")
    old_key = keys.SECRETS.path().read_text()
    # when
    output = run_keys("rotate", "secrets")
    # then the key changed and every stored password was re-encrypted under it, in clear nowhere
    new_key = keys.SECRETS.path().read_text()
    assert new_key != old_key and mode(keys.SECRETS.path()) == 0o600
    for source, password in ((first, "pw-1"), (second, "pw-2")):
        token = DataSource.objects.get(pk=source.pk).encrypted_secret
        assert token != source.encrypted_secret
        assert Fernet(new_key.strip().encode()).decrypt(token.encode()).decode() == password
    assert DataSource.objects.get(pk=unreadable.pk).encrypted_secret == "x"
    # and the old key is kept, private, so a restored older backup still decrypts
    retired = keys.retired_paths(keys.SECRETS)
    assert len(retired) == 1 and retired[0].read_text() == old_key and mode(retired[0]) == 0o600
    assert retired[0].name.startswith("secrets.key.retired-2")
    assert secrets.decrypt(in_old_backup) == "restored-pw"
    assert "2 stored secrets re-encrypted" in output and "1 stored value(s)" in output
    # and the rotation is in the audit trail, without any key
    entry = AuditEntry.objects.filter(action="rotate_key").get()
    assert entry.actor_username == "system"
    assert "2 stored secrets re-encrypted" in entry.message
    assert new_key.strip() not in entry.message and old_key.strip() not in entry.message


def test_rotation_refuses_a_key_from_the_environment_and_explains(db, monkeypatch, tmp_path):
    # given the secrets key in the environment and a stored password
    old = Fernet.generate_key().decode()
    monkeypatch.setenv("MAMORI_SECRETS_KEY", old)
    source = stored_source("pw")
    # when a plain rotation is asked for, it is refused with the way to do it
    with pytest.raises(CommandError, match="--new-key-file PATH") as refused:
        run_keys("rotate", "secrets")
    assert "MAMORI_SECRETS_KEY" in str(refused.value)
    # when the operator names a file for the new key
    new_file = tmp_path / "new-secrets.key"
    output = run_keys("rotate", "secrets", "--new-key-file", str(new_file))
    # then the new key is there, private, the data is re-encrypted under it and the old key is retired
    assert mode(new_file) == 0o600
    assert f"MAMORI_SECRETS_KEY_FILE={new_file}" in output
    monkeypatch.setenv("MAMORI_SECRETS_KEY", new_file.read_text().strip())
    token = DataSource.objects.get(pk=source.pk).encrypted_secret
    assert Fernet(new_file.read_text().strip().encode()).decrypt(token.encode()) == b"pw"
    assert keys.retired_paths(keys.SECRETS)[0].read_text().strip() == old


def test_rotating_the_fingerprint_key_clears_stored_fingerprints(db, settings):
    # given a finding with card fingerprints
    run_keys("init")
    source = stored_source("pw")
    scan = Scan.objects.create(source=source)
    finding = ScanFinding.objects.create(scan=scan, type="card", severity="high", data_class="card")
    ScanFinding.objects.filter(pk=finding.pk).update(card_fingerprints=["scrypt$abc"])
    old_key = keys.FINGERPRINT.path().read_text()
    # when asked without --yes, nothing happens
    with pytest.raises(CommandError, match="--yes"):
        run_keys("rotate", "fingerprint")
    assert keys.FINGERPRINT.path().read_text() == old_key
    # when confirmed
    output = run_keys("rotate", "fingerprint", "--yes")
    # then the key is new, the fingerprints are gone, the old key is not kept, and it is audited
    assert keys.FINGERPRINT.path().read_text() != old_key
    assert ScanFinding.objects.get(pk=finding.pk).card_fingerprints == []
    assert keys.retired_paths(keys.FINGERPRINT) == []
    assert "1 findings cleared" in output
    assert AuditEntry.objects.filter(action="rotate_key", object_repr="fingerprint key").count() == 1


def test_clear_fingerprints_without_the_field_does_nothing(db, monkeypatch):
    monkeypatch.setattr(apps, "get_model", lambda *a, **k: DataSource)
    assert keys.clear_fingerprints() == 0


def test_rotation_without_a_key_says_to_init_first(db):
    with pytest.raises(CommandError, match="mamori keys init"):
        run_keys("rotate", "secrets")


def test_no_key_value_reaches_the_settings():
    # the keys are never Django settings (settings are listed on debug pages and in error reports)
    secrets.encrypt("x")
    values = [keys.load(keys.SECRETS), keys.load(keys.FINGERPRINT)]
    names = [name for name in dir(django_settings) if name.isupper()]
    assert len(names) > 50
    assert not [name for name in names for value in values if value in str(getattr(django_settings, name))]


def test_keys_status_and_check_cover_the_audit_key_when_present(settings, monkeypatch):
    from mamori.audit.checkpoint import AUDIT_KEY

    run_keys("init")
    # a missing audit key is the audit app's business (made with its first checkpoint)
    assert "audit key" in run_keys("status")
    # a weak one in the environment fails the checks
    settings.DEBUG = False
    monkeypatch.setenv(AUDIT_KEY.env, "00" * 32)
    with live_checks():
        assert [p.id for p in check_keys()] == ["mamori.E014"]


def test_a_new_key_file_is_refused_for_a_key_mamori_keeps_itself(db, tmp_path):
    # a key in its own file is replaced in place; a second file would leave the old one in use
    run_keys("init")
    with pytest.raises(CommandError, match="only for a key that comes from the environment"):
        run_keys("rotate", "secrets", "--new-key-file", str(tmp_path / "new.key"))
    assert not (tmp_path / "new.key").exists()
