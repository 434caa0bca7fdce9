"""The API does what its OpenAPI schema says: Schemathesis, as an integrator would run it, against a live server.

``mamori serve`` starts on loopback with the demo organisation (``mamori demo``) in a fresh data directory and
DEBUG on (so a Django debug page would be caught, not hidden). Schemathesis reads /api/schema/ and runs all of
its checks (server errors, response and status conformance, negative data refused, schema-valid data accepted,
unsupported methods, …) in the fuzzing and stateful phases (``MAMORI_SCHEMATHESIS_PHASES`` adds coverage for a
longer run), with a fixed seed and a bounded number of examples, as staff and as the protection manager. Any
failure fails the test and prints Schemathesis' report. tests/api/schemathesis.toml lists the few operations
where a schema-valid request may still be refused (rules OpenAPI cannot state), each with its reason.

Passes, in this order, so that no pass spoils another:
1. staff, everything staff can reach except revoking the running token;
2. the manager, everything except the operations that change users or revoke tokens;
3. the manager, only those operations (it may deactivate other users or revoke its own token here).

Runs once per CI run (on SQLite: the server's database is its own, whatever DATABASE_URL the suite uses).
``MAMORI_SCHEMATHESIS_SEED`` and ``MAMORI_SCHEMATHESIS_EXAMPLES`` change the seed and budget for a longer run
(see docs/api.md).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyotp
import pytest

from mamori.core.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")) and not os.environ.get("MAMORI_SCHEMATHESIS_ALWAYS"),
        reason="runs once per CI run, in the SQLite pass (the live server has its own SQLite database)",
    ),
]

SEED = int(os.environ.get("MAMORI_SCHEMATHESIS_SEED", "160116"))
EXAMPLES = int(os.environ.get("MAMORI_SCHEMATHESIS_EXAMPLES", "5"))
# Operations that change users (the caller's own account among them) or revoke tokens: pass 3 only.
ACCOUNT_OPERATIONS = (
    "^v1_(users_(update|partial_update|unlock_create|reset_two_factor_create)"
    "|auth_tokens_revoke_create|auth_token_destroy)$"
)
CONFIG = Path(__file__).with_name("schemathesis.toml")
PHASES = os.environ.get("MAMORI_SCHEMATHESIS_PHASES", "fuzzing,stateful")
TOKEN_REVOCATION = "^v1_(auth_tokens_revoke_create|auth_token_destroy)$"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "REDIS_URL"}}
    env.update(
        {
            "DEBUG": "1",
            "MAMORI_DATA_DIR": str(data_dir),
            "MAMORI_API_TOKEN_RATE": "100000/min",  # the fuzzer asks for many tokens; 429 is tested elsewhere
            "LOG_LEVEL": "ERROR",
        }
    )
    return env


def _mamori(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "mamori.cli", *args], env=env, check=True, capture_output=True)


def _post_json(url: str, body: dict[str, str]) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 - a local test server
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())  # type: ignore[no-any-return]


def _token(base: str, username: str, code: bool = False) -> str:
    body = {"username": username, "password": DEMO_PASSWORD, "name": "schemathesis"}
    if code:
        body["code"] = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    return str(_post_json(f"{base}/api/v1/auth/token/", body)["token"])


@pytest.fixture(scope="module")
def live_server_url(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("schemathesis-data")
    env = _env(data_dir)
    _mamori(env, "migrate", "-v", "0")
    _mamori(env, "demo")
    port = _free_port()
    log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "mamori.cli", "serve", "--port", str(port), "--no-worker", "--no-migrate"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/", timeout=2)  # noqa: S310
            except urllib.error.HTTPError:
                break  # the JSON 404: the server answers
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("mamori serve did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _schemathesis(base: str, token: str, tmp_path: Path, name: str, *selection: str) -> None:
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    report = Path(os.environ.get("MAMORI_SCHEMATHESIS_REPORTS") or tmp_path) / f"{name}.txt"
    command = [
        executable,
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/api/schema/?format=json",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        "--max-response-time",
        "5",
        "--no-color",
        "--suppress-health-check",
        "all",
        *selection,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    report.write_text(result.stdout + result.stderr)
    summary = result.stdout[-6000:]
    assert result.returncode == 0, f"Schemathesis ({name}) found failures:\n{result.stdout[-30000:]}"
    assert "Test cases:" in summary, summary


@pytest.fixture(scope="module")
def tokens(live_server_url):
    """Both tokens before any pass: the fuzzer's wrong passwords at POST /auth/token/ lock the sign-in address
    (as they should), so a token asked for after a pass would be refused."""
    return {"staff": _token(live_server_url, "staff"), "manager": _token(live_server_url, "manager", code=True)}


def test_staff_gets_what_the_schema_promises(live_server_url, tokens, tmp_path):
    # given staff's token; when the fuzzer runs everything but the revocation of tokens; then no failure
    _schemathesis(live_server_url, tokens["staff"], tmp_path, "staff", "--exclude-operation-id-regex", TOKEN_REVOCATION)


def test_the_manager_gets_what_the_schema_promises(live_server_url, tokens, tmp_path):
    # given the protection manager's token (issued with the two-factor code)
    # when the fuzzer runs every operation but those on users' accounts and tokens; then no failure
    _schemathesis(
        live_server_url, tokens["manager"], tmp_path, "manager", "--exclude-operation-id-regex", ACCOUNT_OPERATIONS
    )


def test_account_operations_get_what_the_schema_promises(live_server_url, tokens, tmp_path):
    # given the same manager token (this pass is the last: it may revoke it)
    # when the fuzzer runs only the operations on accounts and tokens; then no failure
    _schemathesis(
        live_server_url, tokens["manager"], tmp_path, "accounts", "--include-operation-id-regex", ACCOUNT_OPERATIONS
    )
