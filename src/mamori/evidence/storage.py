"""The locker's files: content-addressed, streamed, optionally encrypted at rest (証拠ファイルの保管).

Files live under ``MAMORI_DATA_DIR/files/evidence/`` (inside the backed-up files; folders 0700, files 0600),
named by the SHA-256 of their plaintext: ``ab/abcdef….bin`` in clear, ``ab/abcdef….enc`` encrypted.
Identical content is stored once per form. A file is written to ``evidence/tmp/`` while its hash is computed
on the way in, then renamed into place, so a half-written file never carries a content name. Nothing here
holds a whole file in memory.

Encrypted form (``MEV1``), a streaming authenticated format::

    header  = b"MAMORIEV" + version (1 byte, 1) + salt (16 random bytes) + nonce prefix (4 random bytes)
    record  = flag (1 byte: 0 more, 1 last) + length (4 bytes, big-endian) + AES-256-GCM ciphertext and tag
    key     = HKDF-SHA256(evidence key, salt, info "mamori evidence v1"): a fresh key for every file
    nonce   = nonce prefix + chunk counter (8 bytes, big-endian)
    AAD     = header + chunk counter + flag

Plaintext goes in chunks of 1 MiB. The counter and the "last" flag are authenticated, so chunks cannot be
reordered, dropped, repeated or cut off at the end without ``read_stream`` raising ``BlobTampered``. The key is
``MAMORI_EVIDENCE_KEY`` (64 hex digits), ``MAMORI_EVIDENCE_KEY_FILE``, or ``MAMORI_DATA_DIR/keys/evidence.key``
(``mamori.core.keys``, like every other key of Mamori's).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from mamori.core import keys
from mamori.env import make_private_dir

EVIDENCE_KEY = keys.KeySpec(
    "evidence", "MAMORI_EVIDENCE_KEY", "evidence.key", "encrypts evidence files (preserved copies always)"
)

FOLDER = "evidence"
CHUNK = 1024 * 1024
MAGIC = b"MAMORIEV"
VERSION = 1
SALT_BYTES = 16
PREFIX_BYTES = 4
HEADER_BYTES = len(MAGIC) + 1 + SALT_BYTES + PREFIX_BYTES
RECORD_HEAD = struct.Struct(">BI")  # flag, ciphertext length
TAG_BYTES = 16
BLOB_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.(bin|enc)$")


class StorageError(Exception):
    """A stored evidence file cannot be read as it was written."""


class BlobMissing(StorageError):
    """The stored file is gone."""


class BlobTampered(StorageError):
    """The stored file was changed, cut short or reordered, or the evidence key is not the one it was written with."""


class TooLarge(StorageError):
    """More bytes than the configured maximum (``MAMORI_EVIDENCE_MAX_BYTES``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the maximum of {limit} bytes (MAMORI_EVIDENCE_MAX_BYTES)")
        self.limit = limit


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    blob_name: str
    encrypted: bool


def root() -> Path:
    # Under MEDIA_ROOT so that `mamori backup` carries the (encrypted) evidence with its manifest of hashes.
    return Path(settings.MEDIA_ROOT) / FOLDER


def path_of(blob_name: str) -> Path:
    if not BLOB_NAME.match(blob_name):
        raise ValueError(f"not an evidence file name: {blob_name!r}")
    return root() / blob_name


def blob_name_for(sha256: str, encrypted: bool) -> str:
    return f"{sha256[:2]}/{sha256}.{'enc' if encrypted else 'bin'}"


def exists(blob_name: str) -> bool:
    return path_of(blob_name).is_file()


def _key() -> bytes:
    value = keys.load(EVIDENCE_KEY)
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise keys.KeyProblem(
            f"{keys.locate(EVIDENCE_KEY).where} is not an evidence key: use 32 random bytes as 64 hex digits "
            "(`mamori keys init` makes one)"
        )
    return key[:32]


def _file_cipher(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"mamori evidence v1").derive(key)
    return AESGCM(derived)


# --------------------------------------------------------------------------------------------------
# Writing


def _rechunk(chunks: Iterable[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """The same bytes in pieces of exactly ``size`` (the last may be shorter), holding at most two pieces."""
    buffer = bytearray()
    for chunk in chunks:
        if not chunk:
            continue
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def _with_last(pieces: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each piece with whether it is the last one; an empty input gives one empty last piece."""
    pending = next(pieces, b"")
    for piece in pieces:
        yield pending, False
        pending = piece
    yield pending, True


def write_stream(chunks: Iterable[bytes], *, encrypt: bool, max_bytes: int | None = None) -> StoredBlob:
    """Store the bytes of ``chunks``; the SHA-256 is of the plaintext. Identical content is stored once.

    Raises ``TooLarge`` (nothing stored) past ``max_bytes``.
    """
    make_private_dir(root())
    temporary_folder = root() / "tmp"
    make_private_dir(temporary_folder)
    temporary = temporary_folder / f"{secrets.token_hex(16)}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            writer = _EncryptedWriter(out, _key()) if encrypt else None
            for piece, last in _with_last(_rechunk(chunks)):
                size += len(piece)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(max_bytes)
                digest.update(piece)
                if writer is not None:
                    writer.write(piece, last)
                else:
                    out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        sha256 = digest.hexdigest()
        name = blob_name_for(sha256, encrypt)
        final = root() / name
        make_private_dir(final.parent)
        if final.exists():
            temporary.unlink()  # the same content is already stored
        else:
            os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return StoredBlob(sha256=sha256, size=size, blob_name=name, encrypted=encrypt)


class _EncryptedWriter:
    def __init__(self, out: object, key: bytes) -> None:
        self.out = out
        salt = secrets.token_bytes(SALT_BYTES)
        self.prefix = secrets.token_bytes(PREFIX_BYTES)
        self.header = MAGIC + bytes([VERSION]) + salt + self.prefix
        self.cipher = _file_cipher(key, salt)
        self.counter = 0
        out.write(self.header)  # type: ignore[attr-defined]

    def write(self, piece: bytes, last: bool) -> None:
        sealed = self.cipher.encrypt(self.prefix + self.counter.to_bytes(8, "big"), piece, self._aad(last))
        self.out.write(RECORD_HEAD.pack(int(last), len(sealed)) + sealed)  # type: ignore[attr-defined]
        self.counter += 1

    def _aad(self, last: bool) -> bytes:
        return self.header + self.counter.to_bytes(8, "big") + bytes([int(last)])


# --------------------------------------------------------------------------------------------------
# Reading


def read_stream(blob_name: str, encrypted: bool) -> Iterator[bytes]:
    """The plaintext in chunks, decrypting and authenticating each; ``BlobTampered`` on any change."""
    path = path_of(blob_name)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise BlobMissing(f"the stored file {blob_name} is missing") from None
    return _decrypted(handle, blob_name) if encrypted else _plain(handle)


def _plain(handle: object) -> Iterator[bytes]:
    with handle:  # type: ignore[attr-defined]
        while chunk := handle.read(CHUNK):  # type: ignore[attr-defined]
            yield chunk


def _decrypted(handle: object, blob_name: str) -> Iterator[bytes]:
    with handle:  # type: ignore[attr-defined]
        header = handle.read(HEADER_BYTES)  # type: ignore[attr-defined]
        if len(header) != HEADER_BYTES or not header.startswith(MAGIC) or header[len(MAGIC)] != VERSION:
            raise BlobTampered(f"the stored file {blob_name} is not an encrypted evidence file")
        salt = header[len(MAGIC) + 1 : len(MAGIC) + 1 + SALT_BYTES]
        prefix = header[-PREFIX_BYTES:]
        cipher = _file_cipher(_key(), salt)
        counter = 0
        while True:
            head = handle.read(RECORD_HEAD.size)  # type: ignore[attr-defined]
            if len(head) != RECORD_HEAD.size:
                raise BlobTampered(f"the stored file {blob_name} was cut short")
            flag, length = RECORD_HEAD.unpack(head)
            if flag not in (0, 1) or length > CHUNK + TAG_BYTES:
                raise BlobTampered(f"the stored file {blob_name} was changed")
            sealed = handle.read(length)  # type: ignore[attr-defined]
            aad = header + counter.to_bytes(8, "big") + bytes([flag])
            try:
                piece = cipher.decrypt(prefix + counter.to_bytes(8, "big"), sealed, aad)
            except InvalidTag:
                raise BlobTampered(
                    f"the stored file {blob_name} was changed, or the evidence key is not the one it was written with"
                ) from None
            counter += 1
            if piece:
                yield piece
            if flag == 1:
                break
        if handle.read(1):  # type: ignore[attr-defined]
            raise BlobTampered(f"the stored file {blob_name} has data after its end")


def rehash(blob_name: str, encrypted: bool) -> tuple[str, int]:
    """The SHA-256 and size of the stored plaintext, read again from disk."""
    digest = hashlib.sha256()
    size = 0
    for chunk in read_stream(blob_name, encrypted):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def checked_stream(blob_name: str, encrypted: bool, sha256: str) -> Iterator[bytes]:
    """``read_stream`` that raises ``BlobTampered`` at the end when the plaintext's hash is not ``sha256``."""
    digest = hashlib.sha256()
    for chunk in read_stream(blob_name, encrypted):
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != sha256:
        raise BlobTampered(f"the stored file {blob_name} no longer has its recorded SHA-256")


def remove(blob_name: str) -> bool:
    """Delete a stored file (destruction of a preserved copy); whether there was one."""
    try:
        path_of(blob_name).unlink()
    except FileNotFoundError:
        return False
    return True


def all_blob_names() -> Iterator[str]:
    folder = root()
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("??/*")):
        name = f"{path.parent.name}/{path.name}"
        if BLOB_NAME.match(name):
            yield name
