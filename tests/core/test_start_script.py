"""`./scripts/start` as a new user runs it (issue 13, items 7 and 8): production mode with the secrets it makes
itself, the banner naming the port given, Mamori's own 404 page in Japanese, one log line for it; the demo is
loaded once. Installing is skipped (a stand-in .venv whose pip does nothing runs this checkout's Mamori)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _checkout_without_install(tmp_path: Path) -> Path:
    """scripts/start in a folder whose .venv runs this checkout's Python and Mamori, and whose pip does nothing."""
    folder = tmp_path / "checkout"
    (folder / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "start", folder / "scripts" / "start")
    bin_dir = folder / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\n[ "$1 $2" = "-m pip" ] && exit 0\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    mamori = bin_dir / "mamori"
    mamori.write_text(f'#!/bin/sh\nexec {sys.executable} -m mamori.cli "$@"\n')
    mamori.chmod(0o755)
    return folder


@pytest.mark.slow
def test_start_serves_like_production_on_the_port_given_and_loads_the_demo_once(tmp_path):
    # given a new checkout, no data folder yet, and a port other than 8000
    folder = _checkout_without_install(tmp_path)
    data_dir = tmp_path / "var"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update({"MAMORI_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    log = tmp_path / "start.log"
    # when ./scripts/start runs
    with log.open("wb") as out:
        start = subprocess.Popen(
            [str(folder / "scripts" / "start"), "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            for _ in range(480):
                if "Mamori is running at" in log.read_text(errors="replace") or start.poll() is not None:
                    break
                time.sleep(0.5)
            banner = log.read_text(errors="replace")
            assert f"Mamori is running at http://127.0.0.1:{port}/" in banner, banner
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=10)
            page = missing.value.read().decode()
            time.sleep(0.5)
        finally:
            start.terminate()
            start.wait(timeout=30)
    # then it ran in production mode, with the sign-in address on the port given
    text = log.read_text(errors="replace")
    assert "production mode" in text and "Demo organisation loaded" in text
    assert f"Sign in at http://127.0.0.1:{port}/accounts/login/" in text
    # and made its secret key and keys under the data folder, readable by the owner only
    assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0 and (data_dir / "keys").is_dir()
    # and a missing page is Mamori's Japanese 404 page, logged on one line without a traceback
    assert missing.value.code == 404 and "URLconf" not in page and "見つかりません" in page
    assert [line for line in text.splitlines() if "/no-such-page/" in line] == ["Not Found: /no-such-page/"]
    assert "Traceback" not in text
    # and the demo was marked as loaded, so the next start leaves it alone
    again = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "demo"],
        env={**env, "DEBUG": "0", "SECRET_KEY_FILE": str(data_dir / "secret_key"), "ALLOWED_HOSTS": "localhost"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0 and "already loaded" in again.stdout, again.stdout + again.stderr
