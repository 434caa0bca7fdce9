"""Audit-trail fixtures: a chain of real entries written through ``record``, and raw SQL for tampering."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connection

from mamori.accounts.policy import SYSTEM
from mamori.audit import services
from mamori.audit.models import AuditEntry

TABLE = AuditEntry._meta.db_table


def sql(statement: str, params: Sequence[Any] | None = None) -> None:
    """Change the table the way a database superuser could: behind the application's back."""
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{table}", connection.ops.quote_name(TABLE)), params or [])


@pytest.fixture
def chain_of(db) -> Callable[[int], list[AuditEntry]]:
    """Write ``n`` entries through ``record`` and return them in sequence order."""

    def make(n: int) -> list[AuditEntry]:
        for number in range(1, n + 1):
            services.record(SYSTEM, "note", object_type="test.thing", object_id=str(number), message=f"entry {number}")
        return list(AuditEntry.objects.order_by("seq"))

    return make
