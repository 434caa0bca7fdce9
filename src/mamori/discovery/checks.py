"""``mamori check``: warn about stored data-source passwords that no secrets key decrypts.

The secrets key itself (present, well-formed, strong, private) is checked by ``mamori.core.checks.check_keys``.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError

from mamori.core import checks as core_checks
from mamori.core import keys


def check_secrets_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    # Only the live check looks at the database; at start-up the tables may not exist yet.
    if not core_checks._live.get():
        return []
    from mamori.discovery.models import DataSource

    try:
        stored = list(DataSource.objects.exclude(encrypted_secret="").values_list("name", "encrypted_secret"))
    except DatabaseError:
        return []
    unreadable = []
    for name, token in stored:
        try:
            keys.decrypt(token)
        except keys.SecretUnavailable:
            unreadable.append(name)
        except keys.KeyProblem:
            return []  # the key itself is missing or malformed: check_keys reports that
    if not unreadable:
        return []
    return [
        Warning(
            f"{len(unreadable)} data-source password(s) cannot be decrypted with the secrets key: "
            + ", ".join(sorted(unreadable)[:10]),
            hint="enter the passwords again on each data source's page (the key was changed or lost)",
            id="mamori.W040",
        )
    ]
