"""The producers of preserved copies, on their own (no Django): real SQLite, PostgreSQL and MariaDB databases
with card-like values, and real files. Each copy is read back the way an investigator would."""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mamori.discovery.engine.database import connect, tables
from mamori.evidence import dumps
from tests.conftest import skip_or_fail
from tests.databases import MYSQL_ADMIN, PG_ADMIN, server_database

CARDS = ["4111111111111111", "5555555555554444", "4012888888881881"]


# --------------------------------------------------------------------------------------------------
# Fixtures: databases with a shop's orders (card numbers in clear, the way the 2018 shop kept them)


def plant_sqlite(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, name TEXT, card TEXT, total NUMERIC, note BLOB)")
    conn.executemany(
        "INSERT INTO orders (name, card, total, note) VALUES (?, ?, ?, ?)",
        [(f"山田 {i}", CARDS[i % 3], 1000 + i, b"\x00\xff") for i in range(300)],
    )
    conn.commit()
    conn.close()
    return path


def plant_server(url: sa.engine.URL) -> None:
    """Orders with card numbers, amounts, times, bytes, and a table without a primary key."""
    engine = sa.create_engine(url)
    backend = url.get_backend_name()
    blob = "BYTEA" if backend == "postgresql" else "LONGBLOB"
    stamp = "TIMESTAMP WITH TIME ZONE" if backend == "postgresql" else "DATETIME(6)"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE orders (id INTEGER PRIMARY KEY, name VARCHAR(100), card VARCHAR(19), "
                f"total DECIMAL(10, 2), ordered_at {stamp}, note {blob}, day DATE)"
            )
        )
        conn.execute(sa.text("CREATE TABLE card_log (line VARCHAR(200))"))
        for i in range(250):
            conn.execute(
                sa.text("INSERT INTO orders VALUES (:id, :name, :card, :total, :at, :note, :day)"),
                {
                    "id": i + 1,
                    "name": f"山田 花子 {i}",
                    "card": CARDS[i % 3],
                    "total": decimal.Decimal(f"{1000 + i}.50"),
                    "at": dt.datetime(2018, 5, 1, 12, 0, i % 60, tzinfo=dt.UTC if backend == "postgresql" else None),
                    "note": bytes([0, 255, i % 256]),
                    "day": dt.date(2018, 5, 1),
                },
            )
        conn.execute(sa.text("INSERT INTO card_log VALUES (:a), (:b)"), {"a": f"auth {CARDS[0]} ok", "b": "x"})
    engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[sa.engine.URL]:
    for text in server_database(PG_ADMIN, "PostgreSQL", prefix="mamori_preserve"):
        url = sa.engine.make_url(text)
        plant_server(url)
        yield url


@pytest.fixture
def maria_url() -> Iterator[sa.engine.URL]:
    for text in server_database(MYSQL_ADMIN, "MariaDB", prefix="mamori_preserve"):
        url = sa.engine.make_url(text)
        plant_server(url)
        yield url


def export(url: sa.engine.URL) -> tuple[dumps.ExportContents, dumps.DumpInfo]:
    engine = connect.open_readonly(connect.parse_url(url.render_as_string(hide_password=False)))
    info = dumps.DumpInfo()
    try:
        chunks = dumps.logical_export(
            engine,
            info,
            list_tables=lambda e: tables.list_tables(e, tables.TableFilter()),
            batches=tables.batches,
            estimated_rows=tables.estimated_rows,
            batch_size=100,
        )
        return dumps.load_export(dumps.collect(chunks)), info
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------------
# SQLite


def test_sqlite_backup_is_an_openable_copy_of_every_row(tmp_path):
    # given
    shop = plant_sqlite(tmp_path / "shop.sqlite3")
    info = dumps.DumpInfo()
    seen: list[float] = []
    # when
    data = dumps.collect(
        dumps.sqlite_backup(shop, info, temp_dir=tmp_path, progress=lambda f, m: seen.append(f), pages_per_step=1)
    )
    # then
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(data.getvalue())
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT count(*), count(DISTINCT card) FROM orders").fetchone() == (300, 3)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert info.details["quick_check"] == "ok" and info.file_extension == "sqlite3"
    assert seen and max(seen) <= 1.0
    # and the temporary copy is gone
    assert list(tmp_path.glob("preserve-*")) == []


def test_sqlite_backup_holds_one_consistent_state_while_another_writer_is_mid_transaction(tmp_path):
    # given: a writer has inserted rows it has not committed yet
    shop = plant_sqlite(tmp_path / "shop.sqlite3")
    writer = sqlite3.connect(shop)
    writer.execute("BEGIN")
    writer.execute("INSERT INTO orders (name, card) VALUES ('uncommitted', '4111111111111111')")
    # when
    data = dumps.collect(dumps.sqlite_backup(shop, dumps.DumpInfo(), temp_dir=tmp_path))
    writer.rollback()
    writer.close()
    # then: the copy is the committed state, whole
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(data.getvalue())
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM orders WHERE name = 'uncommitted'").fetchone() == (0,)
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM orders").fetchone() == (300,)


def test_sqlite_backup_never_writes_to_the_source(tmp_path):
    # given: a database file nobody may write
    shop = plant_sqlite(tmp_path / "shop.sqlite3")
    sqlite3.connect(shop).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    before = hashlib.sha256(shop.read_bytes()).hexdigest()
    # when
    dumps.collect(dumps.sqlite_backup(shop, dumps.DumpInfo(), temp_dir=tmp_path))
    # then
    assert hashlib.sha256(shop.read_bytes()).hexdigest() == before


def test_a_missing_sqlite_file_is_a_clear_error(tmp_path):
    with pytest.raises(dumps.DumpError, match="not found"):
        dumps.collect(dumps.sqlite_backup(tmp_path / "gone.db", dumps.DumpInfo(), temp_dir=tmp_path))


# --------------------------------------------------------------------------------------------------
# Logical export (the fallback without dump tools)


@pytest.mark.parametrize("kind", ["pg_url", "maria_url"])
def test_logical_export_rows_round_trip(request, kind):
    # given
    url = request.getfixturevalue(kind)
    # when
    contents, info = export(url)
    # then: every row comes back with its values and types
    assert contents.complete
    assert contents.header["format"] == "mamori-logical-export"
    orders = contents.tables["orders"]
    assert orders.columns == ["id", "name", "card", "total", "ordered_at", "note", "day"]
    assert len(orders.rows) == 250
    first = orders.rows[0]
    assert first[:3] == [1, "山田 花子 0", CARDS[0]]
    assert first[3] == decimal.Decimal("1000.50")
    assert first[4].replace(tzinfo=None) == dt.datetime(2018, 5, 1, 12, 0, 0)
    assert first[5] == bytes([0, 255, 0])
    assert first[6] == dt.date(2018, 5, 1)
    assert sorted(r[0] for r in contents.tables["card_log"].rows) == [f"auth {CARDS[0]} ok", "x"]
    assert info.details["rows"] == 252 and info.details["tables"] == {"card_log": 2, "orders": 250}


def test_postgresql_export_is_one_repeatable_read_read_only_snapshot(pg_url):
    # when
    _, info = export(pg_url)
    # then
    assert info.details["consistency"] == "REPEATABLE READ READ ONLY"


def test_mariadb_export_is_one_consistent_snapshot(maria_url):
    # when
    _, info = export(maria_url)
    # then
    assert info.details["consistency"] == "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"


def test_export_stream_is_gzip_json_lines_with_table_headers(pg_url):
    # when
    engine = connect.open_readonly(connect.parse_url(pg_url.render_as_string(hide_password=False)))
    raw = dumps.collect(
        dumps.logical_export(
            engine,
            dumps.DumpInfo(),
            list_tables=lambda e: tables.list_tables(e, tables.TableFilter()),
            batches=tables.batches,
            estimated_rows=tables.estimated_rows,
        )
    )
    engine.dispose()
    # then
    lines = gzip.decompress(raw.getvalue()).decode("utf-8").splitlines()
    assert lines[1].startswith('{"table":{"schema":null,"name":"card_log"')
    assert lines[-1] == '{"end":{"tables":2,"rows":252}}'


def test_a_cut_short_export_reads_as_incomplete(pg_url):
    # given: the last line is lost
    contents, _ = export(pg_url)
    assert contents.complete
    engine = connect.open_readonly(connect.parse_url(pg_url.render_as_string(hide_password=False)))
    raw = dumps.collect(
        dumps.logical_export(
            engine,
            dumps.DumpInfo(),
            list_tables=lambda e: tables.list_tables(e, tables.TableFilter()),
            batches=tables.batches,
            estimated_rows=tables.estimated_rows,
        )
    )
    engine.dispose()
    text = gzip.decompress(raw.getvalue()).decode("utf-8").splitlines()[:-1]
    # when
    cut = dumps.load_export(io.BytesIO(gzip.compress(("\n".join(text) + "\n").encode())))
    # then
    assert not cut.complete


# --------------------------------------------------------------------------------------------------
# The databases' own dump tools


def _tool(backend: str) -> str:
    tool = dumps.dump_tool(backend)
    if tool is None:
        skip_or_fail(f"the dump tool for {backend} is not installed")
    assert tool is not None
    return tool


def test_pg_dump_makes_a_custom_format_archive_pg_restore_reads(pg_url, tmp_path):
    # given
    tool = _tool("postgresql")
    info = dumps.DumpInfo()
    # when
    data = dumps.collect(dumps.pg_dump(dumps.ServerTarget.from_url(pg_url), info, tool=tool))
    # then: pg_restore turns it back into SQL holding every order
    archive = tmp_path / "shop.pgdump"
    archive.write_bytes(data.getvalue())
    assert data.getvalue().startswith(b"PGDMP")
    restore = shutil.which("pg_restore")
    assert restore
    sql = subprocess.run([restore, "-f", "-", str(archive)], capture_output=True, text=True, check=True).stdout
    assert sql.count(CARDS[0]) >= 80
    assert info.method == "pg_dump" and info.details["tool_version"].startswith("pg_dump")


def test_pg_dump_failure_names_the_reason_without_the_password(pg_url):
    # given: a wrong password for a user that does not exist
    target = dumps.ServerTarget.from_url(pg_url.set(username="nobody_here", password="s3cret-Passw0rd"))
    # when
    with pytest.raises(dumps.DumpError) as caught:
        dumps.collect(dumps.pg_dump(target, dumps.DumpInfo(), tool=_tool("postgresql")))
    # then
    assert "pg_dump failed" in str(caught.value)
    assert "s3cret-Passw0rd" not in str(caught.value)


def test_mysqldump_makes_a_gzip_sql_dump_of_one_snapshot(maria_url, tmp_path):
    # given
    tool = _tool("mysql")
    info = dumps.DumpInfo()
    # when
    data = dumps.collect(dumps.mysqldump(dumps.ServerTarget.from_url(maria_url), info, tool=tool, temp_dir=tmp_path))
    # then
    sql = gzip.decompress(data.getvalue()).decode("utf-8")
    assert "CREATE TABLE `orders`" in sql
    assert sql.count(CARDS[1]) >= 80
    assert info.file_extension == "sql.gz"
    # and the option file holding the password is gone
    assert list(tmp_path.glob("preserve-*.cnf")) == []


@pytest.fixture
def maria_user(maria_url) -> Iterator[tuple[str, str]]:
    """A read-only user whose password holds the characters an option file must escape."""
    name = f"m{uuid.uuid4().hex[:8]}"
    password = 'p#ss "w\\rd;x'
    admin = sa.create_engine(sa.engine.make_url(MYSQL_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE USER '{name}'@'%' IDENTIFIED BY :p"), {"p": password})
        conn.execute(sa.text(f"GRANT SELECT, SHOW VIEW ON {maria_url.database}.* TO '{name}'@'%'"))
    try:
        yield name, password
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP USER '{name}'@'%'"))
        admin.dispose()


def test_mysqldump_gets_the_password_through_an_option_file_not_the_command_line(maria_url, maria_user, tmp_path):
    # given
    name, password = maria_user
    target = dumps.ServerTarget.from_url(maria_url.set(username=name, password=password))
    # when
    data = dumps.collect(dumps.mysqldump(target, dumps.DumpInfo(), tool=_tool("mysql"), temp_dir=tmp_path))
    # then
    assert CARDS[2] in gzip.decompress(data.getvalue()).decode("utf-8")


def test_option_file_quotes_special_characters():
    target = dumps.ServerTarget("mysql", "db.example.jp", 3306, "shop", 'a"b\\c#d', "shop")
    text = dumps._mysql_option_file(target)
    assert 'password="a\\"b\\\\c#d"' in text
    assert "port=3306" in text


# --------------------------------------------------------------------------------------------------
# Files and folders


def plant_files(root: Path) -> Path:
    (root / "logs" / "nginx").mkdir(parents=True)
    (root / "logs" / "nginx" / "access.log").write_text(f"POST /pay card={CARDS[0]}\n" * 100)
    (root / "logs" / "app.log").write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # more than one chunk, unaligned
    (root / "logs" / "空.txt").write_text("")
    (root / "logs" / "link-out").symlink_to("/etc/hostname")
    return root / "logs"


def test_files_tar_holds_every_file_and_a_manifest_whose_hashes_match(tmp_path):
    # given
    folder = plant_files(tmp_path)
    info = dumps.DumpInfo()
    # when
    data = dumps.collect(dumps.files_tar([folder], info))
    # then: tar reads it; every file's bytes hash to the manifest's value
    manifest = dumps.read_manifest(io.BytesIO(data.getvalue()))
    assert manifest == info.manifest
    by_path = {f["path"]: f for f in manifest["files"]}
    assert set(by_path) == {
        f"{str(folder).lstrip('/')}/nginx/access.log",
        f"{str(folder).lstrip('/')}/app.log",
        f"{str(folder).lstrip('/')}/空.txt",
    }
    with tarfile.open(fileobj=io.BytesIO(data.getvalue())) as archive:
        for path, row in by_path.items():
            member = archive.extractfile(path)
            assert member is not None
            content = member.read()
            assert hashlib.sha256(content).hexdigest() == row["sha256"]
            assert len(content) == row["size"]
        link = archive.getmember(f"{str(folder).lstrip('/')}/link-out")
        assert link.issym() and link.linkname == "/etc/hostname"  # stored as a link, never followed
    assert (
        by_path[f"{str(folder).lstrip('/')}/app.log"]["sha256"]
        == hashlib.sha256((folder / "app.log").read_bytes()).hexdigest()
    )
    assert manifest["links"] == [{"path": f"{str(folder).lstrip('/')}/link-out", "target": "/etc/hostname"}]
    assert info.details["files"] == 3


def test_files_tar_lists_special_files_as_problems_without_reading_them(tmp_path):
    # given: a named pipe (reading it would wait for ever)
    folder = tmp_path / "spool"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "a.txt").write_text("a")
    info = dumps.DumpInfo()
    # when
    dumps.collect(dumps.files_tar([folder], info))
    # then
    assert info.manifest is not None
    assert [f["path"].rsplit("/", 1)[-1] for f in info.manifest["files"]] == ["a.txt"]
    assert any("pipe" in p and "not copied" in p for p in info.manifest["problems"])
