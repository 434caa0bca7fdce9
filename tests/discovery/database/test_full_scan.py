"""Full scans read every row in key order in batches, resume after an interruption, and give the same
answer on one process, a process pool or a Dask cluster."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mamori.discovery.engine.database import scan as db_scan
from mamori.discovery.engine.database import tables as db_tables
from mamori.discovery.engine.database.scan import DatabaseScanOptions, scan_database
from mamori.discovery.shopdb import build_shop_db

TEST_CARD = "4111111111111111"


def _results(report) -> list[dict]:
    return sorted((r.as_dict() for r in report.results), key=lambda d: (d["table"], d["column"], d["type"]))


@pytest.fixture
def shop(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    build_shop_db(url, flavour="eccube2", customers=60, orders=300)
    return url


def test_full_scan_counts_every_row(shop):
    # when
    report = scan_database(shop, DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=37))
    # then
    assert report.rows_scanned["dtb_order"] == 300
    memo = next(
        r for r in report.results if (r.table, r.column, r.type) == ("dtb_order", "memo02", "credit_card_number")
    )
    assert memo.rows_scanned == 300


def test_sample_is_spread_over_the_table(tmp_path):
    # given: a card number only in the last rows of a big table
    url = f"sqlite:///{tmp_path / 'big.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE log (id INTEGER PRIMARY KEY, memo TEXT)"))
        rows = [{"id": i, "memo": "ok"} for i in range(1, 20001)]
        for row in rows[-2000:]:
            row["memo"] = f"card {TEST_CARD}"
        conn.execute(sa.text("INSERT INTO log (id, memo) VALUES (:id, :memo)"), rows)
    engine.dispose()
    # when
    report = scan_database(url, DatabaseScanOptions(hash_key=b"k", workers=1, sample_rows=200))
    # then
    assert report.rows_scanned["log"] <= 220
    assert any(r.type == "credit_card_number" for r in report.results)


def test_table_without_primary_key_is_scanned(tmp_path):
    # given
    url = f"sqlite:///{tmp_path / 'nokey.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE export (card_no TEXT, cvv TEXT)"))
        conn.execute(sa.text("INSERT INTO export VALUES (:c, '123')"), [{"c": TEST_CARD}] * 50)
    engine.dispose()
    # when
    sample = scan_database(url, DatabaseScanOptions(hash_key=b"k", workers=1))
    full = scan_database(url, DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=7))
    # then
    for report in (sample, full):
        assert {(r.column, r.type) for r in report.results} >= {
            ("card_no", "credit_card_number"),
            ("cvv", "card_security_code"),
        }
    assert full.rows_scanned["export"] == 50


def test_interrupted_full_scan_resumes_where_it_stopped(shop, tmp_path, monkeypatch):
    # given: a scan that dies after a few batches
    checkpoint = tmp_path / "scan.checkpoint.json"
    options = DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=50, checkpoint=checkpoint)
    expected = _results(scan_database(shop, DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=50)))
    real = db_scan.detect_batch
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 9:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(db_scan, "detect_batch", dying)
    with pytest.raises(KeyboardInterrupt):
        scan_database(shop, options)
    monkeypatch.setattr(db_scan, "detect_batch", real)
    assert checkpoint.exists()
    # when
    resumed = scan_database(
        shop,
        DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=50, checkpoint=checkpoint, resume=True),
    )
    # then
    assert _results(resumed) == expected


def test_process_pool_gives_the_same_results(shop):
    one = scan_database(shop, DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=40))
    two = scan_database(shop, DatabaseScanOptions(hash_key=b"k", workers=2, full=True, batch_size=40))
    assert _results(one) == _results(two)


def test_a_big_table_is_split_into_at_least_one_key_range_per_worker(shop, monkeypatch):
    # given: dtb_order (300 rows) counts as big with a split threshold of 100 rows
    monkeypatch.setattr(db_scan, "CONTEXT_ROWS", 50)  # ranges may be this small
    engine = sa.create_engine(shop)
    found = [t for t in db_tables.list_tables(engine, db_tables.TableFilter()) if t.name == "dtb_order"]
    options = DatabaseScanOptions(hash_key=b"k", full=True, split_min_rows=100)
    # when planned for 1, 2 and 3 workers
    plans = {n: db_scan.plan_shards(engine, found, options, n) for n in (1, 2, 3)}
    small = db_scan.plan_shards(engine, found, DatabaseScanOptions(full=True, split_min_rows=1000), 3)
    engine.dispose()
    # then: one range per worker, together covering every key once (first open below, last open above)
    assert [len(plans[n]) for n in (1, 2, 3)] == [1, 2, 3]
    three = plans[3]
    assert three[0].low is None and three[-1].high is None
    assert [s.high for s in three[:-1]] == [s.low for s in three[1:]]
    assert len(small) == 1


def test_results_do_not_depend_on_how_a_table_is_split(shop, monkeypatch):
    # given
    monkeypatch.setattr(db_scan, "CONTEXT_ROWS", 50)
    # (the columns are classified by their first 50 rows, which lie in the first of three ranges)
    whole = DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=40, sample_rows=50)
    split = DatabaseScanOptions(hash_key=b"k", workers=3, full=True, batch_size=40, sample_rows=50, split_min_rows=100)
    # when
    one = scan_database(shop, whole)
    three = scan_database(shop, split)
    # then
    assert three.rows_scanned["dtb_order"] == 300
    assert _results(three) == _results(one)


def test_a_range_below_the_old_fixed_step_is_split_too(tmp_path):
    # given: 1,000 rows with sparse keys, a split threshold of 100 rows and 2 workers
    url = f"sqlite:///{tmp_path / 'log.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE log (id INTEGER PRIMARY KEY, memo TEXT)"))
        conn.execute(sa.text("INSERT INTO log VALUES (:id, :memo)"), [{"id": i * 7, "memo": "x"} for i in range(1000)])
    found = db_tables.list_tables(engine, db_tables.TableFilter())
    options = DatabaseScanOptions(hash_key=b"k", full=True, split_min_rows=100, workers=2)
    # when
    shards = db_scan.plan_shards(engine, found, options)
    engine.dispose()
    report = scan_database(url, options)
    # then: two ranges that split the keys' actual span in the middle, every row read once
    assert [(s.low, s.high) for s in shards] == [(None, 3497), (3497, None)]
    assert report.rows_scanned["log"] == 1000


@pytest.mark.slow
def test_dask_cluster_gives_the_same_results(shop, monkeypatch):
    # given
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(db_scan, "CONTEXT_ROWS", 50)  # lets this client plan ranges of 150 rows
    local = scan_database(shop, DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=40, sample_rows=50))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        # when: the cluster's two workers get at least two key ranges of dtb_order
        remote = scan_database(
            shop,
            DatabaseScanOptions(
                hash_key=b"k", full=True, batch_size=40, sample_rows=50, split_min_rows=100, dask=c.scheduler_address
            ),
        )
    # then
    assert _results(remote) == _results(local)


def test_postgresql_batches_keep_rows_aligned_across_columns(postgres_url):
    # given: NULLs, empty strings, tabs, backslashes and a line break inside values
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE export (id INTEGER PRIMARY KEY, memo TEXT, card_no TEXT, made DATE)"))
        conn.execute(
            sa.text("INSERT INTO export VALUES (:i, :m, :c, '2018-01-01')"),
            [
                {"i": 1, "m": None, "c": ""},
                {"i": 2, "m": "a\tb\\N", "c": None},
                {"i": 3, "m": "line one\nline two", "c": TEST_CARD},
                {"i": 4, "m": "", "c": "x"},
            ],
        )
    engine.dispose()
    # when
    report = scan_database(postgres_url, DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=3))
    # then: the card is reported in the row it is in, and every row is counted once
    card = next(r for r in report.results if (r.column, r.type) == ("card_no", "credit_card_number"))
    assert (card.rows_scanned, card.rows_matched) == (4, 1)
    assert report.rows_scanned["export"] == 4


def test_column_texts_of_a_postgresql_batch(postgres_url):
    # given
    from mamori.discovery.engine.database import tables

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, memo TEXT, made DATE)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1, NULL, NULL), (2, 'a\tb', '2018-01-01'), (5, 'x\ny', NULL)"))
    with engine.connect() as conn:
        info = tables.list_tables(engine, tables.TableFilter())[0]
        # when
        batches = list(tables.column_batches(conn, info, 2))
    engine.dispose()
    # then
    first, second = batches[0][0], batches[1][0]
    assert first.texts == ("1\n2", "\na\tb", None) and first.nonempty == (2, 1, 1)
    assert second.texts == ("5", "x y", None) and second.nonempty == (1, 1, 0)
    assert [b[1] for b in batches] == [[2], [5]]
    assert first.row_key(1) == "2".zfill(20)


@pytest.mark.parametrize("flavour", ["eccube2", "eccube4"])
def test_postgresql_full_scan_equals_the_row_by_row_scan_of_the_same_shop(postgres_url, tmp_path, flavour):
    # given: the same shop in PostgreSQL (read as server-joined column batches) and SQLite (read as rows)
    lite = f"sqlite:///{tmp_path / 'shop.db'}"
    build_shop_db(postgres_url, flavour=flavour, customers=60, orders=300)
    build_shop_db(lite, flavour=flavour, customers=60, orders=300)
    options = DatabaseScanOptions(hash_key=b"k", workers=1, full=True, batch_size=70)
    # when
    pg, sqlite = scan_database(postgres_url, options), scan_database(lite, options)
    # then
    keep = ("table", "column", "type", "rows_scanned", "rows_matched", "confidence", "examples")
    assert [{k: d[k] for k in keep} for d in _results(pg)] == [{k: d[k] for k in keep} for d in _results(sqlite)]
