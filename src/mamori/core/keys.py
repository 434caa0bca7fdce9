"""Mamori's own keys, kept apart from SECRET_KEY and from the database (鍵の管理).

Two keys, each in its own file under ``MAMORI_DATA_DIR/keys/`` (file 0600, folder 0700) or taken from the
environment (``NAME`` or ``NAME_FILE``):

- ``secrets.key`` / ``MAMORI_SECRETS_KEY``: a Fernet key that encrypts stored secrets (data-source
  passwords, two-factor secrets).
- ``fingerprint.key`` / ``MAMORI_FINGERPRINT_KEY``: 32 random bytes (hex) that key the fingerprints of
  found values. Without it no stored fingerprint can be recomputed, so a copy of the database alone
  cannot be used to test guesses.

Neither is ever derived from SECRET_KEY, and neither is in a database dump. Missing keys are created at
first use only in development (``settings.MAMORI_CREATE_KEYS``, on when DEBUG is); in production
``mamori keys init`` creates them, so a server never silently starts on a fresh key that cannot read its
own data. ``mamori keys rotate secrets`` keeps the replaced secrets key as ``secrets.key.retired-<UTC time>``:
decryption tries those too, so a restored older backup can still be read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

from mamori.env import ConfigError, key_weakness, make_private_dir

FINGERPRINT_KEY_BYTES = 32


@dataclass(frozen=True)
class KeySpec:
    """Where one key lives and how a new one is made."""

    name: str
    env: str
    file_name: str
    purpose: str

    def path(self) -> Path:
        return keys_dir() / self.file_name

    @property
    def is_fernet(self) -> bool:
        """The secrets key is a Fernet key; every other key is 32 or more random bytes, written as hex."""
        return self.name == "secrets"

    def generate(self) -> str:
        if self.is_fernet:
            return Fernet.generate_key().decode()
        return secrets.token_hex(FINGERPRINT_KEY_BYTES)


SECRETS = KeySpec("secrets", "MAMORI_SECRETS_KEY", "secrets.key", "encrypts stored passwords and two-factor secrets")
FINGERPRINT = KeySpec("fingerprint", "MAMORI_FINGERPRINT_KEY", "fingerprint.key", "keys value fingerprints")
ALL_KEYS = (SECRETS, FINGERPRINT)

# Every stored field encrypted with the secrets key ("app_label.Model", field): rotation re-encrypts each.
ENCRYPTED_FIELDS = (("discovery.DataSource", "encrypted_secret"), ("accounts.User", "totp_secret"))


class SecretUnavailable(Exception):
    """A stored secret cannot be decrypted with the current key (the key changed or was lost)."""


class KeyProblem(ConfigError, ImproperlyConfigured):
    """A key is missing, unreadable or unusable. The message names the variable or file and what to do.

    A ConfigError, so the ``mamori`` command prints it as one line (exit 2) instead of a traceback.
    """


def keys_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def known_keys() -> tuple[KeySpec, ...]:
    """ALL_KEYS and the keys other apps keep in the same folder (audit checkpoint, evidence locker), for status,
    checks, `mamori keys init` and the start-up check. Imported here, not at module level: those apps import
    this one."""
    from mamori.audit.checkpoint import AUDIT_KEY
    from mamori.evidence.storage import EVIDENCE_KEY

    return (*ALL_KEYS, AUDIT_KEY, EVIDENCE_KEY)


# --------------------------------------------------------------------------------------------------
# Where a key comes from, and reading it


@dataclass(frozen=True)
class KeySource:
    """Where a key's value comes from: the environment, a file the environment names, its own file, or nowhere."""

    spec: KeySpec
    origin: str  # "environment", "environment file", "file" or "missing"
    where: str  # the variable, or the file's path
    path: Path | None  # the file holding the value (None for a value in the environment)

    @property
    def from_environment(self) -> bool:
        return self.origin.startswith("environment")


def locate(spec: KeySpec) -> KeySource:
    if os.environ.get(spec.env, "").strip():
        return KeySource(spec, "environment", spec.env, None)
    file_name = os.environ.get(f"{spec.env}_FILE", "").strip()
    if file_name:
        return KeySource(spec, "environment file", f"{spec.env}_FILE={file_name}", Path(file_name))
    path = spec.path()
    return KeySource(spec, "file" if path.exists() else "missing", str(path), path)


def may_create() -> bool:
    """Whether a missing key is created at first use (development) rather than refused (production)."""
    return bool(getattr(settings, "MAMORI_CREATE_KEYS", settings.DEBUG))


def load(spec: KeySpec, create: bool | None = None) -> str:
    """The key's value: environment first, then its file, created on first use unless in production."""
    source = locate(spec)
    if source.origin == "environment":
        return os.environ[spec.env].strip()
    path = source.path or spec.path()  # every origin but the environment names a file
    if source.origin == "missing":
        if not (may_create() if create is None else create):
            raise KeyProblem(
                f"the {spec.name} key is missing: set {spec.env} or create {path} with `mamori keys init` "
                f"(it {spec.purpose})"
            )
        with contextlib.suppress(FileExistsError):  # another process created it first; read theirs
            write_key_file(path, spec.generate())
    return _read(path, source.where if source.from_environment else str(path))


def _read(path: Path, where: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise KeyProblem(f"{where} cannot be read: {exc.strerror or exc}") from None
    if not value:
        raise KeyProblem(f"{where} is empty; `mamori keys init` makes a key (remove the empty file first)")
    return value


def write_key_file(path: Path, value: str) -> None:
    """Write a key readable by its owner only; the folder is made 0700. Never replaces an existing file."""
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _replace_key_file(path: Path, value: str) -> None:
    """Put a new key in place in one step: a reader sees the old file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.new")
    temporary.unlink(missing_ok=True)  # left by an interrupted rotation; it never became the key
    write_key_file(temporary, value)
    os.replace(temporary, path)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def retired_paths(spec: KeySpec) -> list[Path]:
    """Keys replaced by rotation, newest first (the UTC time in the name sorts)."""
    folder = keys_dir()
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{spec.file_name}.retired-*"), reverse=True)


# --------------------------------------------------------------------------------------------------
# Encryption and fingerprints


@cache
def _fernet(value: str, where: str = SECRETS.env) -> Fernet:
    try:
        return Fernet(value.encode())
    except ValueError:
        raise KeyProblem(
            f"{where} is not a Fernet key (32 url-safe base64-encoded bytes); `mamori keys init` makes one"
        ) from None


def _cipher() -> MultiFernet:
    """The current secrets key first (it encrypts), then the retired ones (they still decrypt)."""
    return MultiFernet([_fernet(load(SECRETS)), *_retired_fernets()])


def encrypt(plain: str) -> str:
    """Encrypt a secret for storage; an empty value stays empty."""
    return _fernet(load(SECRETS)).encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnavailable(
            _(
                "A stored secret cannot be decrypted with the current secrets key (the key was changed or lost); "
                "enter it again."
            )
        ) from None


def fingerprint_key() -> bytes:
    """The key for value fingerprints (never derived from SECRET_KEY)."""
    value = load(FINGERPRINT)
    problem = _fingerprint_format_problem(value)
    if problem:
        raise KeyProblem(f"{locate(FINGERPRINT).where} {problem}")
    return _fingerprint_bytes(value)


def _fingerprint_bytes(value: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        return value.encode("utf-8")


def _fingerprint_format_problem(value: str) -> str | None:
    """What is wrong with a random-bytes key (the fingerprint key, the audit key), or None."""
    if len(_fingerprint_bytes(value)) < FINGERPRINT_KEY_BYTES:
        return f"is too short: use {FINGERPRINT_KEY_BYTES} random bytes as hex (`mamori keys init` makes one)"
    return None


# --------------------------------------------------------------------------------------------------
# Inspection (for `mamori check`, `mamori keys status` and the start of `mamori serve`)


@dataclass(frozen=True)
class KeyReport:
    """What is known about one key, without its value."""

    source: KeySource
    error: str | None = None  # missing, unreadable or malformed: nothing works with it
    weakness: str | None = None  # a phrase after "it": refused with DEBUG off
    file_mode: int | None = None
    folder_mode: int | None = None

    @property
    def loose_modes(self) -> list[str]:
        """Files or folders other local users may read (group or other bits set)."""
        loose = []
        if self.file_mode is not None and self.file_mode & 0o077 and self.source.path is not None:
            loose.append(f"{self.source.path} (mode {self.file_mode:04o})")
        if self.folder_mode is not None and self.folder_mode & 0o077 and self.source.path is not None:
            loose.append(f"{self.source.path.parent} (mode {self.folder_mode:04o})")
        return loose


def inspect(spec: KeySpec) -> KeyReport:
    """Check one key without creating it: present, readable, well-formed, strong, private."""
    source = locate(spec)
    if source.origin == "missing" and may_create():
        return KeyReport(source)  # made at first use (development)
    try:
        value = load(spec, create=False)
    except KeyProblem as exc:
        return KeyReport(source, error=str(exc))
    error = _format_problem(spec, value, source.where)
    file_mode = folder_mode = None
    if source.path is not None:
        file_mode = stat.S_IMODE(source.path.stat().st_mode)
        if source.origin == "file":  # a folder the environment names (/run/secrets) is the operator's business
            folder_mode = stat.S_IMODE(source.path.parent.stat().st_mode)
    return KeyReport(source, error, None if error else key_weakness(value), file_mode, folder_mode)


def _format_problem(spec: KeySpec, value: str, where: str) -> str | None:
    if not spec.is_fernet:
        problem = _fingerprint_format_problem(value)
        return f"{where} {problem}" if problem else None
    try:
        _fernet(value, where)
    except KeyProblem as exc:
        return str(exc)
    return None


def require_all() -> None:
    """Refuse to start without usable keys: each is loaded (created in development) and, with DEBUG off, weak
    keys are refused too. Called by `mamori serve`, `mamori worker` and the WSGI application before anything else."""
    for spec in known_keys():
        load(spec)
        report = inspect(spec)
        if report.error:
            raise KeyProblem(report.error)
        if report.weakness and not settings.DEBUG:
            raise KeyProblem(
                f"the {spec.name} key ({report.source.where}) {report.weakness}; "
                f"use `mamori keys init` to make a random one, or a random value in {spec.env}"
            )


# --------------------------------------------------------------------------------------------------
# Creation and rotation (`mamori keys`)


def init() -> list[tuple[KeySource, bool]]:
    """Create the missing key files; never replaces one. Each key's source, and whether it was just created."""
    results = []
    for spec in known_keys():
        source = locate(spec)
        created = False
        if source.origin == "missing":
            try:
                write_key_file(spec.path(), spec.generate())
                created = True
            except FileExistsError:
                pass
            source = locate(spec)
        results.append((source, created))
    return results


@dataclass(frozen=True)
class Rotation:
    """What one rotation did (never the keys themselves)."""

    spec: KeySpec
    new_key_at: Path
    retired_to: Path | None = None
    reencrypted: int = 0
    unreadable: int = 0
    cleared: int = 0


def rotate_secrets(new_key_file: Path | None = None) -> Rotation:
    """A new secrets key; every field in ENCRYPTED_FIELDS re-encrypted with it in one transaction.

    The old key is kept as ``secrets.key.retired-<UTC time>`` (0600) before anything changes, so the data
    stays readable whatever fails, and an older backup restored later can still be decrypted. Values no known
    key decrypts are left as they were (they were already unreadable) and counted.
    """
    from mamori.accounts.policy import SYSTEM
    from mamori.audit import services as audit

    current = _current_for_rotation(SECRETS, new_key_file)
    old_fernet = _fernet(current, locate(SECRETS).where)
    new_value = SECRETS.generate()
    retired = _retire(SECRETS, current)
    cipher = MultiFernet([_fernet(new_value), old_fernet, *_retired_fernets()])
    target = _start_new_key(SECRETS, new_key_file, new_value)
    try:
        with transaction.atomic():
            changed, unreadable = _reencrypt_all(cipher)
            audit.record(
                SYSTEM,
                "rotate_key",
                object_type="key",
                object_repr="secrets key",
                message=f"secrets key rotated: {changed} stored secrets re-encrypted, {unreadable} unreadable "
                f"left as they were; the old key is kept as {retired.name}",
            )
            if new_key_file is None:
                _replace_key_file(target, new_value)  # last: a failure before this rolls everything back
    except BaseException:
        if new_key_file is not None:
            target.unlink(missing_ok=True)
        raise
    return Rotation(SECRETS, target, retired, changed, unreadable)


def rotate_fingerprint(new_key_file: Path | None = None) -> Rotation:
    """A new fingerprint key. Stored fingerprints can no longer be matched, so they are cleared (the next scan
    of each source stores new ones). The old key is not kept: old fingerprints, in backups too, become useless."""
    from mamori.accounts.policy import SYSTEM
    from mamori.audit import services as audit

    _current_for_rotation(FINGERPRINT, new_key_file)
    new_value = FINGERPRINT.generate()
    target = _start_new_key(FINGERPRINT, new_key_file, new_value)
    try:
        with transaction.atomic():
            cleared = clear_fingerprints()
            audit.record(
                SYSTEM,
                "rotate_key",
                object_type="key",
                object_repr="fingerprint key",
                message=f"fingerprint key rotated: the card fingerprints of {cleared} findings were cleared",
            )
            if new_key_file is None:
                _replace_key_file(target, new_value)
    except BaseException:
        if new_key_file is not None:
            target.unlink(missing_ok=True)
        raise
    return Rotation(FINGERPRINT, target, cleared=cleared)


def clear_fingerprints() -> int:
    """Empty ``ScanFinding.card_fingerprints`` where set (if the model has the field); how many were cleared."""
    from django.apps import apps

    try:
        model = apps.get_model("discovery", "ScanFinding")
        field = model._meta.get_field("card_fingerprints")
    except (LookupError, FieldDoesNotExist):
        return 0
    stale = [pk for pk, value in model._base_manager.values_list("pk", field.name) if value]
    empty = field.get_default()
    for start in range(0, len(stale), 500):
        model._base_manager.filter(pk__in=stale[start : start + 500]).update(**{field.name: empty})
    return len(stale)


def _current_for_rotation(spec: KeySpec, new_key_file: Path | None) -> str:
    source = locate(spec)
    if source.from_environment and new_key_file is None:
        raise KeyProblem(
            f"the {spec.name} key comes from {source.where}, which Mamori cannot change. Run "
            f"`mamori keys rotate {spec.name} --new-key-file PATH`: it writes a new key to PATH (mode 0600) and "
            f"re-keys the stored data; then set {spec.env}_FILE=PATH (or {spec.env} to the file's content) and "
            "restart every Mamori process"
        )
    if source.origin == "missing":
        raise KeyProblem(f"there is no {spec.name} key to rotate yet; `mamori keys init` creates one")
    if new_key_file is not None and not source.from_environment:
        # The file would keep the old key in use until the environment named the new one: data unreadable.
        raise KeyProblem(
            f"the {spec.name} key is in {source.where}, which the rotation replaces itself; "
            "--new-key-file is only for a key that comes from the environment"
        )
    if new_key_file is not None and new_key_file.exists():
        raise KeyProblem(f"{new_key_file} already exists; name a new file for the new key")
    value = load(spec, create=False)
    problem = _format_problem(spec, value, source.where)
    if problem:
        raise KeyProblem(problem)
    return value


def _retire(spec: KeySpec, value: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 100):
        suffix = "" if attempt == 1 else f"-{attempt}"  # two rotations within one second
        path = keys_dir() / f"{spec.file_name}.retired-{stamp}{suffix}"
        try:
            write_key_file(path, value)
        except FileExistsError:
            continue
        return path
    raise KeyProblem(f"too many retired keys named {spec.file_name}.retired-{stamp}*")


def _retired_fernets() -> list[Fernet]:
    return [_fernet(_read(path, str(path)), str(path)) for path in retired_paths(SECRETS)]


def _start_new_key(spec: KeySpec, new_key_file: Path | None, value: str) -> Path:
    """Where the new key goes; a file named by the operator is written now (and removed again on failure)."""
    if new_key_file is None:
        return spec.path()
    target = new_key_file.expanduser().resolve()
    try:
        write_key_file(target, value)
    except FileExistsError:
        raise KeyProblem(f"{target} already exists; name a new file for the new key") from None
    except OSError as exc:
        raise KeyProblem(f"{target} cannot be written: {exc.strerror or exc}") from None
    return target


def _reencrypt_all(cipher: MultiFernet) -> tuple[int, int]:
    """Re-encrypt every stored secret with the cipher's first key; (re-encrypted, unreadable)."""
    from django.apps import apps

    changed = unreadable = 0
    for label, field_name in ENCRYPTED_FIELDS:
        try:
            model = apps.get_model(label)
            model._meta.get_field(field_name)
        except (LookupError, FieldDoesNotExist):
            continue  # an app or field not installed in this version
        manager = model._base_manager
        for pk, token in list(manager.select_for_update().values_list("pk", field_name)):
            if not token:
                continue
            try:
                new_token = cipher.rotate(token.encode()).decode()
            except InvalidToken:
                unreadable += 1
                continue
            manager.filter(pk=pk).update(**{field_name: new_token})
            changed += 1
    return changed, unreadable
