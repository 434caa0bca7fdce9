"""A backup moves between SQLite and PostgreSQL through the real `mamori` command, both ways."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

POSTGRES = os.environ.get("MAMORI_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
COUNTS_AND_CHAIN = """
from mamori.audit import chain
from mamori.audit.models import AuditEntry
from mamori.core import backup
previous = chain.GENESIS
for entry in AuditEntry.objects.order_by("seq"):
    assert entry.prev_hash == previous and chain.entry_hash(
        {name: getattr(entry, name) for name in chain.HASHED_FIELDS}) == entry.hash, entry.seq
    previous = entry.hash
counts = {m._meta.label_lower: m._base_manager.count() for m in backup.backup_models()}
print(sorted(counts.items()))
"""

pytestmark = pytest.mark.slow


def mamori(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mamori.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, f"mamori {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def postgres_url() -> Iterator[str]:
    try:
        import psycopg

        admin = psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=3)
    except Exception as exc:  # any connection failure means: no server here
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES}: {exc}")
    name = f"mamori_ops_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def site_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "MAMORI_DATA_DIR": str(data_dir), "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def test_sqlite_backup_restores_into_postgresql_and_back(tmp_path, postgres_url):
    # given a demo site on SQLite with one uploaded file
    sqlite = site_env(tmp_path / "sqlite", None)
    mamori(sqlite, "demo")
    upload = tmp_path / "sqlite" / "files" / "evidence" / "log.txt"
    upload.parent.mkdir(parents=True)
    upload.write_text("アクセスログ\n", encoding="utf-8")
    mamori(sqlite, "backup", str(tmp_path / "from-sqlite.tar.gz"))
    sqlite_state = mamori(sqlite, "shell", "-c", COUNTS_AND_CHAIN)
    # when it is restored into an empty PostgreSQL site
    postgres = site_env(tmp_path / "postgres", postgres_url)
    mamori(postgres, "migrate", "-v0")
    mamori(postgres, "restore", "--yes", str(tmp_path / "from-sqlite.tar.gz"))
    # then the rows, the audit chain and the file arrive (plus one entry: the restore)
    postgres_state = mamori(postgres, "shell", "-c", COUNTS_AND_CHAIN)
    assert _without_audit(postgres_state) == _without_audit(sqlite_state)
    restored = tmp_path / "postgres" / "files" / "evidence" / "log.txt"
    assert restored.read_text(encoding="utf-8") == "アクセスログ\n"
    # and a backup from PostgreSQL restores into a fresh SQLite site
    mamori(postgres, "backup", str(tmp_path / "from-postgres.tar"))
    back = site_env(tmp_path / "back", None)
    mamori(back, "migrate", "-v0")
    mamori(back, "restore", "--yes", str(tmp_path / "from-postgres.tar"))
    assert _without_audit(mamori(back, "shell", "-c", COUNTS_AND_CHAIN)) == _without_audit(sqlite_state)


def _without_audit(state: str) -> str:
    """Counts apart from the audit trail, which gains a backup and a restore entry on each hop."""
    lines = state.strip().splitlines()[-1]
    counts = dict(eval(lines))  # noqa: S307 - our own printed list of (str, int) pairs
    return repr({k: v for k, v in counts.items() if not k.startswith("audit.")})
