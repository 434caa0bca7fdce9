"""Encryption of connection secrets and the key for value fingerprints.

Production sets MAMORI_SECRETS_KEY to a Fernet key (``python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"``). Without it a key is derived from SECRET_KEY, which is fine in
development but means rotating SECRET_KEY makes stored passwords unreadable; ``mamori check`` warns.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENV = "MAMORI_SECRETS_KEY"


class SecretUnavailable(Exception):
    """A stored secret cannot be decrypted (the key changed)."""


def configured_key() -> str | None:
    return getattr(settings, ENV, None) or os.environ.get(ENV) or None


def _fernet() -> Fernet:
    key = configured_key()
    if key:
        try:
            return Fernet(key.encode())
        except ValueError:
            raise ImproperlyConfigured(f"{ENV} is not a Fernet key (32 url-safe base64-encoded bytes)") from None
    derived = hashlib.sha256(b"mamori.discovery.secrets:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnavailable(
            "the stored password cannot be decrypted (MAMORI_SECRETS_KEY or SECRET_KEY changed); enter it again"
        ) from None


def fingerprint_key() -> bytes:
    """HMAC key for value fingerprints: stable across scans, so the same value is recognised again."""
    base = configured_key() or settings.SECRET_KEY
    return hmac.new(base.encode(), b"mamori.discovery.fingerprint", hashlib.sha256).digest()
