"""Which places a data source may point at (スキャン対象の許可リスト).

An administrator lists the folders and database hosts Mamori may read in ``MAMORI_SCAN_ALLOW``
(comma-separated): entries starting with ``/`` are folder prefixes, the others ``host`` or ``host:port``
patterns (``*`` matches any part of a name, ``db-*.example.jp``). Nothing is allowed in production until
it is listed. Some places are refused even when listed: Mamori's own database, its data directory (its keys,
uploaded evidence, backups — only its ``demo`` folder may be scanned), and ``/proc``, ``/sys``, ``/dev``.

Paths are compared after resolving symbolic links and ``..``, so a link or a dotted path cannot lead out of
an allowed folder. Checked when a source is saved and again right before each scan or connection test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils.translation import gettext as _

SETTING = "MAMORI_SCAN_ALLOW"
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})
MAX_LINKS_LISTED = 50


class TargetRefused(ValidationError):
    """The location is not allowed; the message names it and what to set."""

    def __init__(self, message: str) -> None:
        super().__init__({"location": [message]})
        self.text = message

    def __str__(self) -> str:
        return self.text


def patterns() -> list[str]:
    return [str(p).strip() for p in getattr(settings, SETTING, None) or [] if str(p).strip()]


def allowed_folders() -> list[Path]:
    return [Path(p).resolve() for p in patterns() if p.startswith("/")]


def allowed_hosts() -> list[str]:
    return [p.lower() for p in patterns() if not p.startswith("/")]


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _data_dir() -> Path:
    return Path(settings.DATA_DIR).resolve()


def _protected_files() -> list[Path]:
    """Mamori's own database file and key files given from outside the data directory."""
    found: list[Path] = []
    for alias in connections:
        conn = connections[alias]
        if conn.vendor == "sqlite":
            name = str(conn.settings_dict.get("NAME") or "")
            if name and not name.startswith(("file:", ":memory:")):
                found.append(Path(name).resolve())
    from mamori.core import keys

    for spec in keys.ALL_KEYS:
        file_name = os.environ.get(f"{spec.env}_FILE", "").strip()
        if file_name:
            found.append(Path(file_name).resolve())
    return found


def _always_refused(path: Path) -> str | None:
    """Why ``path`` (resolved) may never be scanned, or None."""
    data = _data_dir()
    for folder in SYSTEM_FOLDERS:
        if _within(path, folder):
            return _("%(path)s is a system folder and is never scanned.") % {"path": path}
    if _within(path, data) and not _within(path, data / "demo"):
        return _(
            "%(path)s is inside Mamori's data directory (its database, keys and evidence) and is never scanned."
        ) % {"path": path}
    if _within(data, path):
        return _("%(path)s contains Mamori's data directory; choose a folder that does not.") % {"path": path}
    for own in _protected_files():
        if _within(own, path):
            return _("%(path)s is or contains Mamori's own database or key file and is never scanned.") % {"path": path}
    for folder in SYSTEM_FOLDERS:
        if _within(folder, path):
            return _("%(path)s contains the system folder %(system)s; choose a narrower folder.") % {
                "path": path,
                "system": folder,
            }
    return None


def _not_listed(location: str) -> str:
    return _(
        "%(location)s is not in the administrator's allow-list. Add it (or a folder or host pattern that covers it) "
        "to %(setting)s, comma-separated, and restart Mamori."
    ) % {"location": location, "setting": SETTING}


def check_path(location: str) -> Path:
    """The resolved path of a file location, or ``TargetRefused`` saying why it may not be read."""
    path = Path(location)
    if not path.is_absolute():
        raise TargetRefused(_("Enter an absolute path to a folder or file on the Mamori server."))
    resolved = path.resolve()
    reason = _always_refused(resolved)
    if reason:
        raise TargetRefused(reason)
    if not any(_within(resolved, folder) for folder in allowed_folders()):
        shown = str(resolved) if resolved == path else f"{location} (= {resolved})"
        raise TargetRefused(_not_listed(shown))
    return resolved


def check_database(url: object) -> None:
    """Refuse a SQLAlchemy URL that is Mamori's own database or names a host the allow-list lacks."""
    backend = url.get_backend_name()  # type: ignore[attr-defined]
    if backend == "sqlite":
        database = str(url.database or "")  # type: ignore[attr-defined]
        if database and database != ":memory:":
            check_path(database)
        return
    host = str(url.host or "").lower()  # type: ignore[attr-defined]
    port = int(url.port or DEFAULT_PORTS.get(backend, 0))  # type: ignore[attr-defined]
    database = str(url.database or "")  # type: ignore[attr-defined]
    if _is_own_database(backend, host, port, database):
        raise TargetRefused(_("This is Mamori's own database; it is never scanned."))
    shown = f"{host or 'localhost'}:{port}"
    if not any(_host_matches(pattern, host, port) for pattern in allowed_hosts()):
        raise TargetRefused(_not_listed(shown))


def _host_matches(pattern: str, host: str, port: int) -> bool:
    name, want_port = _split_host(pattern)
    if want_port is not None and want_port != port:
        return False
    return fnmatchcase(host or "localhost", name)


def _split_host(pattern: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[::1]:5432`` → (host, port or None)."""
    if pattern.startswith("["):
        end = pattern.find("]")
        rest = pattern[end + 1 :]
        return pattern[1:end], int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if pattern.count(":") == 1:
        name, port = pattern.split(":")
        return name, int(port) if port.isdigit() else None
    return pattern, None


def _is_own_database(backend: str, host: str, port: int, database: str) -> bool:
    vendor = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}.get(backend)
    for alias in connections:
        own = connections[alias].settings_dict
        if connections[alias].vendor != vendor:
            continue
        own_host = str(own.get("HOST") or "").lower()
        own_port = int(own.get("PORT") or DEFAULT_PORTS.get(backend, 0))
        same_host = own_host == host or (own_host in LOCAL_HOSTS and host in LOCAL_HOSTS)
        names = {str(own.get("NAME") or ""), str((own.get("TEST") or {}).get("NAME") or "")}
        if same_host and own_port == port and database in names | {f"test_{n}" for n in names if n}:
            return True
    return False


def outside_links(root: Path) -> Iterator[str]:
    """Symbolic links under ``root`` that lead outside it (the scan skips them): as paths relative to ``root``."""
    if not root.is_dir():
        return
    base = root.resolve()
    for folder, dirs, files in os.walk(base, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            if path.is_symlink() and not _within(path.resolve(), base):
                yield path.relative_to(base).as_posix()
