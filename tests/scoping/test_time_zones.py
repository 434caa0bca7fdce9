"""EC-CUBE 4.x stores order times in UTC (Doctrine UTCDateTimeTzType); the window is whole days in Japan time.
The orders at the edges of a March window must be judged as instants, whatever the database server's TimeZone."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from mamori.discovery.engine.database import connect
from mamori.scoping import mapping as maps
from mamori.scoping import query
from tests.scoping import shop
from tests.scoping.conftest import MYSQL_ADMIN, PG_ADMIN, _server_database

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
JST = dt.timezone(dt.timedelta(hours=9))
IN = dt.datetime(2026, 2, 28, 20, 0, tzinfo=dt.UTC)  # 2026-03-01 05:00 JST: inside
OUT = dt.datetime(2026, 3, 31, 20, 0, tzinfo=dt.UTC)  # 2026-04-01 05:00 JST: outside


@pytest.fixture(params=["postgresql", "mariadb", "sqlite"])
def utc_server(request, tmp_path):
    """An empty database whose server/session clock is UTC (PostgreSQL: ALTER DATABASE … SET timezone)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop4.db'}"
        return
    admin = PG_ADMIN if request.param == "postgresql" else MYSQL_ADMIN
    for url in _server_database(admin, "PostgreSQL" if request.param == "postgresql" else "MariaDB"):
        if request.param == "postgresql":
            engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text(f"ALTER DATABASE {sa.engine.make_url(url).database} SET timezone TO 'UTC'"))
            engine.dispose()
        yield url


def _shop4(url: str) -> None:
    aware = url.startswith("postgres")
    meta = sa.MetaData()
    pref, payment, order = shop._tables("eccube4", meta, aware)
    engine = sa.create_engine(url)
    meta.create_all(engine)
    base = {"customer_id": None, "name01": "山田", "name02": "太郎", "payment_id": 5, "order_status_id": 5}
    rows = []
    for i, (email, when) in enumerate([("in@example.jp", IN), ("out@example.jp", OUT)], 1):
        stored = when if aware else when.replace(tzinfo=None)
        rows.append({**base, "id": i, "email": email, "create_date": stored, "order_date": stored})
    with engine.begin() as conn:
        conn.execute(pref.insert(), [{"id": 13, "name": "東京都"}])
        conn.execute(payment.insert(), shop.PAYMENTS4)
        conn.execute(order.insert(), rows)
    engine.dispose()


def test_a_4x_march_window_counts_the_orders_of_march_in_japan_time(utc_server):
    # given a 4.x shop whose order times are UTC and whose database server runs on UTC
    _shop4(utc_server)
    engine = connect.open_readonly(connect.parse_url(utc_server))
    # when
    with engine.connect() as conn, conn.begin():
        query.begin_read_only(conn)
        if conn.dialect.name == "postgresql":
            assert conn.execute(sa.text("SHOW timezone")).scalar() == "UTC"
        bound = maps.bind(conn, maps.preset("eccube4", [5]), "eccube4")
        counted = query.count(conn, bound, *MARCH)
        listed = list(query.people(conn, bound, *MARCH))
        on_pg = conn.dialect.name == "postgresql"
        copied = list(conn.execute(query.pg_copy_query(bound, *MARCH, 1, conn))) if on_pg else []
    engine.dispose()
    # then the order of 03-01 05:00 JST is in, the one of 04-01 05:00 JST out
    assert counted == (1, 1)
    assert [p.identity for p in listed] == ["email:in@example.jp"]
    # and its time is shown in Japan time
    first = listed[0].first_order_at
    assert first == IN and first.utcoffset() == dt.timedelta(hours=9)
    assert first.strftime("%Y-%m-%d %H:%M") == "2026-03-01 05:00"
    # and PostgreSQL's COPY rows carry the same instant
    if copied:
        assert [(row[1], row[10]) for row in copied] == [("email:in@example.jp", IN)]


def test_a_2x_shop_keeps_its_local_clock_on_a_utc_server(utc_server):
    # given a 2.x shop: create_date is the shop's clock (Japan time) without a zone
    meta = sa.MetaData()
    _pref, payment, order = shop._tables("eccube2", meta)
    engine = sa.create_engine(utc_server)
    meta.create_all(engine)
    base = {"customer_id": 0, "payment_id": 5, "status": 5, "del_flg": 0}
    with engine.begin() as conn:
        conn.execute(payment.insert(), shop.PAYMENTS2)
        conn.execute(
            order.insert(),
            [
                {**base, "order_id": 1, "order_email": "in@example.jp", "create_date": dt.datetime(2026, 3, 1, 0, 0)},
                {**base, "order_id": 2, "order_email": "out@example.jp", "create_date": dt.datetime(2026, 4, 1)},
            ],
        )
    engine.dispose()
    engine = connect.open_readonly(connect.parse_url(utc_server))
    # when
    with engine.connect() as conn, conn.begin():
        bound = maps.bind(conn, maps.preset("eccube2", [5]), "eccube2")
        listed = list(query.people(conn, bound, *MARCH))
    engine.dispose()
    # then
    assert [p.identity for p in listed] == ["email:in@example.jp"]
    assert listed[0].first_order_at == dt.datetime(2026, 3, 1, tzinfo=JST)


def test_a_generic_mapping_says_how_its_times_are_stored():
    # given / when / then
    data = {"table": "orders", "date_column": "at", "email_column": "email"}
    assert maps.parse(data).timestamps == "local"
    assert maps.parse({**data, "timestamps": "utc"}).timestamps == "utc"
    with pytest.raises(maps.MappingError, match="timestamps: 'gmt'"):
        maps.parse({**data, "timestamps": "gmt"})
