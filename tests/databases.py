"""Throwaway server databases for tests that need a real PostgreSQL or MariaDB of their own (a shop database, a
scan target): created with a random name, dropped afterwards even if the test failed."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import sqlalchemy as sa

from tests.conftest import skip_or_fail

PG_ADMIN = os.environ.get("MAMORI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN = os.environ.get("MAMORI_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/mysql")


def server_database(admin_url: str, kind: str, prefix: str = "mamori_test") -> Iterator[str]:
    """Yield the URL of a new empty database on the server of ``admin_url`` (``kind``: PostgreSQL or MariaDB)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as exc:
        skip_or_fail(f"{kind} is not reachable at {admin_url}: {exc.orig}")
    url = sa.engine.make_url(admin_url).set(database=name)
    if kind == "MariaDB":
        url = url.set(query={"charset": "utf8mb4"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            force = " WITH (FORCE)" if kind == "PostgreSQL" else ""
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()
