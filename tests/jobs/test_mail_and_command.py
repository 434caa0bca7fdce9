"""The mail task delivers through real SMTP; ``mamori worker`` runs what is queued and exits cleanly."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mamori.accounts.policy import SYSTEM
from mamori.jobs import leases
from mamori.jobs.models import Job, Status
from mamori.jobs.services import enqueue

pytestmark = pytest.mark.django_db


def test_mail_send_delivers_the_message_to_the_smtp_server(backend, make_worker, smtp_sink, manager):
    # given
    job = enqueue(
        manager,
        "mail.send",
        subject="研修のお知らせ",
        body="個人情報保護の研修は来週です。",
        recipients=["tanaka@example.co.jp", "suzuki@example.co.jp"],
    )
    # when
    make_worker().run(burst=True)
    # then
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.error
    assert job.result == {"sent": 1, "recipients": 2}
    [received] = smtp_sink.messages
    assert sorted(received.rcpt_tos) == ["suzuki@example.co.jp", "tanaka@example.co.jp"]
    assert received.mail_from == "mamori@localhost"
    assert b"Subject: =?utf-8?" in received.original_content


def test_mail_send_is_retried_when_the_smtp_server_is_down(make_worker, settings):
    # given nothing listens on the mail port
    from tests.jobs.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.MAMORI_JOBS_RETRY_SECONDS = 60
    job = enqueue(SYSTEM, "mail.send", subject="s", body="b", recipients=["a@example.jp"])
    # when
    make_worker().run(burst=True)
    # then
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    assert job.attempts == 1
    assert "ConnectionRefusedError" in job.error


@pytest.mark.parametrize("backend_name", ["embedded", pytest.param("redis", marks=pytest.mark.redis)])
def test_worker_burst_runs_the_queued_jobs_and_exits(backend_name, request, tmp_path):
    # given
    if backend_name == "redis":
        request.getfixturevalue("redis_backend")
    out = tmp_path / "runs.txt"
    for _ in range(3):
        enqueue(SYSTEM, "test.append_line", path=str(out))
    stdout = StringIO()
    # when
    call_command("worker", "--burst", "--backend", backend_name, stdout=stdout)
    # then
    assert out.read_text() == "done\n" * 3
    assert set(Job.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}
    assert f"backend {backend_name}" in stdout.getvalue()
    assert "stopped after 3 job(s)" in stdout.getvalue()


def test_worker_once_runs_one_job(tmp_path):
    enqueue(SYSTEM, "system.noop")
    enqueue(SYSTEM, "system.noop")

    call_command("worker", "--once", stdout=StringIO())

    assert Job.objects.filter(status=Status.SUCCEEDED).count() == 1


def test_worker_with_redis_but_no_redis_url_says_what_to_set(settings):
    settings.REDIS_URL = ""

    with pytest.raises(CommandError, match="REDIS_URL is not set"):
        call_command("worker", "--burst", "--backend", "redis", stdout=StringIO())


def test_worker_with_unreachable_redis_says_so(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    with pytest.raises(CommandError, match="cannot reach Redis"):
        call_command("worker", "--burst", "--backend", "redis", stdout=StringIO())


def test_worker_refuses_a_concurrency_below_one():
    with pytest.raises(CommandError, match="--concurrency must be 1 or more"):
        call_command("worker", "--burst", "--concurrency", "0", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_of_many_workers_racing_for_one_job_exactly_one_gets_it():
    from django.db import connection

    if connection.vendor == "sqlite":
        # The in-memory test database locks whole tables between threads and does not wait; a real SQLite
        # file (WAL, busy timeout) waits instead. The conditional UPDATE is the same SQL on both.
        pytest.skip("thread race needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    # given
    job = enqueue(SYSTEM, "system.noop")
    winners: list[str] = []
    start = threading.Barrier(6)

    def race(name: str) -> None:
        from django.db import connection

        try:
            start.wait()
            if leases.claim(name, 60, prefer=str(job.pk)) is not None:
                winners.append(name)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(f"worker-{i}",)) for i in range(6)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert len(winners) == 1
    job.refresh_from_db()
    assert job.lease_owner == winners[0]
    assert job.attempts == 1
