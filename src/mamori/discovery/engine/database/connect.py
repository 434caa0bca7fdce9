"""Opening a database read-only, with statement timeouts, without ever printing its password."""

from __future__ import annotations

import math
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from mamori.discovery.engine.database import SUPPORTED

# Drivers that need no C headers to install; a URL naming its own driver keeps it.
DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}


class SourceError(Exception):
    """The database cannot be used as a scan source; the message says why and never holds a password."""


@dataclass(frozen=True)
class Credentials:
    password_env: str | None = None
    password_file: Path | None = None

    def password(self) -> str | None:
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise SourceError(f"environment variable {self.password_env} (the database password) is not set")
            return value
        if self.password_file:
            try:
                return self.password_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SourceError(f"cannot read the password file {self.password_file}: {exc.strerror}") from None
        return None


def parse_url(text: str, credentials: Credentials | None = None) -> URL:
    try:
        url = make_url(text)
    except ArgumentError:
        raise SourceError(f"not a database URL: {redact(text)}") from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED:
        raise SourceError(f"unsupported database {backend!r} in {display(url)} (supported: sqlite, postgresql, mysql)")
    if url.drivername in DEFAULT_DRIVERS:
        url = url.set(drivername=DEFAULT_DRIVERS[url.drivername])
    password = credentials.password() if credentials else None
    if password is not None:
        url = url.set(password=password)
    return url


def display(url: URL) -> str:
    """The URL as shown to people and written to reports: no password, ever."""
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


def redact(text: str) -> str:
    """Hide a password in a URL-like string that could not be parsed."""
    if "://" not in text or "@" not in text:
        return text
    scheme, rest = text.split("://", 1)
    userinfo, host = rest.rsplit("@", 1)
    return f"{scheme}://{userinfo.split(':', 1)[0]}@{host}"


def open_readonly(url: URL, statement_timeout_s: float = 60.0, connect_timeout_s: float = 10.0) -> sa.Engine:
    """An engine whose every connection refuses writes, gives up connecting after ``connect_timeout_s``, cancels
    statements that run longer than ``statement_timeout_s`` and stops waiting on a server that went silent."""
    backend = url.get_backend_name()
    timeout_ms = max(1, int(statement_timeout_s * 1000))
    kwargs: dict[str, Any] = {
        "poolclass": sa.pool.NullPool,
        "connect_args": _timeouts(backend, connect_timeout_s, statement_timeout_s),
    }
    if backend == "postgresql":
        options = f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms}"
        kwargs["connect_args"].update({"options": options, "application_name": "mamori-scan"})
    elif backend == "sqlite":
        url = _sqlite_readonly_url(url)
    engine = sa.create_engine(url, **kwargs)
    if backend in ("mysql", "mariadb"):
        sa.event.listen(engine, "connect", _mysql_session(timeout_ms))
    elif backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_session(statement_timeout_s))
        sa.event.listen(engine, "close", _forget_deadline)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise SourceError(f"cannot connect to {display(url)}: {reason(exc)}") from None
    return engine


def _timeouts(backend: str, connect_s: float, statement_s: float) -> dict[str, Any]:
    """Driver options that bound each wait on the network: a server that accepts and never answers must not
    hold a scan or a connection test for ever (the statement timeout alone needs a server that answers)."""
    connect = max(2, math.ceil(connect_s))  # libpq treats 1 as 2; whole seconds for every driver
    silent = max(1, math.ceil(statement_s + connect_s))  # a read may last as long as a statement is allowed to
    if backend == "postgresql":
        return {
            "connect_timeout": connect,
            "keepalives": 1,
            "keepalives_idle": connect,
            "keepalives_interval": connect,
            "keepalives_count": 3,
            "tcp_user_timeout": silent * 1000,
        }
    if backend in ("mysql", "mariadb"):
        return {"connect_timeout": connect, "read_timeout": silent, "write_timeout": silent}
    if backend == "sqlite":
        return {"timeout": float(connect)}  # waiting for another process's lock on the file
    return {}


def reason(exc: sa.exc.SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()[0]
    return text[:300]


def _sqlite_readonly_url(url: URL) -> URL:
    database = url.database or ""
    if not database or database == ":memory:":
        raise SourceError("an in-memory SQLite database cannot be scanned; give a file path (sqlite:///path/to/db)")
    path = Path(database)
    if not path.is_file():
        raise SourceError(f"SQLite database file not found: {path}")
    return URL.create("sqlite", database=f"file:{path.resolve()}?mode=ro", query={"uri": "true"})


def _mysql_session(timeout_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        version = _mysql_version(cursor)
        if "mariadb" in version.lower():
            cursor.execute(f"SET SESSION max_statement_time = {timeout_ms / 1000:.3f}")
        else:
            cursor.execute(f"SET SESSION max_execution_time = {timeout_ms}")
        cursor.close()

    return on_connect


def _mysql_version(cursor: Any) -> str:
    cursor.execute("SELECT VERSION()")
    row = cursor.fetchone()
    return str(row[0]) if row else ""


def _sqlite_session(timeout_s: float) -> Any:
    def on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only = ON")
        deadline_box: list[float] = []

        def progress() -> int:
            # Restarted per statement by the reader through ``reset_deadline``; non-zero aborts the statement.
            return 1 if deadline_box and time.monotonic() > deadline_box[0] else 0

        dbapi_conn.set_progress_handler(progress, 100_000)
        _DEADLINES[id(dbapi_conn)] = (deadline_box, timeout_s)

    return on_connect


# Per open SQLite connection (keyed by id: sqlite3 connections take no weak references); dropped on close.
_DEADLINES: dict[int, tuple[list[float], float]] = {}


def _forget_deadline(dbapi_conn: Any, _record: Any) -> None:
    _DEADLINES.pop(id(dbapi_conn), None)


def reset_deadline(conn: sa.Connection) -> None:
    """Start the statement timer for the next SQLite statement (no-op for other databases)."""
    raw = conn.connection.dbapi_connection
    entry = _DEADLINES.get(id(raw))
    if entry is not None:
        box, timeout_s = entry
        box[:] = [time.monotonic() + timeout_s]
