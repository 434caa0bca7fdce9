"""Real databases for the database-scanner tests: a fresh SQLite file, PostgreSQL database and MariaDB
database per test module, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import skip_or_fail

PG_ADMIN = os.environ.get("MAMORI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN = os.environ.get("MAMORI_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/mysql")


def _server_database(admin_url: str, kind: str) -> Iterator[str]:
    name = f"mamori_scan_{uuid.uuid4().hex[:10]}"
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as exc:
        skip_or_fail(f"{kind} is not reachable at {admin_url}: {exc.orig}")
    url = sa.engine.make_url(admin_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if kind == "PostgreSQL":
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


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
