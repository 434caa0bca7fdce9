"""``mamori worker``: run background jobs (scans, reminders, e-mail) until stopped.

SIGTERM or SIGINT (Ctrl+C) stops it cleanly: a task that reports progress is handed back to the queue at
its next report, any other task finishes first; a second signal quits at once. A worker killed outright
leaves its job running; the next worker started on the same machine settles it at once (the last attempt
fails with the reason, an earlier one runs again), a worker elsewhere when the job's lease expires.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.core import keys
from mamori.jobs.backends import BACKENDS, RedisBackend, get_backend
from mamori.jobs.recovery import recover
from mamori.jobs.worker import run_workers


class Command(BaseCommand):
    help = "Run background jobs. Production runs this next to 'mamori serve --no-worker'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--backend", choices=BACKENDS, help="default: MAMORI_JOBS_BACKEND (redis when REDIS_URL is set)"
        )
        parser.add_argument("--concurrency", type=int, default=1, help="jobs run at the same time (threads)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="run at most one due job, then exit")
        mode.add_argument("--burst", action="store_true", help="run due jobs until none is left, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        concurrency = options["concurrency"]
        if concurrency < 1:
            raise CommandError("--concurrency must be 1 or more.")
        try:
            keys.require_all()  # scans decrypt passwords and fingerprint cards: no job runs on a missing key
            backend = get_backend(options["backend"])
            if isinstance(backend, RedisBackend):
                backend.ping()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        recovered = recover()
        if recovered.failed or recovered.requeued:
            self.stdout.write(f"Jobs of stopped workers: {recovered.failed} failed, {recovered.requeued} queued again.")
        stopping = threading.Event()
        restore = _stop_on_signals(stopping)
        self.stdout.write(f"Worker started (backend {backend.name}, concurrency {concurrency}).")
        try:
            done = run_workers(concurrency, backend, stopping, burst=options["burst"], once=options["once"])
        finally:
            restore()
        self.stdout.write(self.style.SUCCESS(f"Worker stopped after {done} job(s)."))


def _stop_on_signals(stopping: threading.Event) -> Any:
    """Set ``stopping`` on SIGTERM/SIGINT; returns a function that puts the old handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals can only be handled in the main thread (e.g. call_command in a thread)

    def stop(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            raise KeyboardInterrupt  # asked twice: quit now; the job's lease expires and another worker takes it
        stopping.set()
        sys.stderr.write("mamori worker: stopping after the current job (signal again to quit at once)\n")

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
