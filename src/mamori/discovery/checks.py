"""``mamori check``: warn when database passwords are encrypted with a key derived from SECRET_KEY."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from mamori.core import checks as core_checks
from mamori.discovery import secrets


def check_secrets_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    key = secrets.configured_key()
    if key:
        try:
            secrets.encrypt("check")
        except ImproperlyConfigured as exc:
            return [
                Error(str(exc), hint="generate one with Fernet.generate_key() (docs/discovery.md)", id="mamori.E040")
            ]
        return []
    # Only the live check looks at the database; at start-up the tables may not exist yet.
    if not core_checks._live.get():
        return []
    from mamori.discovery.models import DataSource

    try:
        stored = DataSource.objects.exclude(encrypted_secret="").exists()
    except DatabaseError:
        return []
    if not stored:
        return []
    return [
        Warning(
            "MAMORI_SECRETS_KEY is not set: data-source passwords are encrypted with a key derived from SECRET_KEY, "
            "so changing SECRET_KEY makes them unreadable.",
            hint="set MAMORI_SECRETS_KEY to a Fernet key and enter the passwords again (docs/discovery.md)",
            id="mamori.W040",
        )
    ]
