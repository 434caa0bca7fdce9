"""Running jobs: every job runs to completion exactly once, whichever backend wakes the workers,
even when a worker dies or comes back late."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.contractors.models import Contractor
from mamori.jobs import leases
from mamori.jobs.models import Job, Status
from mamori.jobs.services import enqueue, submit

pytestmark = pytest.mark.django_db


def expire_lease(job: Job) -> None:
    """What the clock does to the lease of a worker that died."""
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))


def test_an_enqueued_job_is_run_by_the_worker_and_succeeds(backend, make_worker, manager, tmp_path):
    # given
    out = tmp_path / "runs.txt"
    job = enqueue(manager, "test.append_line", path=str(out))
    # when
    ran = make_worker().run(burst=True)
    # then
    job.refresh_from_db()
    assert ran == 1
    assert job.status == Status.SUCCEEDED
    assert (job.result, job.progress, job.attempts) == (1, 100, 1)
    assert job.created_by == manager
    assert job.lease_owner == "" and job.finished_at is not None
    assert out.read_text() == "done\n"


def test_enqueueing_is_recorded_in_the_audit_trail(backend, manager):
    job = enqueue(manager, "system.noop", note="hello")

    entry = AuditEntry.objects.get(action="job_enqueued")
    assert entry.object_id == str(job.pk)
    assert entry.actor_username == "manager"


def test_a_job_whose_worker_died_is_run_by_another_worker_exactly_once(backend, make_worker, tmp_path):
    # given a worker took the job and died before finishing it
    out = tmp_path / "runs.txt"
    job = enqueue(SYSTEM, "test.append_line", path=str(out))
    assert leases.claim("worker-that-died", lease_seconds=60) is not None
    # when a second worker looks before the lease has expired, it leaves the job alone
    assert make_worker("second").run(burst=True) == 0
    # and once the lease has expired, it takes the job over
    expire_lease(job)
    assert make_worker("second").run(burst=True) == 1
    # then
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert job.attempts == 2
    assert out.read_text() == "done\n"
    assert leases.complete(job.pk, "worker-that-died", "late") is False
    assert make_worker("third").run(burst=True) == 0
    assert out.read_text() == "done\n"


def test_a_stale_workers_late_completion_is_refused_and_its_writes_are_undone(backend, make_worker):
    # given worker A took the job, stalled past its lease, and worker B took over and finished it
    job = enqueue(SYSTEM, "test.create_contractor", name="株式会社テスト")
    stale = leases.claim("worker-a", lease_seconds=60)
    assert stale is not None
    expire_lease(job)
    assert make_worker("worker-b").run(burst=True) == 1
    # when worker A wakes up and runs the task after all
    outcome = make_worker("worker-a").execute(stale)
    # then its completion is refused and its database writes rolled back with it
    job.refresh_from_db()
    assert outcome is None
    assert job.status == Status.SUCCEEDED
    assert Contractor.objects.filter(name="株式会社テスト").count() == 1
    assert job.result == Contractor.objects.get(name="株式会社テスト").pk


def test_a_failing_job_is_retried_then_marked_failed_with_its_message(backend, make_worker):
    # given
    job = submit(SYSTEM, "test.fail", {"message": "disk on fire"}, max_attempts=3)
    # when
    ran = make_worker().run(burst=True)
    # then
    job.refresh_from_db()
    assert ran == 3
    assert job.status == Status.FAILED
    assert job.attempts == 3
    assert job.error == "RuntimeError: disk on fire"
    assert "Traceback" not in job.error


def test_a_retry_waits_for_its_backoff(backend, make_worker, settings):
    # given
    settings.MAMORI_JOBS_RETRY_SECONDS = 60
    job = submit(SYSTEM, "test.fail", {"message": "server busy"}, max_attempts=3)
    # when
    ran = make_worker().run(burst=True)
    # then the second attempt is queued a minute later, not run at once
    job.refresh_from_db()
    assert ran == 1
    assert job.status == Status.QUEUED
    assert job.error == "RuntimeError: server busy"
    assert job.run_after > timezone.now() + dt.timedelta(seconds=50)


def test_a_job_whose_worker_died_on_its_last_attempt_is_marked_failed(backend, make_worker):
    # given
    job = submit(SYSTEM, "system.noop", {}, max_attempts=1)
    assert leases.claim("worker-that-died", lease_seconds=60) is not None
    expire_lease(job)
    # when
    ran = make_worker().run(burst=True)
    # then
    job.refresh_from_db()
    assert ran == 0
    assert job.status == Status.FAILED
    assert "lease expired" in job.error


def test_a_worker_that_shuts_down_hands_a_long_job_back_without_counting_the_attempt(backend, make_worker):
    # given
    job = enqueue(SYSTEM, "system.sleep", seconds=5, steps=5)
    worker = make_worker()
    claimed = leases.claim(worker.name, worker.lease_seconds)
    assert claimed is not None
    # when SIGTERM arrives while it runs (the task sees it at its first progress report)
    worker.stopping.set()
    worker.execute(claimed)
    # then
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    assert job.attempts == 0
    assert job.lease_owner == ""


def test_progress_is_shown_and_a_worker_that_lost_its_lease_is_told_to_stop(backend, make_worker):
    from mamori.jobs.context import JobContext, JobInterrupted

    # given
    job = submit(SYSTEM, "system.sleep", {"seconds": 0}, max_attempts=2)
    claimed = leases.claim("worker-a", 60)
    assert claimed is not None
    ctx = JobContext(job.pk, job.name, 1, "worker-a", 60)
    # when
    ctx.progress(40, "Scanning share 2 of 5")
    # then
    job.refresh_from_db()
    assert (job.progress, job.progress_message) == (40, "Scanning share 2 of 5")
    # and when another worker takes over, the first one's next report stops it and writes nothing
    expire_lease(job)
    assert leases.claim("worker-b", 60) is not None
    with pytest.raises(JobInterrupted):
        ctx.progress(80, "stale")
    job.refresh_from_db()
    assert job.progress == 40 and job.lease_owner == "worker-b"


def test_a_heartbeat_extends_the_lease_only_for_its_owner(backend):
    # given
    job = enqueue(SYSTEM, "system.noop")
    claimed = leases.claim("worker-a", lease_seconds=10)
    assert claimed is not None and claimed.lease_expires_at is not None
    # when
    renewed = leases.heartbeat(job.pk, "worker-a", lease_seconds=600)
    stolen = leases.heartbeat(job.pk, "worker-b", lease_seconds=6000)
    # then
    job.refresh_from_db()
    assert renewed is True and stolen is False
    assert job.lease_expires_at is not None
    assert job.lease_expires_at > claimed.lease_expires_at + dt.timedelta(seconds=500)
    assert job.lease_owner == "worker-a"


def test_a_job_due_later_waits(backend, make_worker):
    job = submit(SYSTEM, "system.noop", {}, run_after=timezone.now() + dt.timedelta(hours=1))

    assert make_worker().run(burst=True) == 0
    job.refresh_from_db()
    assert job.status == Status.QUEUED


def test_once_runs_a_single_job(backend, make_worker):
    enqueue(SYSTEM, "system.noop")
    enqueue(SYSTEM, "system.noop")

    assert make_worker().run(once=True) == 1
    assert Job.objects.filter(status=Status.QUEUED).count() == 1
