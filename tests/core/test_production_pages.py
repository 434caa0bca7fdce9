"""Served as production serves (issue 13, items 7 and 8): Mamori's own 403/404/500 pages, never Django's debug
pages; one log line for a refused or missing page, without a traceback; the banner names the real address."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from mamori.core.errors import ClientErrorsWithoutTraceback
from mamori.core.management.commands.serve import browser_url, split_bind

DEBUG_PAGE_MARKS = ("URLconf", "Django tried these URL patterns", "Traceback", "You're seeing this error")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What Mamori's console handler (settings.LOGGING) writes, captured."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ClientErrorsWithoutTraceback) for f in getattr(h, "filters", []))
    )
    assert isinstance(handler, logging.StreamHandler)
    captured = io.StringIO()
    previous = handler.setStream(captured)
    try:
        yield captured
    finally:
        handler.setStream(previous)


@pytest.mark.django_db
def test_a_record_out_of_scope_is_a_friendly_404_and_one_log_line(
    alice_contractor, client_for, internal_case, log_lines
):
    # given: a contractor user and an internal incident case it may not know of
    client = client_for(alice_contractor)
    # when
    response = client.get(f"/incidents/{internal_case.pk}/")
    # then: Mamori's page in the site layout, nothing of Django's debug page
    page = response.content.decode()
    assert response.status_code == 404
    assert 'class="error-code"' in page and ("There is no such page or record." in page or "該当するページ" in page)
    assert not any(mark in page for mark in DEBUG_PAGE_MARKS)
    # and the log has one line for it, without a traceback
    lines = [line for line in log_lines.getvalue().splitlines() if line.strip()]
    assert lines == [f"Not Found: /incidents/{internal_case.pk}/"]


@pytest.mark.django_db
def test_a_refused_action_is_a_friendly_403_and_one_log_line_without_traceback(staff, client_for, log_lines):
    # given: staff may read the ledger but not import into it
    client = client_for(staff)
    # when
    response = client.get("/ledger/import/")
    # then
    page = response.content.decode()
    assert response.status_code == 403 and 'class="error-code"' in page
    assert not any(mark in page for mark in DEBUG_PAGE_MARKS)
    lines = [line for line in log_lines.getvalue().splitlines() if line.strip()]
    assert lines == ["Forbidden (Permission denied): /ledger/import/"]


@pytest.mark.django_db
def test_a_server_error_is_a_friendly_500_and_keeps_its_traceback(manager, client_for, log_lines, monkeypatch):
    # given: the dashboard fails inside
    from mamori.core import views

    def broken(user: object) -> dict[str, object]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views, "_nonconformity_context", broken)
    client = client_for(manager)
    client.raise_request_exception = False
    # when
    response = client.get("/")
    # then: a plain page that needs no database, and the log keeps the traceback of a real fault
    page = response.content.decode()
    assert response.status_code == 500 and 'class="error-code"' in page and "500" in page
    assert "the database went away" not in page and "URLconf" not in page
    assert "Traceback" in log_lines.getvalue() and "the database went away" in log_lines.getvalue()


def test_client_errors_lose_their_traceback_but_server_errors_keep_it():
    # given
    keep = ClientErrorsWithoutTraceback()
    try:
        raise PermissionError("no")
    except PermissionError:
        exc_info = sys.exc_info()
    refused = logging.LogRecord("django.request", logging.WARNING, "", 0, "Forbidden", (), exc_info)
    refused.status_code = 403
    failed = logging.LogRecord("django.request", logging.ERROR, "", 0, "Internal Server Error", (), exc_info)
    failed.status_code = 500
    # when
    keep.filter(refused)
    keep.filter(failed)
    # then
    assert refused.exc_info is None and failed.exc_info is not None


def test_django_does_not_print_its_records_a_second_time():
    # given Django's own logger, configured by settings.LOGGING
    django_logger = logging.getLogger("django")
    # then: it has no handler of its own; its records reach the one root handler
    assert django_logger.handlers == [] and django_logger.propagate


def test_the_api_still_answers_json_for_a_missing_record(manager, db):
    # given
    client = Client()
    client.force_login(manager, backend="mamori.accounts.backends.LockoutBackend")
    # when
    response = client.get("/api/v1/no-such-endpoint/")
    # then
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("bind", "expected"),
    [("127.0.0.1:8123", ("127.0.0.1", 8123)), ("0.0.0.0:80", ("0.0.0.0", 80)), ("[::1]:9000", ("::1", 9000))],  # noqa: S104
)
def test_bind_is_read_as_host_and_port(bind, expected):
    assert split_bind(bind) == expected


def test_a_wildcard_address_is_shown_as_this_machine():
    assert browser_url("0.0.0.0", 8123) == "http://127.0.0.1:8123"  # noqa: S104
    assert browser_url("::1", 9000) == "http://[::1]:9000"


# ---------------------------------------------------------------------------------------------- a real server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _production_env(data_dir: Path) -> dict[str, str]:
    """What ./scripts/start sets up (without installing): DEBUG off, local secrets, plain HTTP on this machine."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SITE_URL"}}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "MAMORI_SECRETS_KEY": Fernet.generate_key().decode(),
            "MAMORI_FINGERPRINT_KEY": secrets.token_hex(32),
            "MAMORI_AUDIT_KEY": secrets.token_hex(32),
            "MAMORI_EVIDENCE_KEY": secrets.token_hex(32),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MAMORI_HTTPS": "0",
            "MAMORI_DATA_DIR": str(data_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.mark.slow
def test_the_banner_names_the_port_given_and_a_404_is_one_log_line(tmp_path):
    # given a production-mode server started with --bind on a port other than 8000
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mamori.cli", "serve", "--bind", f"127.0.0.1:{port}", "--no-worker"],
            env=_production_env(tmp_path / "data"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(240):
                if "Mamori is running at" in log.read_text(errors="replace") or server.poll() is not None:
                    break
                time.sleep(0.5)
            banner = log.read_text(errors="replace")
            # then the banner names that port
            assert f"Mamori is running at http://127.0.0.1:{port}/" in banner, banner
            assert "127.0.0.1:8000" not in banner and "production mode" in banner
            # when a page that does not exist is asked for
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=10)
            page = missing.value.read().decode()
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=20)
    # then Mamori's 404 page (the login redirect does not apply to a missing page), and one log line
    assert missing.value.code == 404
    assert not any(mark in page for mark in DEBUG_PAGE_MARKS)
    logged = [line for line in log.read_text(errors="replace").splitlines() if "/no-such-page/" in line]
    assert logged == ["Not Found: /no-such-page/"]
    assert "Traceback" not in log.read_text(errors="replace")


@pytest.mark.slow
def test_port_zero_shows_the_port_really_listened_on(tmp_path):
    # given
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mamori.cli", "serve", "--port", "0", "--no-worker", "--no-migrate"],
            env=_production_env(tmp_path / "data"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(240):
                if "Mamori is running at" in log.read_text(errors="replace") or server.poll() is not None:
                    break
                time.sleep(0.5)
            found = re.search(r"Mamori is running at http://127\.0\.0\.1:(\d+)/", log.read_text(errors="replace"))
            # then a real port, which answers
            assert found is not None and int(found.group(1)) > 0, log.read_text(errors="replace")
            with urllib.request.urlopen(f"http://127.0.0.1:{found.group(1)}/healthz", timeout=10) as answer:
                assert answer.status in (200, 500)
        except urllib.error.HTTPError as error:
            assert error.code == 500  # no migrations applied: the health check says the database is not ready
        finally:
            server.terminate()
            server.wait(timeout=20)


@pytest.mark.slow
def test_a_port_in_use_is_one_clear_line_not_a_traceback(tmp_path):
    # given a port another program listens on
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # when Mamori is started on it
        result = subprocess.run(
            [sys.executable, "-m", "mamori.cli", "serve", "--port", str(port), "--no-worker", "--no-migrate"],
            env=_production_env(tmp_path / "data"),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    # then it stops with one line naming the address and what to do
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr
