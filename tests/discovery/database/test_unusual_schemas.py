"""Shop databases the project has never seen: quoted and mixed-case names, other schemas, partitioned
tables, and column types beyond text (arrays, JSON, binary, numbers) — on PostgreSQL, in sample and full
mode alike, with a problem reported instead of a traceback when a table cannot be read."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mamori.discovery.engine.database.scan import DatabaseScanOptions, scan_database

SETUP = [
    'CREATE SCHEMA "Shop Data"',
    "CREATE TYPE mood AS ENUM ('ok', 'sad')",
    'CREATE TABLE "Shop Data"."Orders" ("Id" bigint PRIMARY KEY, "we""ird" text, "CardNo" varchar(30), m mood, '
    "tags text[], doc jsonb, raw bytea, price money, at timestamptz, n numeric)",
    'INSERT INTO "Shop Data"."Orders" SELECT g, \'x\' || g, '
    "CASE WHEN g % 3 = 0 THEN '4111 1111 1111 1111' END, 'ok', ARRAY['a', '4111111111111111'], "
    "jsonb_build_object('card_no', '5555555555554444', 'cvv', '123'), convert_to('カード 4111111111111111', 'UTF8'), "
    "12.5, now(), 4111111111111111 FROM generate_series(1, 300) g",
    'CREATE TABLE "select" ("from" int, "to" text)',
    "INSERT INTO \"select\" VALUES (1, 'taro@example.jp'), (2, NULL)",
    "CREATE TABLE parted (id int, email text) PARTITION BY RANGE (id)",
    "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000)",
    "INSERT INTO parted SELECT g, 'u' || g || '@example.jp' FROM generate_series(1, 999) g",
]


@pytest.fixture
def unusual(postgres_url: str) -> str:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        for statement in SETUP:
            conn.execute(sa.text(statement.replace(":", r"\:")))
    engine.dispose()
    return postgres_url


@pytest.mark.parametrize("full", [False, True], ids=["sample", "full"])
def test_quoted_names_other_schemas_and_non_text_types_are_scanned(unusual: str, full: bool) -> None:
    # when
    report = scan_database(unusual, DatabaseScanOptions(hash_key=b"k", workers=1, full=full))
    # then every table is read without a problem, and card data is found in every kind of column
    assert report.problems == []
    cards = {r.column for r in report.results if r.table == "Shop Data.Orders" and r.type == "credit_card_number"}
    assert cards == {"CardNo", "tags", "doc", "raw", "n"}
    assert ("select", "to", "email_address") in {(r.table, r.column, r.type) for r in report.results}


def test_a_partitioned_table_is_scanned_once_through_its_parent(unusual: str) -> None:
    report = scan_database(unusual, DatabaseScanOptions(hash_key=b"k", workers=1, full=True))
    assert "parted" in report.tables and "parted_1" not in report.tables
    assert report.rows_scanned["parted"] == 999


def test_a_table_that_cannot_be_read_is_a_problem_not_a_crash(unusual: str) -> None:
    # given a scanner account without rights to one table
    engine = sa.create_engine(unusual)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP ROLE IF EXISTS mamori_scan_test_reader"))
        conn.execute(sa.text("CREATE ROLE mamori_scan_test_reader LOGIN"))
        conn.execute(sa.text("GRANT USAGE ON SCHEMA public TO mamori_scan_test_reader"))
        conn.execute(sa.text('GRANT SELECT ON "select" TO mamori_scan_test_reader'))
    reader = sa.engine.make_url(unusual).set(username="mamori_scan_test_reader").render_as_string(False)
    try:
        # when
        report = scan_database(reader, DatabaseScanOptions(hash_key=b"k", workers=1, full=True))
        # then the readable table is scanned and the other is reported
        assert ("select", "to", "email_address") in {(r.table, r.column, r.type) for r in report.results}
        assert any("parted" in problem for problem in report.problems)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP OWNED BY mamori_scan_test_reader"))
            conn.execute(sa.text("DROP ROLE mamori_scan_test_reader"))
        engine.dispose()


MARIADB_SETUP = [
    "CREATE TABLE `Order Items` (`Id` int PRIMARY KEY, `we``ird` text, `CardNo` varchar(30), s SET('a','b'), "
    "e ENUM('x','y'), b BLOB, bi BIGINT, j JSON, t TIME, flags BIT(8))",
    "INSERT INTO `Order Items` VALUES (1, 'a', '4111 1111 1111 1111', 'a', 'x', '4111111111111111', "
    '4111111111111111, \'{"cvv": "123", "card_no": "5555555555554444"}\', \'10:00\', b\'1010\')',
    "CREATE TABLE `select` (`from` int, `to` text)",
    "INSERT INTO `select` VALUES (1, 'taro@example.jp')",
]


@pytest.mark.parametrize("full", [False, True], ids=["sample", "full"])
def test_mariadb_backquoted_names_and_non_text_types_are_scanned(mariadb_url: str, full: bool) -> None:
    # given
    engine = sa.create_engine(mariadb_url)
    with engine.begin() as conn:
        for statement in MARIADB_SETUP:
            conn.exec_driver_sql(statement)
    engine.dispose()
    # when
    report = scan_database(mariadb_url, DatabaseScanOptions(hash_key=b"k", workers=1, full=full))
    # then
    assert report.problems == []
    found = {(r.table, r.column, r.type) for r in report.results}
    assert {("Order Items", c, "credit_card_number") for c in ("CardNo", "b", "bi", "j")} <= found
    assert ("Order Items", "j", "card_security_code") in found
    assert ("select", "to", "email_address") in found
