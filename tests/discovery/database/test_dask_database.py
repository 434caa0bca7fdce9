"""Database scans on Dask: with --password-env the password stays out of the tasks (each worker reads it
from its own environment), and the cluster is checked before any work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mamori.discovery.engine.database import connect
from mamori.discovery.engine.database.connect import Credentials, SourceError
from mamori.discovery.engine.database.scan import DatabaseScanOptions, _url_for_workers, scan_database

distributed = pytest.importorskip("distributed")
VAR = "MAMORI_TEST_DASK_DB_PASSWORD"


def _card_table(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE payment_log (id integer PRIMARY KEY, card_no text)"))
        conn.execute(
            sa.text("INSERT INTO payment_log VALUES (:id, :card)"),
            [{"id": i, "card": "4111111111111111"} for i in range(1, 51)],
        )
    engine.dispose()


def test_with_password_env_the_url_for_workers_has_no_password() -> None:
    # given
    url = connect.parse_url("postgresql://scanner:s3cret@db.example.jp/shop")
    # when
    in_url = _url_for_workers(url, DatabaseScanOptions())
    from_env = _url_for_workers(url, DatabaseScanOptions(credentials=Credentials(password_env=VAR)))
    # then
    assert "s3cret" in in_url
    assert "s3cret" not in from_env and from_env.startswith("postgresql+psycopg://scanner@db.example.jp")


@pytest.mark.slow
def test_workers_read_the_password_from_their_own_environment(postgres_url, monkeypatch):
    # given: a database (trust authentication here, so any password is accepted) and a cluster whose workers
    # were started before the variable existed, so only this process has it
    _card_table(postgres_url)
    options = DatabaseScanOptions(hash_key=b"k", full=True, credentials=Credentials(password_env=VAR))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        monkeypatch.setenv(VAR, "s3cret-only-here")
        # when
        with pytest.raises(SourceError) as error:
            scan_database(postgres_url, DatabaseScanOptions(**{**options.__dict__, "dask": c.scheduler_address}))
    # then: the worker did not get the password in the task; it looked for the variable itself
    assert f"environment variable {VAR}" in str(error.value)
    assert "s3cret-only-here" not in str(error.value)
    # and given workers started with the variable set, the scan runs
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        report = scan_database(postgres_url, DatabaseScanOptions(**{**options.__dict__, "dask": c.scheduler_address}))
    assert report.rows_scanned["payment_log"] == 50
    assert any(r.type == "credit_card_number" for r in report.results)
