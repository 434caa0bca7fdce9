"""What a running task sees of its job: progress reporting and the signal to stop early."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from mamori.jobs import leases


class JobInterrupted(Exception):
    """The job must stop now: the worker is shutting down, or it no longer holds the job's lease.

    Raised by :meth:`JobContext.progress` and :meth:`JobContext.check`; the worker then hands the job back
    (shutdown) or drops it (lease lost), without recording a result.
    """


@dataclass
class JobContext:
    job_id: uuid.UUID
    name: str
    attempt: int
    owner: str
    lease_seconds: float
    stopping: threading.Event = field(default_factory=threading.Event)
    lease_lost: threading.Event = field(default_factory=threading.Event)

    def progress(self, percent: int, message: str = "") -> None:
        """Show progress (0..100) on the job page; also renews the lease. Raises ``JobInterrupted``."""
        percent = max(0, min(100, int(percent)))
        if not leases.report_progress(self.job_id, self.owner, percent, message, self.lease_seconds):
            self.lease_lost.set()
        self.check()

    def check(self) -> None:
        """Raise ``JobInterrupted`` when the task should stop; long tasks call this between steps."""
        if self.lease_lost.is_set():
            raise JobInterrupted("another worker took over this job")
        if self.stopping.is_set():
            raise JobInterrupted("the worker is shutting down")
