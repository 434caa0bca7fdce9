"""Fixtures for background jobs: the two backends, a few test tasks with countable side effects,
a worker that runs in the test thread, and a real SMTP sink."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mamori.contractors.models import Contractor
from mamori.jobs.backends import Backend, get_backend
from mamori.jobs.context import JobContext
from mamori.jobs.registry import task
from mamori.jobs.worker import Worker
from tests.conftest import skip_or_fail

REDIS_URL = "redis://127.0.0.1:6379/0"


@task("test.append_line")
def append_line(ctx: JobContext, *, path: str, text: str = "done") -> int:
    """A side effect outside the database: one line per run, so a file counts the runs."""
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(f"{text}\n")
    return 1


@task("test.create_contractor", atomic=True)
def create_contractor(ctx: JobContext, *, name: str) -> int:
    """A side effect inside the database, committed together with the job's completion."""
    return Contractor.objects.create(name=name).pk


@task("test.fail")
def always_fail(ctx: JobContext, *, message: str) -> None:
    raise RuntimeError(message)


@pytest.fixture(autouse=True)
def _job_settings(settings) -> None:
    settings.MAMORI_JOBS_RETRY_SECONDS = 0  # retries are due at once unless a test says otherwise
    settings.MAMORI_JOBS_BACKEND = "embedded"


@pytest.fixture
def redis_backend(settings) -> Iterator[Backend]:
    """The Redis backend on the local server, under a key prefix of its own that is removed afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis is not running on 127.0.0.1:6379 ({exc})")
    prefix = f"mamori-test:{uuid.uuid4().hex}:"
    settings.REDIS_URL = REDIS_URL
    settings.MAMORI_JOBS_BACKEND = "redis"
    settings.MAMORI_JOBS_REDIS_PREFIX = prefix
    yield get_backend()
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request) -> Backend:
    """Each test that takes this runs once per backend."""
    if request.param == "redis":
        return request.getfixturevalue("redis_backend")
    return get_backend("embedded")


@pytest.fixture
def make_worker(backend):
    """Workers that run in the test thread (the test database is only visible there)."""

    def make(name: str | None = None, **options: Any) -> Worker:
        return Worker(backend, name=name, poll_seconds=0, **options)

    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(settings) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that keeps what it receives; Django mail goes to it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()
