"""Two-factor secrets are stored encrypted with the secrets key (a Fernet token), never as the base32 secret."""

from __future__ import annotations

import importlib

import pyotp
import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from mamori.accounts import services
from mamori.accounts.models import User
from mamori.core import keys
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
migration = importlib.import_module("mamori.accounts.migrations.0003_encrypt_totp_secrets_and_move_api_tokens")


def _stored(user: User) -> str:
    return User.objects.filter(pk=user.pk).values_list("totp_secret", flat=True).get()


def test_enrolling_stores_the_secret_encrypted_and_codes_still_work(manager):
    # given
    client = Client()
    client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
    # when
    page = client.get("/accounts/two-factor/setup/")
    manager.refresh_from_db()
    secret = manager.totp_key()
    confirmed = client.post("/accounts/two-factor/setup/", {"code": pyotp.TOTP(secret).now()})
    # then
    stored = _stored(manager)
    assert stored.startswith("gAAAA") and secret not in stored
    assert keys.decrypt(stored) == secret
    assert secret.encode() in page.content  # shown to the user for typing in by hand, once
    assert confirmed.status_code == 302
    manager.refresh_from_db()
    assert manager.has_totp


def test_the_migration_encrypts_clear_secrets_and_leaves_encrypted_ones(manager, staff):
    # given: one secret written in clear by an older version, one already encrypted
    User.objects.filter(pk=manager.pk).update(totp_secret="JBSWY3DPEHPK3PXP")
    staff.set_totp_key("KRSXG5CTMVRXEZLU")
    staff.save()
    encrypted_before = _stored(staff)
    # when: run twice, as a re-run must be harmless
    migration.encrypt_totp_secrets(apps, None)
    migration.encrypt_totp_secrets(apps, None)
    # then
    assert _stored(manager).startswith("gAAAA")
    assert keys.decrypt(_stored(manager)) == "JBSWY3DPEHPK3PXP"
    assert _stored(staff) == encrypted_before


def test_a_secret_the_current_key_cannot_read_refuses_codes_without_a_crash(manager, settings):
    # given: a secret encrypted under another key
    from cryptography.fernet import Fernet

    secret = pyotp.random_base32()
    other = Fernet(Fernet.generate_key()).encrypt(secret.encode()).decode()
    User.objects.filter(pk=manager.pk).update(totp_secret=other, totp_confirmed_at=timezone.now())
    manager.refresh_from_db()
    # when / then
    with pytest.raises(services.LoginRefused):
        services.check_second_factor(manager, pyotp.TOTP(secret).now())
