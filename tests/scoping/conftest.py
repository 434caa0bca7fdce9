"""Fixtures of the scoping tests: EC-CUBE-shaped shop databases on SQLite, PostgreSQL and MariaDB (fresh per
test, dropped afterwards), data sources pointing at them, and a worker that runs the queued jobs here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from django.conf import settings as django_settings
from django.test import Client

import mamori.evidence.tasks_preserve  # noqa: F401 - registers evidence.preserve
from mamori.accounts.policy import SYSTEM
from mamori.discovery import services as discovery
from mamori.discovery.models import DataSource
from mamori.jobs.backends import get_backend
from mamori.jobs.worker import Worker
from tests.databases import MYSQL_ADMIN, PG_ADMIN, server_database
from tests.scoping import shop


@pytest.fixture(autouse=True)
def _job_settings(settings, tmp_path) -> None:
    settings.MAMORI_JOBS_BACKEND = "embedded"
    settings.MAMORI_JOBS_RETRY_SECONDS = 0
    settings.MAMORI_SCAN_ALLOW = [str(tmp_path), "127.0.0.1", "localhost"]
    settings.MAMORI_PRESERVE_DUMP_TOOLS = False  # the logical export: readable by a scoping without a server


def run_jobs() -> int:
    """Run every due job in this thread (the test database is only visible here)."""
    return Worker(get_backend(), name="test-worker", poll_seconds=0).run(burst=True)


def _server_database(admin_url: str, kind: str) -> Iterator[str]:
    yield from server_database(admin_url, kind, prefix="mamori_scope")


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def shop_url(request, tmp_path) -> Iterator[str]:
    """An empty database of each kind a shop may run on."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.db'}"
    elif request.param == "postgresql":
        yield from _server_database(PG_ADMIN, "PostgreSQL")
    else:
        yield from _server_database(MYSQL_ADMIN, "MariaDB")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _server_database(PG_ADMIN, "PostgreSQL")


@pytest.fixture
def shop2(tmp_path) -> tuple[str, shop.Truth]:
    """An EC-CUBE 2.x shop in a SQLite file, and the truth."""
    url = f"sqlite:///{tmp_path / 'eccube2.db'}"
    return url, shop.build(url, "eccube2")


def make_source(url: str, name: str = "EC-CUBE shop") -> DataSource:
    parsed = sa.engine.make_url(url)
    location = parsed.set(password=None).render_as_string(hide_password=False)
    return discovery.create_source(
        SYSTEM, {"name": name, "kind": "database", "location": location}, password=parsed.password or ""
    )


@pytest.fixture
def shop_source(shop2, server_case) -> DataSource:
    source = make_source(shop2[0])
    server_case.data_sources.add(source)
    return source


@pytest.fixture
def english(client_for) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = client_for(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make
