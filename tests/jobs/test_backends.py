"""The backends only wake workers; the database decides. A lost notification delays a job, never loses it."""

from __future__ import annotations

import threading
import time

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.jobs.backends import EmbeddedBackend, RedisBackend
from mamori.jobs.models import Job, Status
from mamori.jobs.services import enqueue
from mamori.jobs.worker import Worker, start_embedded_worker


def test_an_embedded_notification_wakes_a_waiting_worker_at_once():
    # given a worker waiting up to ten seconds
    backend = EmbeddedBackend()
    woke_after: list[float] = []

    def wait() -> None:
        started = time.monotonic()
        backend.wait(10)
        woke_after.append(time.monotonic() - started)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.05)
    # when
    backend.notify("any")
    waiter.join(timeout=5)
    # then
    assert woke_after and woke_after[0] < 2


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_is_told_about_a_job_only_when_its_transaction_commits(redis_backend, django_capture_on_commit_callbacks):
    # given
    assert isinstance(redis_backend, RedisBackend)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        job = enqueue(SYSTEM, "system.noop")
        assert redis_backend.client.llen(redis_backend.queue_key) == 0
    # then
    assert redis_backend.client.lrange(redis_backend.queue_key, 0, -1) == [str(job.pk)]
    assert Worker(redis_backend, poll_seconds=0).run(burst=True) == 1
    assert redis_backend.client.llen(redis_backend.queue_key) == 0
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED


@pytest.mark.redis
@pytest.mark.django_db
def test_a_job_whose_redis_message_was_lost_is_still_run(redis_backend):
    # given a job stored without its notification (on_commit never runs inside this test's transaction)
    job = enqueue(SYSTEM, "system.noop")
    assert redis_backend.client.llen(redis_backend.queue_key) == 0
    # when
    ran = Worker(redis_backend, poll_seconds=0).run(burst=True)
    # then
    assert ran == 1
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED


@pytest.mark.redis
def test_a_waiting_redis_worker_gets_the_job_id_pushed_by_another_process(redis_backend):
    # given
    got: list[str | None] = []
    waiter = threading.Thread(target=lambda: got.append(redis_backend.wait(10)))
    waiter.start()
    time.sleep(0.05)
    # when
    redis_backend.notify("0b8e0c8e-3d4f-4a59-9a53-1f0f8d7e6a11")
    waiter.join(timeout=5)
    # then
    assert got == ["0b8e0c8e-3d4f-4a59-9a53-1f0f8d7e6a11"]


def test_an_unreachable_redis_does_not_break_enqueueing(settings):
    # given nothing listens on this port
    backend = RedisBackend("redis://127.0.0.1:1/0", prefix="mamori-test:")
    # when / then: a warning in the log, no exception; workers will find the job by polling
    backend.notify("some-job")
    assert backend.wait(0) is None


def test_serve_starts_no_worker_thread_when_redis_is_the_backend(settings):
    settings.MAMORI_JOBS_BACKEND = "redis"

    assert start_embedded_worker() is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_in_the_web_process_runs_a_job_as_soon_as_it_is_committed(tmp_path, settings):
    # given the web process has started its embedded worker, which polls the table only every minute
    from mamori.jobs import worker as worker_module

    settings.MAMORI_JOBS_POLL_SECONDS = 60
    thread = start_embedded_worker()
    assert thread is not None and thread.daemon
    try:
        # when
        out = tmp_path / "runs.txt"
        job = enqueue(SYSTEM, "test.append_line", path=str(out))
        # then it runs at once: the notification woke the worker
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Job.objects.get(pk=job.pk).status != Status.SUCCEEDED:
            time.sleep(0.05)
        assert Job.objects.get(pk=job.pk).status == Status.SUCCEEDED
        assert out.read_text() == "done\n"
    finally:
        worker_module.stop_embedded_worker()
    assert not thread.is_alive()
