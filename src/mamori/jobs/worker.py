"""The worker: claims due jobs, runs their task, records the outcome under its lease.

``mamori worker`` runs :meth:`Worker.run` in the foreground (production, any backend). ``mamori serve``
calls :func:`start_embedded_worker`, which runs the same loop in a daemon thread of the web process when
the backend is ``embedded``, so a small installation needs no second process. With Redis, run
``mamori worker`` separately (one or more, on any machine that reaches the database and Redis).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction

from mamori.audit.context import origin
from mamori.jobs import leases, registry
from mamori.jobs.backends import Backend, get_backend
from mamori.jobs.context import JobContext, JobInterrupted
from mamori.jobs.models import Job, Status

log = logging.getLogger("mamori.jobs")


class PermanentError(Exception):
    """Raised by a task for a failure that retrying cannot fix (bad address, missing file)."""


class _LeaseLost(Exception):
    pass


def setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def retry_delay(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: doubles each time from MAMORI_JOBS_RETRY_SECONDS, at most an hour."""
    return min(setting("MAMORI_JOBS_RETRY_SECONDS", 30) * 2 ** max(attempt - 1, 0), 3600.0)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """One loop that runs jobs one at a time. ``mamori worker --concurrency N`` starts N of them."""

    def __init__(
        self,
        backend: Backend | None = None,
        *,
        name: str | None = None,
        lease_seconds: float | None = None,
        poll_seconds: float | None = None,
        stopping: threading.Event | None = None,
    ) -> None:
        self.backend = backend or get_backend()
        self.name = name or worker_name()
        self.lease_seconds = lease_seconds or setting("MAMORI_JOBS_LEASE_SECONDS", 300)
        self.poll_seconds = poll_seconds if poll_seconds is not None else setting("MAMORI_JOBS_POLL_SECONDS", 2)
        self.stopping = stopping or threading.Event()
        self.processed = 0

    def run(self, *, burst: bool = False, once: bool = False) -> int:
        """Run jobs until stopped; ``burst``: until none is due; ``once``: at most one. Returns jobs run."""
        log.info("jobs: worker %s started (backend %s)", self.name, self.backend.name)
        hint: str | None = None
        try:
            while not self.stopping.is_set():
                ran = self.run_one(prefer=hint)
                hint = None
                if ran and once:
                    break
                if not ran:
                    if burst or once:
                        break
                    hint = self.backend.wait(self.poll_seconds)
        finally:
            log.info("jobs: worker %s stopped after %d job(s)", self.name, self.processed)
        return self.processed

    def run_one(self, prefer: str | None = None) -> bool:
        """Claim and run one due job; False when none is due."""
        if prefer is None and self.backend.name == "redis":
            prefer = self.backend.wait(0)  # drain a waiting notification so the queue does not grow
        job = leases.claim(self.name, self.lease_seconds, prefer=prefer)
        if job is None:
            return False
        self.execute(job)
        self.processed += 1
        return True

    def execute(self, job: Job) -> Status | None:
        """Run a claimed job and record its outcome. Returns the status written (None: lease lost)."""
        ctx = JobContext(job.pk, job.name, job.attempts, self.name, self.lease_seconds, stopping=self.stopping)
        beat = _Heartbeat(ctx)
        beat.start()
        try:
            with origin("job", "", f"job {job.name} {job.pk}"):
                self._call(job, ctx)
        except JobInterrupted as exc:
            return self._interrupted(job, ctx, exc)
        except _LeaseLost:
            log.warning("jobs: %s lost the lease on job %s; its result was discarded", self.name, job.pk)
            return None
        except Exception as exc:
            return self._failed(job, exc)
        finally:
            beat.stop()
        return Status.SUCCEEDED

    def _call(self, job: Job, ctx: JobContext) -> Any:
        try:
            task = registry.get(job.name)
            task.check_arguments(job.args)
        except ValidationError as exc:
            raise PermanentError(" ".join(exc.messages)) from None
        if not task.atomic:
            result = _json_result(task.func(ctx, **job.args))
            if not leases.complete(job.pk, self.name, result):
                raise _LeaseLost
            return result
        with transaction.atomic():
            result = _json_result(task.func(ctx, **job.args))
            if not leases.complete(job.pk, self.name, result):
                raise _LeaseLost  # rolls back the task's writes with it
        return result

    def _interrupted(self, job: Job, ctx: JobContext, exc: JobInterrupted) -> Status | None:
        if ctx.lease_lost.is_set():
            log.warning("jobs: %s stopped job %s: %s", self.name, job.pk, exc)
            return None
        if leases.release(job.pk, self.name):
            log.info("jobs: %s handed job %s back to the queue (%s)", self.name, job.pk, exc)
            self.backend.notify(str(job.pk))
            return Status.QUEUED
        return None

    def _failed(self, job: Job, exc: Exception) -> Status | None:
        permanent = isinstance(exc, PermanentError)
        # The full traceback goes to the log for the operator; the job page shows only the message.
        log.error(
            "jobs: job %s (%s) attempt %d/%d failed",
            job.pk,
            job.name,
            job.attempts,
            job.max_attempts,
            exc_info=not permanent,
        )
        message = str(exc) if permanent else f"{type(exc).__name__}: {exc}"
        status = leases.retry_or_fail(job, self.name, message, retry_delay(job.attempts), permanent=permanent)
        if status == Status.FAILED:
            registry.job_ended(job.name, job.args, message)
        return status


def _json_result(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise PermanentError(f"The task returned a value that cannot be stored as JSON: {exc}") from None
    return value


class _Heartbeat:
    """Renews the lease every third of its length while a task runs, in a thread of its own."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{ctx.job_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        used_db = False
        try:
            while not self._done.wait(self.ctx.lease_seconds / 3):
                used_db = True
                if not leases.heartbeat(self.ctx.job_id, self.ctx.owner, self.ctx.lease_seconds):
                    self.ctx.lease_lost.set()  # the task sees it at its next progress() or check()
                    return
        except Exception:
            log.exception("jobs: heartbeat for job %s failed", self.ctx.job_id)
        finally:
            if used_db:
                connection.close()


def run_workers(
    count: int, backend: Backend, stopping: threading.Event, *, burst: bool = False, once: bool = False
) -> int:
    """Run ``count`` workers (threads when more than one) until they stop; returns jobs run."""
    if count <= 1:
        return Worker(backend, stopping=stopping).run(burst=burst, once=once)
    workers = [Worker(backend, stopping=stopping) for _ in range(count)]
    threads = [
        threading.Thread(target=_run_closing, args=(w, burst, once), name=f"mamori-worker-{i}", daemon=True)
        for i, w in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(w.processed for w in workers)


def _run_closing(worker: Worker, burst: bool, once: bool) -> None:
    try:
        worker.run(burst=burst, once=once)
    finally:
        connection.close()


_embedded: tuple[threading.Thread, Worker] | None = None
_embedded_lock = threading.Lock()


def start_embedded_worker() -> threading.Thread | None:
    """Run a worker in a daemon thread of this (web) process, for the embedded backend only.

    Production with Redis runs ``mamori worker`` separately; then this does nothing. If the process
    dies mid-job, the next start settles the job at once (:func:`mamori.jobs.recovery.recover`): its last
    attempt fails with the reason, an earlier one is queued again.
    """
    global _embedded
    if settings.MAMORI_JOBS_BACKEND != "embedded":
        log.info("jobs: backend is %s; run 'mamori worker' to process jobs", settings.MAMORI_JOBS_BACKEND)
        return None
    with _embedded_lock:
        if _embedded is None or not _embedded[0].is_alive():
            _recover_quietly()
            worker = Worker(get_backend("embedded"))
            thread = threading.Thread(target=_run_forever, args=(worker,), name="mamori-embedded-worker", daemon=True)
            thread.start()
            _embedded = (thread, worker)
        return _embedded[0]


def _recover_quietly() -> None:
    """Settle what a dead worker left behind; a database that is not ready yet must not stop the server."""
    from mamori.jobs import recovery

    try:
        recovery.recover()
    except Exception:
        log.exception("jobs: recovering the jobs of stopped workers failed")
    finally:
        close_old_connections()


def stop_embedded_worker(timeout: float = 10) -> None:
    """Stop the embedded worker after its current job (tests; a clean shutdown of the web process)."""
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            return
        thread, worker = _embedded
        worker.stopping.set()
        worker.backend.notify("")  # wakes its wait at once
        thread.join(timeout)
        _embedded = None


def _run_forever(worker: Worker) -> None:
    """The embedded loop must survive a database hiccup: log it, wait, carry on."""
    while not worker.stopping.is_set():
        try:
            worker.run()
        except Exception:
            log.exception("jobs: embedded worker crashed; restarting in 5 seconds")
            close_old_connections()
            worker.stopping.wait(5)
    connection.close()
