"""Real databases for the database-scanner tests: a fresh SQLite file, PostgreSQL database and MariaDB
database per test module, dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.databases import MYSQL_ADMIN, PG_ADMIN, server_database


def _server_database(admin_url: str, kind: str) -> Iterator[str]:
    yield from server_database(admin_url, kind, prefix="mamori_scan")


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request, tmp_path) -> Iterator[str]:
    """An empty database of each kind the scanner supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.db'}"
    elif request.param == "postgresql":
        yield from _server_database(PG_ADMIN, "PostgreSQL")
    else:
        yield from _server_database(MYSQL_ADMIN, "MariaDB")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database (for what only PostgreSQL does: server-side column batches)."""
    yield from _server_database(PG_ADMIN, "PostgreSQL")


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """An empty MariaDB database."""
    yield from _server_database(MYSQL_ADMIN, "MariaDB")
