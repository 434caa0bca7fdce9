"""Fixtures of the evidence locker: a second protection manager, evidence of the server contractor's case (under
legal hold, as every new case is), a data source linked to that case with a finished scan."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone, translation

from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.accounts.roles import Role
from mamori.discovery.models import DataSource, Scan, ScanStatus
from mamori.evidence import services, storage
from mamori.evidence.models import Evidence
from mamori.incidents.models import IncidentCase
from tests.conftest import _make


@pytest.fixture
def manager2(db) -> User:
    """A second protection manager: the one who approves what the first one asked."""
    return _make("manager2", Role.PROTECTION_MANAGER)


@pytest.fixture
def english(client_for):
    """A signed-in client whose language switch says English (messages are then the message ids)."""

    def make(user: User) -> Client:
        client = client_for(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def japanese(client_for):
    return client_for


def add_file(
    case: IncidentCase, data: bytes = b"access.log line 1\n", name: str = "access.log", actor=SYSTEM
) -> Evidence:
    return services.add_upload(actor, case, io.BytesIO(data), name, reason="received from the contractor")


def add_copy(case: IncidentCase, data: bytes = b"dtb_order dump\n", source: DataSource | None = None) -> Evidence:
    blob = storage.write_stream([data], encrypt=True)
    return services.add_preserved_copy(
        SYSTEM, case, name="shop-db.sql", blob=blob, description="copy of the shop database", source=source
    )


@pytest.fixture
def log_file(server_case, manager) -> Evidence:
    return add_file(server_case, actor=manager)


@pytest.fixture
def copy(server_case) -> Evidence:
    return add_copy(server_case)


@pytest.fixture
def record(server_case, manager) -> Evidence:
    return services.add_preservation_record(
        manager,
        server_case,
        name="Disk image of the web server",
        location="the contractor's safe, Osaka office",
        held_by="なにわシステムサービス 佐藤",
        sha256="a" * 64,
        description="",
    )


@pytest.fixture
def linked_source(server_case, server_co) -> DataSource:
    """A data source linked to the held case, with one finished scan."""
    source = DataSource.objects.create(
        name="EC shop DB", kind="database", location="sqlite:///shop.db", contractor=server_co
    )
    server_case.data_sources.add(source)
    now = timezone.now()
    Scan.objects.create(source=source, status=ScanStatus.SUCCEEDED, started_at=now, finished_at=now)
    return source


def released(case: IncidentCase) -> IncidentCase:
    IncidentCase.objects.filter(pk=case.pk).update(legal_hold=False, hold_released_at=timezone.now())
    case.refresh_from_db()
    return case


@pytest.fixture
def _japanese() -> Iterator[None]:
    with translation.override("ja"):
        yield
