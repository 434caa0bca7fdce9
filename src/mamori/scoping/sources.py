"""Where a scoping reads from: a database data source, a URL (the console), or a preserved copy in the locker.

Connections reuse the database scanner's read-only engine (``discovery.engine.database.connect``): writes refused
by the session, statement timeouts, passwords never printed. A preserved copy is decrypted to a private temp file
(0600, in a 0700 folder), read as SQLite, and deleted afterwards, whatever happens; its SHA-256 is checked on
the way out of the locker and recorded beside the result.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import gzip
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from django.conf import settings
from django.utils.translation import gettext_noop

from mamori.discovery.engine.database import connect
from mamori.env import make_private_dir
from mamori.scoping.mapping import Explained

STATEMENT_TIMEOUT_S = 900.0
SCOPING_TABLES = ("dtb_order", "dtb_payment", "mtb_pref")


class SourceProblem(Explained):
    """The source cannot be read; the message says why (never a password)."""


def statement_timeout() -> float:
    return float(getattr(settings, "MAMORI_SCOPING_STATEMENT_TIMEOUT", STATEMENT_TIMEOUT_S))


def libpq_url(text: str) -> str:
    """``postgres://`` is ``postgresql://``, as libpq accepts it."""
    stripped = text.strip()
    for short in ("postgres://", "postgres+"):
        if stripped.lower().startswith(short):
            return "postgresql" + stripped[len("postgres") :]
    return text


def open_url(text: str) -> sa.Engine:
    try:
        return connect.open_readonly(connect.parse_url(libpq_url(text)), statement_timeout_s=statement_timeout())
    except connect.SourceError as exc:
        raise SourceProblem("%(detail)s", detail=str(exc)) from None


def open_source(source: Any) -> sa.Engine:
    """A read-only engine on a discovery ``DataSource`` of kind database (its stored, encrypted password)."""
    from mamori.discovery import secrets, services
    from mamori.discovery.models import SourceKind

    if source.kind != SourceKind.DATABASE:
        raise SourceProblem(gettext_noop("%(name)s is a file location, not a database"), name=source.name)
    try:
        url = services.database_url(source)
    except (connect.SourceError, secrets.SecretUnavailable) as exc:
        raise SourceProblem("%(detail)s", detail=str(exc)) from None
    try:
        return open_url(url)
    except SourceProblem as exc:
        password = secrets.decrypt(source.encrypted_secret) if source.encrypted_secret else ""
        detail = str(exc).replace(password, "********") if password else str(exc)
        raise SourceProblem("%(detail)s", detail=detail) from None


def temp_root() -> Path:
    """Where decrypted preserved copies live while a scoping reads them (0700, under the data folder)."""
    base = Path(settings.DATA_DIR) / "scoping-tmp"
    make_private_dir(base)
    return base


@contextlib.contextmanager
def open_evidence(evidence: Any) -> Iterator[tuple[sa.Engine, str]]:
    """(engine, sha256) on a preserved copy: a SQLite backup as it is, a logical export loaded into SQLite.

    pg_dump and mysqldump copies need a database server to be read: restore them and scope that database."""
    from mamori.evidence import storage

    method = str((evidence.manifest or {}).get("method") or "")
    if method not in ("sqlite-backup", "logical-export"):
        raise SourceProblem(
            gettext_noop(
                "this preserved copy (%(method)s) cannot be read directly: restore it into a database "
                "and scope that database (SQLite backups and Mamori logical exports are read directly)"
            ),
            method=method or evidence.kind,
        )
    if not evidence.blob_name:
        raise SourceProblem(
            gettext_noop("this evidence is a record of a copy kept elsewhere, not a file in the locker")
        )
    folder = Path(tempfile.mkdtemp(prefix="copy-", dir=temp_root()))  # 0700
    engine: sa.Engine | None = None
    try:
        raw = folder / "copy"
        digest = hashlib.sha256()
        try:
            with open(raw, "wb") as out:  # under a 0700 folder of our own
                os.chmod(raw, 0o600)
                for chunk in storage.checked_stream(evidence.blob_name, evidence.encrypted, evidence.sha256):
                    digest.update(chunk)
                    out.write(chunk)
        except storage.StorageError as exc:
            raise SourceProblem(
                gettext_noop("the preserved copy cannot be read: %(detail)s"), detail=str(exc)
            ) from None
        database = raw if method == "sqlite-backup" else _load_export(raw, folder / "copy.sqlite3")
        try:
            engine = connect.open_readonly(
                connect.parse_url(f"sqlite:///{database}"), statement_timeout_s=statement_timeout()
            )
        except connect.SourceError as exc:
            raise SourceProblem("%(detail)s", detail=str(exc)) from None
        yield engine, digest.hexdigest()
    finally:
        if engine is not None:
            engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, dict)):
        return str(value)
    return value


def _load_export(raw: Path, target: Path) -> Path:
    """The tables a scoping reads, from a Mamori logical export into a private SQLite file."""
    from mamori.evidence import dumps

    try:
        with open(raw, "rb") as handle:
            contents = dumps.load_export(handle)
    except (OSError, gzip.BadGzipFile, dumps.DumpError, ValueError) as exc:
        raise SourceProblem(
            gettext_noop("the preserved copy is not a readable logical export: %(detail)s"), detail=str(exc)
        ) from None
    engine = sa.create_engine(f"sqlite:///{target}")
    try:
        metadata = sa.MetaData()
        for table in contents.tables.values():
            if table.name.lower() not in SCOPING_TABLES:
                continue
            columns = [
                sa.Column(name, _type_for(kind), primary_key=name in table.key)
                for name, kind in zip(table.columns, table.types, strict=False)
            ]
            created = sa.Table(table.name, metadata, *columns)
            metadata.create_all(engine, tables=[created])
            with engine.begin() as conn:
                rows = [dict(zip(table.columns, map(_sqlite_value, row), strict=False)) for row in table.rows]
                for start in range(0, len(rows), 5000):
                    conn.execute(created.insert(), rows[start : start + 5000])
    finally:
        engine.dispose()
    os.chmod(target, 0o600)
    return target


def _type_for(kind: str) -> Any:
    text = (kind or "").upper()
    if "INT" in text:
        return sa.Integer
    if any(word in text for word in ("NUMERIC", "DECIMAL", "FLOAT", "DOUBLE", "REAL")):
        return sa.Numeric
    return sa.Text  # dates stay ISO text: the scoping compares them as text on SQLite
