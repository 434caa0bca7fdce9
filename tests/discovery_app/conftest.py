"""Fixtures for the discovery app: a planted shop database, ledger entries, data sources, a test worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from mamori.accounts.policy import SYSTEM
from mamori.discovery import services
from mamori.discovery.demo import build_demo_shop
from mamori.discovery.models import DataSource, Scan
from mamori.jobs.backends import get_backend
from mamori.jobs.worker import Worker
from mamori.ledger import services as ledger_services
from mamori.ledger.models import DataCategory, LedgerEntry


@pytest.fixture(autouse=True)
def _job_settings(settings) -> None:
    settings.MAMORI_JOBS_BACKEND = "embedded"
    settings.MAMORI_JOBS_RETRY_SECONDS = 0


@pytest.fixture(autouse=True)
def _scan_allow(settings, tmp_path) -> None:
    """The administrator allows this test's temporary folder and the local database servers."""
    settings.MAMORI_SCAN_ALLOW = [str(tmp_path), "127.0.0.1", "localhost"]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for: Callable[[Any], Client]) -> Callable[[Any], Client]:
    """The shared signed-in client, with the language switch set to English."""

    def make(user: Any) -> Client:
        client = client_for(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def shop_db(tmp_path) -> Path:
    """The demo's EC-CUBE 2.x shop: card numbers in dtb_order.memo02 and plg_card_log."""
    return build_demo_shop(tmp_path / "shop.sqlite3")


def categories(*scanner_types: str) -> list[DataCategory]:
    ledger_services.load_catalogue()
    found = []
    for kind in scanner_types:
        found.append(DataCategory.objects.filter(scanner_type=kind).order_by("order", "pk").first())
    return [c for c in found if c is not None]


@pytest.fixture
def shop_entry(db) -> LedgerEntry:
    """The online shop's member data: names, addresses, phones, e-mail; card data declared not retained."""
    entry = LedgerEntry.objects.create(reference="PI-T01", name="会員情報", department="EC課", card_data_retained=False)
    entry.categories.set(categories("person_name", "address", "postal_code", "phone_number", "email_address"))
    return entry


@pytest.fixture
def shop_source(shop_db, shop_entry, server_co) -> DataSource:
    source = services.create_source(
        SYSTEM,
        {
            "name": "EC shop DB",
            "kind": "database",
            "location": f"sqlite:///{shop_db}",
            "contractor": server_co,
            "ledger_entries": [shop_entry],
        },
    )
    return source


@pytest.fixture
def internal_source(db, tmp_path) -> DataSource:
    folder = tmp_path / "share"
    folder.mkdir()
    return services.create_source(SYSTEM, {"name": "Sales share", "kind": "files", "location": str(folder)})


def run_jobs() -> int:
    """Run every due job in this thread (the test database is only visible here)."""
    return Worker(get_backend(), name="test-worker", poll_seconds=0).run(burst=True)


def scan_now(source: DataSource, actor: Any = SYSTEM) -> Scan:
    scan = services.start_scan(actor, source)
    run_jobs()
    return Scan.objects.get(pk=scan.pk)
