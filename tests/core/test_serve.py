"""`mamori serve` with DEBUG off: the app starts, serves its own static files and security headers."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from cryptography.fernet import Fernet


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
        return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)


@pytest.mark.slow
def test_production_serve_serves_pages_and_static_files(tmp_path):
    # given
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "MAMORI_SECRETS_KEY": Fernet.generate_key().decode(),  # production does not create keys itself
            "MAMORI_FINGERPRINT_KEY": secrets.token_hex(32),
            "MAMORI_AUDIT_KEY": secrets.token_hex(32),
            "MAMORI_EVIDENCE_KEY": secrets.token_hex(32),
            "ALLOWED_HOSTS": "127.0.0.1",
            "MAMORI_HTTPS": "0",
            "MAMORI_DATA_DIR": str(tmp_path),
        }
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "mamori.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                status, page, headers = _get(base + "/accounts/login/")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("mamori serve did not start")
        # when
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page)
        assert stylesheet is not None
        css_status, _css, css_headers = _get(base + stylesheet.group(1))
        # then
        assert status == 200 and "default-src 'self'" in headers["Content-Security-Policy"]
        assert css_status == 200 and css_headers["Content-Type"].startswith("text/css")
    finally:
        server.terminate()
        server.wait(timeout=10)
