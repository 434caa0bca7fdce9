"""Encryption of connection secrets and the key for value fingerprints: both from ``mamori.core.keys``.

Neither is derived from SECRET_KEY any more. Passwords stored before that were encrypted with a key derived
from SECRET_KEY; migration 0003 re-encrypts them with the secrets key (``legacy_fernet`` below is only
for that).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet

from mamori.core import keys
from mamori.core.keys import SecretUnavailable

__all__ = ["ENV", "SecretUnavailable", "decrypt", "encrypt", "fingerprint_key", "legacy_fernet"]

ENV = keys.SECRETS.env


def encrypt(plain: str) -> str:
    return keys.encrypt(plain)


def decrypt(token: str) -> str:
    """The stored secret; raises SecretUnavailable when no known key decrypts it (enter it again)."""
    return keys.decrypt(token)


def fingerprint_key() -> bytes:
    return keys.fingerprint_key()


def legacy_fernet(secret_key: str) -> Fernet:
    """The key Mamori derived from SECRET_KEY before it had a secrets key of its own (read-only use)."""
    derived = hashlib.sha256(b"mamori.discovery.secrets:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))
