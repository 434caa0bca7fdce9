"""The scanner's connection can read a shop database but never change it, and never shows its password."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mamori.discovery.engine.database import connect
from mamori.discovery.engine.database.connect import Credentials, SourceError
from mamori.discovery.shopdb import build_shop_db


def test_a_write_through_the_scanner_connection_fails(database_url):
    # given
    build_shop_db(database_url, customers=5, orders=5)
    engine = connect.open_readonly(connect.parse_url(database_url))
    # when / then
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text("UPDATE dtb_customer SET name01 = 'x'"))
        conn.commit()
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text("CREATE TABLE mamori_probe (id integer)"))
        conn.commit()
    engine.dispose()
    # and the data is unchanged
    check = sa.create_engine(database_url)
    with check.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM dtb_customer WHERE name01 = 'x'")).scalar() == 0
    check.dispose()


def test_the_displayed_source_has_no_password():
    url = connect.parse_url("postgresql://scanner:s3cret-pw@db.example.jp:5432/shop")
    assert connect.display(url) == "postgresql+psycopg://scanner@db.example.jp:5432/shop"


def test_password_can_come_from_an_environment_variable(monkeypatch):
    # given
    monkeypatch.setenv("SHOP_DB_PASSWORD", "from-env")
    # when
    url = connect.parse_url("mysql://scanner@db/shop", Credentials(password_env="SHOP_DB_PASSWORD"))
    # then
    assert url.password == "from-env"
    assert "from-env" not in connect.display(url)


def test_a_missing_password_variable_is_a_clear_error():
    with pytest.raises(SourceError, match="NOT_SET_ANYWHERE"):
        connect.parse_url("mysql://scanner@db/shop", Credentials(password_env="NOT_SET_ANYWHERE"))


def test_unreachable_server_error_hides_the_password():
    url = connect.parse_url("postgresql://scanner:hunter2-secret@127.0.0.1:1/shop")
    with pytest.raises(SourceError) as error:
        connect.open_readonly(url, statement_timeout_s=2)
    assert "hunter2-secret" not in str(error.value)
    assert "127.0.0.1" in str(error.value)


def test_missing_sqlite_file_is_reported(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        connect.open_readonly(connect.parse_url(f"sqlite:///{tmp_path / 'nope.db'}"))


def test_unsupported_scheme_is_reported():
    with pytest.raises(SourceError, match="unsupported database"):
        connect.parse_url("oracle://u:p@h/db")


def test_sqlite_statement_timers_are_dropped_with_their_connections(tmp_path):
    # given
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    build_shop_db(url, customers=5, orders=5)
    before = len(connect._DEADLINES)
    # when
    engine = connect.open_readonly(connect.parse_url(url))
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT count(*) FROM dtb_customer"))
        during = len(connect._DEADLINES)
    engine.dispose()
    # then
    assert during == before + 1
    assert len(connect._DEADLINES) == before
