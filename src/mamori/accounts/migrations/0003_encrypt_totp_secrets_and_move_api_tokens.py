"""Two-factor secrets encrypted at rest, and the old clear-text API tokens moved into hashed ApiToken rows.

A clear two-factor secret is base32 (A-Z, 2-7); an encrypted one is a Fernet token, which always starts
with "gAAAA", so rows already encrypted are left alone and the migration can run twice.

The old ``rest_framework.authtoken`` table (one clear token per user) is read with plain SQL, because that
app is no longer installed: each token becomes an ApiToken named "migrated", stored as its SHA-256 digest
and expiring 90 days from now, so scripts keep working until then. The old table is then dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import migrations
from django.utils import timezone

FERNET_PREFIX = "gAAAA"
OLD_TOKEN_TABLE = "authtoken_token"
MIGRATED_TOKEN_DAYS = 90


def encrypt_totp_secrets(apps: Any, schema_editor: Any) -> None:
    from mamori.core import keys

    User = apps.get_model("accounts", "User")
    clear = User.objects.exclude(totp_secret="").exclude(totp_secret__startswith=FERNET_PREFIX)
    for user in clear.only("pk", "totp_secret"):  # the secrets key is needed only when there is something to do
        User.objects.filter(pk=user.pk).update(totp_secret=keys.encrypt(user.totp_secret))


def decrypt_totp_secrets(apps: Any, schema_editor: Any) -> None:
    from mamori.core import keys

    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(totp_secret__startswith=FERNET_PREFIX).only("pk", "totp_secret"):
        User.objects.filter(pk=user.pk).update(totp_secret=keys.decrypt(user.totp_secret))


def move_old_api_tokens(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if OLD_TOKEN_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    quoted = connection.ops.quote_name(OLD_TOKEN_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name('key')}, user_id FROM {quoted}")  # noqa: S608 - fixed names
        rows = cursor.fetchall()
    now = timezone.now()
    for key, user_id in rows:
        digest = hashlib.sha256(str(key).encode("utf-8")).hexdigest()
        if not ApiToken.objects.filter(digest=digest).exists():
            ApiToken.objects.create(
                owner_id=user_id,
                name="migrated",
                prefix=str(key)[:8],
                digest=digest,
                created_at=now,
                expires_at=now + dt.timedelta(days=MIGRATED_TOKEN_DAYS),
            )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {quoted}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens_and_sign_in_addresses")]

    operations = [
        migrations.RunPython(encrypt_totp_secrets, decrypt_totp_secrets),
        # The old tokens cannot be put back: only their digests are kept.
        migrations.RunPython(move_old_api_tokens, migrations.RunPython.noop),
    ]
