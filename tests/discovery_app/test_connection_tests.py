"""Connection tests are bounded outbound work: the change right, a job each, one per source, timeouts.

A target that accepts connections and never answers must not hold a web thread: pages and the API only queue
the test; the worker gives up after the drivers' connect timeout or the test's total deadline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.discovery import services
from mamori.jobs.models import Job, Status
from tests.discovery_app.conftest import run_jobs


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def silent_source(port: int, backend: str = "postgresql", name: str = "silent") -> object:
    location = f"{backend}://scanner@127.0.0.1:{port}/shop"
    return services.create_source(SYSTEM, {"name": name, "kind": "database", "location": location})


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_a_target_that_never_answers_fails_within_the_connect_timeout(backend, silent_port, manager, settings):
    # given a source whose server accepts the connection and then says nothing
    settings.MAMORI_SCAN_CONNECT_TIMEOUT = 2
    source = silent_source(silent_port, backend)
    # when its connection is tested
    started = time.monotonic()
    result = services.test_connection(manager, source)
    # then the test failed after about the connect timeout, saying so
    assert time.monotonic() - started < 6
    assert not result.ok
    assert "time" in result.message.lower(), result.message


def test_the_total_deadline_stops_a_test_whatever_the_driver_does(silent_port, manager, settings):
    # given a generous driver timeout but a test deadline of one second
    settings.MAMORI_SCAN_CONNECT_TIMEOUT = 30
    settings.MAMORI_SCAN_TEST_TIMEOUT = 1
    source = silent_source(silent_port)
    # when the connection is tested
    started = time.monotonic()
    result = services.test_connection(manager, source)
    # then it ends at the deadline with a message that says so
    assert time.monotonic() - started < 3
    assert not result.ok and "No answer within 1 seconds" in result.message


def test_connection_tests_need_the_change_right(shop_source, president, auditor, staff, alice_contractor, client_for):
    # given every role that may view the shop source but not change it
    for user in (president, auditor, staff, alice_contractor):
        client = client_for(user)
        # when it asks for a connection test, on the page and over the API
        page = client.post(f"/discovery/{shop_source.pk}/test/")
        api = client.post(f"/api/v1/data-sources/{shop_source.pk}/test/")
        # then both are refused and nothing is queued
        assert (page.status_code, api.status_code) == (403, 403), user
        assert client.get(f"/discovery/{shop_source.pk}/").content.decode().count("Test connection") == 0
    assert not Job.objects.filter(name=services.TEST_TASK).exists()


def test_the_api_queues_one_test_per_source_and_gives_its_result(shop_source, manager, client_for):
    client = client_for(manager)
    url = f"/api/v1/data-sources/{shop_source.pk}/test/"
    # when the manager asks twice before a worker has run it
    first = client.post(url)
    second = client.post(url)
    # then the first is queued (202) and the second gets the same job (409), not a new one
    assert first.status_code == 202 and first.json()["status"] == "queued" and first.json()["ok"] is None
    assert second.status_code == 409 and second.json()["job"] == first.json()["job"]
    assert Job.objects.filter(name=services.TEST_TASK).count() == 1
    # and once the worker has run it, GET gives its result
    run_jobs()
    result = client.get(url).json()
    assert result["job"] == first.json()["job"] and result["status"] == "succeeded"
    assert result["ok"] is True and "tables found" in result["message"]
    # and a new request queues a new test
    assert client.post(url).status_code == 202
    # and each request is in the audit trail
    assert AuditEntry.objects.filter(action="connection_test", object_id=str(shop_source.pk)).count() == 2


def test_a_failed_test_is_a_failed_job_with_the_reason(shop_source, manager, tmp_path):
    services.update_source(SYSTEM, shop_source, {"location": f"sqlite:///{tmp_path / 'gone.sqlite3'}"})
    started = services.start_connection_test(manager, shop_source)
    run_jobs()
    job = Job.objects.get(pk=started.job.pk)
    assert job.status == Status.FAILED and "not found" in job.error
    latest = services.latest_connection_test(shop_source)
    assert latest is not None and latest.result is not None and not latest.result.ok


# --------------------------------------------------------------------------------------------------
# Through the real threaded server: `mamori serve` with its embedded worker, as in production.

MAMORI = [sys.executable, "-m", "mamori.cli"]
SETUP = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from mamori.accounts.middleware import SESSION_KEY as TWO_FACTOR_PASSED
from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.discovery import services
user = User(username="manager", role="protection_manager")
user.set_password("correct-horse-battery-staple-42")
user.save()
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "mamori.accounts.backends.LockoutBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(), TWO_FACTOR_PASSED: True})
session.create()
ids = [services.create_source(SYSTEM, {"name": f"silent {i}", "kind": "database",
       "location": f"postgresql://scanner@127.0.0.1:PORT/shop{i}"}).pk for i in range(8)]
print(session.session_key, *ids)
"""
CSRF = "c" * 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(url: str, session: str, method: str = "GET", timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)  # noqa: S310 - a local test server
    request.add_header("Cookie", f"sessionid={session}; csrftoken={CSRF}")
    request.add_header("X-CSRFToken", CSRF)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow
def test_eight_tests_of_a_silent_target_leave_the_server_responsive(tmp_path, silent_port):
    # given `mamori serve` (8 threads, embedded worker) and 8 sources on a target that never answers
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "MAMORI_JOBS_BACKEND"}}
    env.update(
        {
            "DEBUG": "1",
            "MAMORI_DATA_DIR": str(tmp_path / "data"),
            "MAMORI_SCAN_ALLOW": "127.0.0.1",
            "MAMORI_SCAN_CONNECT_TIMEOUT": "2",
            "MAMORI_SCAN_TEST_TIMEOUT": "4",
            "MAMORI_JOBS_POLL_SECONDS": "1",
        }
    )
    subprocess.run([*MAMORI, "migrate", "-v", "0"], env=env, check=True, timeout=180)
    setup = subprocess.run(
        [*MAMORI, "shell", "-v", "0", "-c", SETUP.replace("PORT", str(silent_port))],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    session, *ids = setup.stdout.split()
    server = subprocess.Popen(
        [*MAMORI, "serve", "--port", str(port), "--no-migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _request(base + "/healthz", session, timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("mamori serve did not start")
        # when 8 connection tests are asked for (and each again while it is queued)
        started = time.monotonic()
        answers = [_request(f"{base}/api/v1/data-sources/{pk}/test/", session, "POST") for pk in ids]
        again = [_request(f"{base}/api/v1/data-sources/{pk}/test/", session, "POST") for pk in ids]
        asked = time.monotonic() - started
        # then every request was answered at once, and the second of each names the first's job
        assert [status for status, _body in answers] == [202] * 8, answers
        assert all(status in (202, 409) for status, _body in again)
        assert asked < 8
        # and the server keeps answering while the worker waits on the silent target
        for _ in range(5):
            tick = time.monotonic()
            status, _body = _request(base + "/healthz", session, timeout=2)
            assert status == 200 and time.monotonic() - tick < 1
            time.sleep(0.5)
        # and each test ends failed with the timeout, within the configured time each
        deadline = time.monotonic() + 8 * 6 + 20
        results: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            results = [json.loads(_request(f"{base}/api/v1/data-sources/{pk}/test/", session)[1]) for pk in ids]
            if all(r["status"] in ("succeeded", "failed") for r in results):
                break
            time.sleep(1)
        assert [r["status"] for r in results] == ["failed"] * 8, results
        assert all("time" in str(r["message"]).lower() for r in results), results
        took = [
            dt.datetime.fromisoformat(str(r["finished_at"])) - dt.datetime.fromisoformat(str(r["started_at"]))
            for r in results
        ]
        assert max(took) < dt.timedelta(seconds=6), took
    finally:
        server.terminate()
        server.wait(timeout=20)
