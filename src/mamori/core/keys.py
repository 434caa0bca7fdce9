"""Mamori's own keys, kept apart from SECRET_KEY and from the database (鍵の管理).

Two keys, each in its own file under ``MAMORI_DATA_DIR/keys/`` (created 0600 at first use, folder 0700)
or taken from the environment:

- ``secrets.key`` / ``MAMORI_SECRETS_KEY``: a Fernet key that encrypts stored secrets (data-source
  passwords, two-factor secrets).
- ``fingerprint.key`` / ``MAMORI_FINGERPRINT_KEY``: 32 random bytes (hex) that key the fingerprints of
  found values. Without it no stored fingerprint can be recomputed, so a copy of the database alone
  cannot be used to test guesses.

Neither is ever derived from SECRET_KEY, and neither is in a database dump: backups leave them out
unless asked (``mamori backup --include-keys``). With DEBUG off a missing key is refused rather than
created, so a production server never silently starts on a fresh key that cannot read its own data.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class KeySpec:
    """Where one key lives and how a new one is made."""

    name: str
    env: str
    file_name: str
    purpose: str

    def path(self) -> Path:
        return Path(settings.DATA_DIR) / "keys" / self.file_name

    def generate(self) -> str:
        if self.name == "secrets":
            return Fernet.generate_key().decode()
        return secrets.token_hex(32)


SECRETS = KeySpec("secrets", "MAMORI_SECRETS_KEY", "secrets.key", "encrypts stored passwords and two-factor secrets")
FINGERPRINT = KeySpec("fingerprint", "MAMORI_FINGERPRINT_KEY", "fingerprint.key", "keys value fingerprints")
ALL_KEYS = (SECRETS, FINGERPRINT)

# Every stored field encrypted with the secrets key ("app_label.Model", field): rotation re-encrypts each.
ENCRYPTED_FIELDS = (("discovery.DataSource", "encrypted_secret"), ("accounts.User", "totp_secret"))


class SecretUnavailable(Exception):
    """A stored secret cannot be decrypted with the current key (the key changed or was lost)."""


def _from_environment(spec: KeySpec) -> str | None:
    value = os.environ.get(spec.env, "").strip()
    if value:
        return value
    file_name = os.environ.get(f"{spec.env}_FILE", "").strip()
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{spec.env}_FILE={file_name!r} cannot be read: {exc.strerror}") from None
    return None


def write_key_file(path: Path, value: str) -> None:
    """Write a key readable by its owner only; the folder is made 0700. Never replaces an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")


def load(spec: KeySpec, create: bool | None = None) -> str:
    """The key's value: environment first, then its file, created on first use unless in production."""
    value = _from_environment(spec)
    if value:
        return value
    path = spec.path()
    if not path.exists():
        if create is None:
            create = settings.DEBUG
        if not create:
            raise ImproperlyConfigured(
                f"the {spec.name} key is missing: set {spec.env} or create {path} with `mamori keys init` "
                f"(it {spec.purpose})"
            )
        try:
            write_key_file(path, spec.generate())
        except FileExistsError:
            pass  # another process created it first; read theirs
    return path.read_text(encoding="utf-8").strip()


@cache
def _fernet(value: str) -> Fernet:
    try:
        return Fernet(value.encode())
    except ValueError:
        raise ImproperlyConfigured(
            f"{SECRETS.env} is not a Fernet key (32 url-safe base64-encoded bytes); `mamori keys init` makes one"
        ) from None


def encrypt(plain: str) -> str:
    """Encrypt a secret for storage; an empty value stays empty."""
    return _fernet(load(SECRETS)).encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(load(SECRETS)).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnavailable(
            "a stored secret cannot be decrypted with the current secrets key (it was changed or lost); "
            "enter the secret again"
        ) from None


def fingerprint_key() -> bytes:
    """The key for value fingerprints (never derived from SECRET_KEY)."""
    value = load(FINGERPRINT)
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = value.encode("utf-8")
    if len(raw) < 16:
        raise ImproperlyConfigured(f"{FINGERPRINT.env} is too short: use 32 random bytes as hex")
    return raw
