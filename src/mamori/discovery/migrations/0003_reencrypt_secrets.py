"""Data-source passwords move from the key derived from SECRET_KEY to the secrets key (core/keys.py).

Before, a password was encrypted with a Fernet key derived from SECRET_KEY (or with MAMORI_SECRETS_KEY when
set, which is still the secrets key now). Each stored password that the old derived key decrypts is
encrypted again with the secrets key. One that no key decrypts is left as it is: the connection test then
says to enter the password again. Nothing is done (and no key is needed) when no password is stored.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import migrations


def reencrypt(apps: Any, schema_editor: Any) -> None:
    from mamori.core import keys
    from mamori.discovery.secrets import legacy_fernet

    DataSource = apps.get_model("discovery", "DataSource")
    stored = list(DataSource.objects.exclude(encrypted_secret="").values_list("pk", "encrypted_secret"))
    if not stored:
        return
    legacy = legacy_fernet(settings.SECRET_KEY)
    for pk, token in stored:
        try:
            keys.decrypt(token)
            continue  # already under the secrets key (MAMORI_SECRETS_KEY was set)
        except keys.SecretUnavailable:
            pass
        try:
            plain = legacy.decrypt(token.encode()).decode()
        except InvalidToken:
            continue  # SECRET_KEY changed since: unreadable either way, the user enters it again
        DataSource.objects.filter(pk=pk).update(encrypted_secret=keys.encrypt(plain))


class Migration(migrations.Migration):
    dependencies = [("discovery", "0002_fingerprints")]

    operations = [migrations.RunPython(reencrypt, migrations.RunPython.noop, elidable=True)]
