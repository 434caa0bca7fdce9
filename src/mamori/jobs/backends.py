"""How workers learn that a job is waiting. The database stays the truth; a backend only wakes workers.

- ``embedded`` (default): workers poll the job table every ``MAMORI_JOBS_POLL_SECONDS``; a job enqueued in
  the same process (``mamori serve`` with its worker thread) wakes them at once through a
  ``threading.Event``. Needs no extra server.
- ``redis`` (production, ``REDIS_URL``): enqueue pushes the job id onto a Redis list and idle workers block
  on it (BRPOP), so a job starts within milliseconds on any machine. A message lost in Redis (a worker
  killed between popping and claiming, Redis restarted) costs only latency: workers still sweep the table.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("mamori.jobs")

BACKENDS = ("embedded", "redis")
_wakeup = threading.Event()


class Backend(Protocol):
    name: str

    def notify(self, job_id: str) -> None:
        """A job is waiting (called after the transaction that stored it has committed)."""

    def wait(self, timeout: float) -> str | None:
        """Block up to ``timeout`` seconds for a notification; the job id when one names it."""


class EmbeddedBackend:
    name = "embedded"

    def notify(self, job_id: str) -> None:
        _wakeup.set()

    def wait(self, timeout: float) -> str | None:
        if timeout > 0 and _wakeup.wait(timeout):
            _wakeup.clear()  # cleared before the caller looks at the table, so no notification is missed
        return None


class RedisBackend:
    name = "redis"

    def __init__(self, url: str, prefix: str = "mamori:jobs:") -> None:
        try:
            import redis
        except ImportError:
            raise ImproperlyConfigured(
                "MAMORI_JOBS_BACKEND is redis but the redis package is missing; install mamori[redis]."
            ) from None
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.client: Any = redis.Redis.from_url(url, decode_responses=True, health_check_interval=30)
        self.queue_key = f"{prefix}queue"

    def notify(self, job_id: str) -> None:
        try:
            self.client.lpush(self.queue_key, job_id)
        except self._errors as exc:
            # The job is stored; a worker's sweep of the table will still find it.
            log.warning("jobs: could not notify Redis about job %s (%s); workers will find it by polling", job_id, exc)

    def wait(self, timeout: float) -> str | None:
        try:
            if timeout <= 0:
                value = self.client.rpop(self.queue_key)
            else:
                popped = self.client.brpop([self.queue_key], timeout=timeout)
                value = popped[1] if popped else None
        except self._errors as exc:
            log.warning("jobs: Redis unavailable (%s); polling the database instead", exc)
            time.sleep(min(timeout, 5.0))
            return None
        return str(value) if value else None

    def ping(self) -> None:
        """Raise ``ImproperlyConfigured`` with the reason when Redis cannot be reached."""
        try:
            self.client.ping()
        except self._errors as exc:
            raise ImproperlyConfigured(f"cannot reach Redis at REDIS_URL: {exc}") from None


def get_backend(name: str | None = None) -> Backend:
    """The backend named, or the one configured (``MAMORI_JOBS_BACKEND``)."""
    name = name or settings.MAMORI_JOBS_BACKEND
    if name == "embedded":
        return EmbeddedBackend()
    if name == "redis":
        if not settings.REDIS_URL:
            raise ImproperlyConfigured(
                "MAMORI_JOBS_BACKEND is redis but REDIS_URL is not set, e.g. redis://127.0.0.1:6379/0"
            )
        return RedisBackend(settings.REDIS_URL, prefix=getattr(settings, "MAMORI_JOBS_REDIS_PREFIX", "mamori:jobs:"))
    raise ImproperlyConfigured(f"MAMORI_JOBS_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
