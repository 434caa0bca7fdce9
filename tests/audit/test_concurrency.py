"""Concurrent writers on PostgreSQL: the chain-head row lock keeps them from forking the chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from mamori.accounts.policy import SYSTEM
from mamori.audit import checkpoint, queries, services
from mamori.audit.models import AuditEntry
from mamori.audit.verify import verify_chain

WRITERS = 4
EACH = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_separate_connections_yield_one_valid_chain():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are what is tested; SQLite serialises all writers anyway")
    # given the head exists, and writers that start together
    services.record(SYSTEM, "note", message="start")
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            barrier.wait()
            for i in range(EACH):
                services.record(SYSTEM, "note", message=f"writer {number} entry {i}")
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()  # each thread has its own connection

    # when
    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every entry got its own number and the chain verifies
    assert errors == []
    assert AuditEntry.objects.count() == 1 + WRITERS * EACH
    reader = queries.ChainReader()
    result = verify_chain(reader.rows(), reader.head)
    assert result.ok and result.checked == 1 + WRITERS * EACH
    # and the checkpoint, written by every writer after each commit in whatever order, names the last entry
    saved = checkpoint.read()
    assert saved is not None and (saved.seq, saved.hash) == (result.last_seq, result.last_hash)
