"""Mamori's own system checks, shown by `mamori check` together with Django's.

Settings checks run with every command. Checks that touch the outside world (data folders, the database,
the mail server, Redis) only run inside `mamori check` (``live_checks()``): `mamori migrate` must not stop
on "unapplied migrations", and ordinary commands should not wait on a mail server.
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.db import DatabaseError, connections

NETWORK_TIMEOUT_SECONDS = 3.0
_live: contextvars.ContextVar[bool] = contextvars.ContextVar("mamori_live_checks", default=False)


@contextlib.contextmanager
def live_checks() -> Iterator[None]:
    """Within this block the checks below also probe folders, databases and servers."""
    token = _live.set(True)
    try:
        yield
    finally:
        _live.reset(token)


def register_checks() -> None:
    for check in (check_settings, check_keys, check_folders, check_database, check_mail, check_jobs_backend):
        register(check, "mamori")


# --------------------------------------------------------------------------------------------------
# Settings


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if not settings.DEBUG:
        problems += _secret_key_problems(str(settings.SECRET_KEY))
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        problems.append(
            Error(
                "ALLOWED_HOSTS is empty while DEBUG is off, so every request is refused.",
                hint="set ALLOWED_HOSTS to the host names that serve Mamori, e.g. mamori.example.co.jp",
                id="mamori.E007",
            )
        )
    return problems + _https_problems()


def _secret_key_problems(secret_key: str) -> list[CheckMessage]:
    from mamori.env import DEVELOPMENT_SECRET_KEY, key_weakness

    hint = (
        "set SECRET_KEY (or SECRET_KEY_FILE) to a long random value, "
        "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
    if secret_key.strip() in {"", DEVELOPMENT_SECRET_KEY}:
        return [Error("SECRET_KEY is the development default while DEBUG is off.", hint=hint, id="mamori.E006")]
    weakness = key_weakness(secret_key)
    if weakness:
        return [Error(f"SECRET_KEY {weakness}.", hint=hint, id="mamori.E016")]
    return []


def _https_problems() -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    behind_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
    https = bool(getattr(settings, "HTTPS", False))
    if behind_proxy and not https and not settings.DEBUG:
        problems.append(
            Warning(
                "MAMORI_BEHIND_PROXY is on but MAMORI_HTTPS is off: session cookies are sent without the Secure flag.",
                hint="serve Mamori over HTTPS at the proxy and set MAMORI_HTTPS=1",
                id="mamori.W010",
            )
        )
    if settings.SECURE_SSL_REDIRECT and not behind_proxy:
        problems.append(
            Warning(
                "MAMORI_SSL_REDIRECT is on but MAMORI_BEHIND_PROXY is off: Mamori's server speaks plain HTTP, "
                "so behind a TLS proxy every request looks insecure and is redirected again and again.",
                hint="set MAMORI_BEHIND_PROXY=1 (the proxy must send X-Forwarded-Proto) or let the proxy redirect",
                id="mamori.W011",
            )
        )
    site_url = str(getattr(settings, "SITE_URL", ""))
    if https and not settings.DEBUG and site_url.startswith("http://"):
        problems.append(
            Warning(
                f"SITE_URL is {site_url} but MAMORI_HTTPS is on: links in e-mails would use plain HTTP.",
                hint="set SITE_URL to the https:// address users open",
                id="mamori.W012",
            )
        )
    if behind_proxy and not settings.DEBUG and not settings.CSRF_TRUSTED_ORIGINS:
        problems.append(
            Warning(
                "MAMORI_BEHIND_PROXY is on but CSRF_TRUSTED_ORIGINS is empty.",
                hint="if forms fail with 'CSRF verification failed', set CSRF_TRUSTED_ORIGINS=https://<your host>",
                id="mamori.W013",
            )
        )
    return problems


# --------------------------------------------------------------------------------------------------
# Keys (core/keys.py)


def check_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Each of Mamori's keys: present (or made at first use in development), well-formed, strong, private."""
    if not _live.get():
        return []
    from mamori.core import keys

    problems: list[CheckMessage] = []
    for spec in keys.known_keys():
        report = keys.inspect(spec)
        if spec not in keys.ALL_KEYS and report.source.origin == "missing":
            continue  # the audit key: its own app decides when it is made (audit/checkpoint.py)
        if report.error:
            problems.append(
                Error(
                    report.error,
                    hint=f"run `mamori keys init`, or set {spec.env} (or {spec.env}_FILE)",
                    id="mamori.E013",
                )
            )
        elif report.weakness and not settings.DEBUG:
            problems.append(
                Error(
                    f"the {spec.name} key ({report.source.where}) {report.weakness}.",
                    hint=f"use a random key: `mamori keys init` makes one (unset {spec.env} first)",
                    id="mamori.E014",
                )
            )
        if report.loose_modes:
            problems.append(
                Warning(
                    f"the {spec.name} key can be read by other users of this machine: " + ", ".join(report.loose_modes),
                    hint="chmod 600 the key file and 700 its folder",
                    id="mamori.W014",
                )
            )
    return problems


# --------------------------------------------------------------------------------------------------
# Folders


def check_folders(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not _live.get():
        return []
    problems: list[CheckMessage] = []
    data_problem = _folder_problem(Path(settings.DATA_DIR), must_exist=True)
    if data_problem:
        problems.append(
            Error(
                f"the data folder {settings.DATA_DIR} {data_problem}.",
                hint="create it and make it writable by the user that runs Mamori, or set MAMORI_DATA_DIR",
                id="mamori.E001",
            )
        )
    media_problem = _folder_problem(Path(settings.MEDIA_ROOT), must_exist=False)
    if media_problem and not data_problem:
        problems.append(
            Error(
                f"the uploaded-files folder {settings.MEDIA_ROOT} {media_problem}.",
                hint="make it writable by the user that runs Mamori",
                id="mamori.E002",
            )
        )
    return problems


def _folder_problem(folder: Path, *, must_exist: bool) -> str | None:
    """Why nothing can be written in ``folder`` (None when a test file can be written and removed)."""
    if not folder.exists():
        if must_exist:
            return "does not exist"
        return _folder_problem(_existing_ancestor(folder), must_exist=True)
    if not folder.is_dir():
        return "is not a folder"
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".mamori-check-"):
            pass
    except OSError as exc:
        return f"is not writable ({exc.strerror or exc})"
    return None


def _existing_ancestor(folder: Path) -> Path:
    for parent in folder.parents:
        if parent.exists():
            return parent
    return Path("/")


# --------------------------------------------------------------------------------------------------
# Database


def check_database(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if not _live.get() or not databases:
        return []
    problems: list[CheckMessage] = []
    for alias in databases:
        problems += _database_problems(alias)
    return problems


def _database_problems(alias: str) -> list[CheckMessage]:
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[alias]
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        unknown = sorted(set(executor.loader.applied_migrations) - set(executor.loader.graph.nodes))
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [
            Error(
                f"the database ({connection.vendor}, '{alias}') cannot be reached: {first_line}",
                hint="check DATABASE_URL and that the database server is running and accepts this user",
                id="mamori.E003",
            )
        ]
    problems: list[CheckMessage] = []
    if plan:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan)
        problems.append(
            Error(
                f"the database has {len(plan)} unapplied migration(s): {names}",
                hint="run `mamori migrate` (take a backup first)",
                id="mamori.E004",
            )
        )
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown)
        problems.append(
            Error(
                f"the database has migrations this version of Mamori does not know: {names}",
                hint="it was upgraded by a newer Mamori; run that version (or restore a backup made by this one)",
                id="mamori.E005",
            )
        )
    return problems


# --------------------------------------------------------------------------------------------------
# Mail and background jobs


def check_mail(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not _live.get() or not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return []
    host, port = settings.EMAIL_HOST, int(settings.EMAIL_PORT)
    try:
        with socket.create_connection((host, port), timeout=NETWORK_TIMEOUT_SECONDS):
            return []
    except OSError as exc:
        return [
            Warning(
                f"the mail server {host}:{port} cannot be reached ({exc.strerror or exc}); notification e-mails "
                "will not be sent.",
                hint="check EMAIL_HOST and EMAIL_PORT, and that the firewall lets Mamori reach the mail server",
                id="mamori.W008",
            )
        ]


def check_jobs_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    backend = getattr(settings, "MAMORI_JOBS_BACKEND", "embedded")
    if backend not in _job_backends():
        return [
            Error(
                f"MAMORI_JOBS_BACKEND={backend!r} is not known.",
                hint="use one of: " + ", ".join(_job_backends()),
                id="mamori.E009",
            )
        ]
    if backend != "redis":
        return []
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return [
            Error("MAMORI_JOBS_BACKEND is 'redis' but REDIS_URL is not set.", hint="set REDIS_URL", id="mamori.E010")
        ]
    if not _live.get():
        return []
    return _redis_problems(url)


def _job_backends() -> tuple[str, ...]:
    try:
        from mamori.jobs.backends import BACKENDS
    except ImportError:  # the jobs app may be trimmed down in some deployments
        return ("embedded", "redis")
    return tuple(BACKENDS)


def _redis_problems(url: str) -> list[CheckMessage]:
    where = _redis_address(url)  # never the password
    try:
        import redis
    except ImportError:
        return [
            Error(
                "MAMORI_JOBS_BACKEND is 'redis' but the redis package is not installed.",
                hint="install mamori[redis], or set MAMORI_JOBS_BACKEND=embedded",
                id="mamori.E011",
            )
        ]
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=NETWORK_TIMEOUT_SECONDS, socket_timeout=NETWORK_TIMEOUT_SECONDS
        )
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return [
            Error(
                f"Redis at {where} cannot be reached ({type(exc).__name__}); background jobs will not run.",
                hint="check REDIS_URL and that the Redis server is running",
                id="mamori.E012",
            )
        ]
    return []


def _redis_address(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{parts.hostname or '?'}:{parts.port or 6379}"
    except ValueError:
        return "(unreadable REDIS_URL)"
