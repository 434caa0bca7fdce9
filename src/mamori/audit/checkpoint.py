"""The chain head anchored outside the audit table: a signed checkpoint file under the data directory.

Someone with write access to the database alone can delete every audit row and the chain head, or cut
entries off the end and move the head back; the chain then verifies on its own. The checkpoint file
(``MAMORI_DATA_DIR/audit/checkpoint.json``, 0600, folder 0700) remembers the newest head that Mamori
wrote, signed with HMAC-SHA-256 under a key of its own (``audit.key`` / ``MAMORI_AUDIT_KEY``), so that
``mamori audit verify``, ``mamori backup`` and ``mamori restore`` notice when the table falls behind it.

Keeping recording fast: ``record()`` schedules at most one write per committed transaction (on commit,
so a rolled-back entry is never anchored), and a write is a small file written to a temporary name and
renamed over the old one under an advisory lock. A checkpoint never goes backwards: a writer whose head
is not newer than the file's leaves it alone, so concurrent processes may finish in any order. Only a
restore or an explicit ``mamori audit checkpoint --reset`` (both recorded in the trail) may move it back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from mamori.audit.verify import Anchor
from mamori.core import keys

try:  # POSIX; elsewhere concurrent writers rely on the monotonic check alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

AUDIT_KEY = keys.KeySpec("audit", "MAMORI_AUDIT_KEY", "audit.key", "signs audit checkpoints")
FORMAT = "mamori-audit-checkpoint"
FOLDER = "audit"
FILE_NAME = "checkpoint.json"
# The file is always this long (padded with spaces), so that moving it on is one small overwrite in place.
SLOT = 512
MAX_BYTES = 64 * 1024

log = logging.getLogger(__name__)


class CheckpointInvalid(Exception):
    """The checkpoint cannot be trusted: unreadable, wrongly signed, or its key is missing."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    count: int  # entries in the trail when written (equal to seq in an intact chain)
    time: str  # when the checkpoint was written, UTC ISO 8601

    def payload(self) -> dict[str, Any]:
        return {"format": FORMAT, "seq": self.seq, "hash": self.hash, "count": self.count, "time": self.time}

    def signed_json(self, key: bytes) -> str:
        return json.dumps({**self.payload(), "signature": _signature(self.payload(), key)}, sort_keys=True)


def _signature(payload: dict[str, Any], key: bytes) -> str:
    message = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def now_text() -> str:
    return timezone.now().astimezone(dt.UTC).isoformat(timespec="microseconds")


def checkpoint_path() -> Path:
    return Path(settings.DATA_DIR) / FOLDER / FILE_NAME


def signing_key(*, create: bool | None = None) -> bytes:
    """The audit key. Created on first use only while no checkpoint exists: a lost key must not be
    silently replaced by a fresh one that would make the existing checkpoint look forged."""
    if create is None:
        create = not checkpoint_path().exists()
    try:
        return keys.load(AUDIT_KEY, create=create).encode()
    except ImproperlyConfigured as exc:
        raise CheckpointInvalid(str(exc)) from None


def parse(text: str | bytes, candidate_keys: list[bytes] | None) -> Checkpoint:
    """A checkpoint whose signature matches one of the keys; CheckpointInvalid otherwise.

    ``None`` instead of keys reads it without checking the signature (a restore into an installation
    that has no audit key yet; the caller says so).
    """
    try:
        data = json.loads(text)
        payload = {name: data[name] for name in ("format", "seq", "hash", "count", "time")}
        made = Checkpoint(int(data["seq"]), str(data["hash"]), int(data["count"]), str(data["time"]))
        signature = str(data["signature"])
    except (ValueError, TypeError, KeyError):
        raise CheckpointInvalid("the checkpoint file cannot be read (it is damaged or not a checkpoint)") from None
    if payload["format"] != FORMAT:
        raise CheckpointInvalid("the checkpoint file is not a Mamori audit checkpoint")
    if candidate_keys is None:
        return made
    if not any(hmac.compare_digest(signature, _signature(payload, key)) for key in candidate_keys):
        raise CheckpointInvalid(
            "the checkpoint's signature does not match: the file was altered, or signed with another audit key"
        )
    return made


def read() -> Checkpoint | None:
    """The checkpoint under the data directory, or None when there is none yet."""
    path = checkpoint_path()
    if not path.parent.is_dir():
        return None
    with _locked(path.parent, shared=True):
        return _read(path, None)


def _read(path: Path, key: bytes | None) -> Checkpoint | None:
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CheckpointInvalid(f"the checkpoint {path} cannot be read: {exc.strerror or exc}") from None
    return parse(text, [key if key is not None else signing_key(create=False)])


@contextlib.contextmanager
def _locked(folder: Path, *, shared: bool = False) -> Iterator[None]:
    """An advisory lock: writers exclusive around read-compare-write, readers shared (never half a file)."""
    if not shared:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write(path: Path, made: Checkpoint, key: bytes) -> None:
    """Overwrite the fixed-size file in place with one write (microseconds); the first time, or when the
    file has another size, write a temporary file and rename it (milliseconds on ext4, which flushes it)."""
    data = made.signed_json(key).encode().ljust(SLOT - 1) + b"\n"
    with contextlib.suppress(FileNotFoundError):
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            if os.fstat(fd).st_size == SLOT:
                os.pwrite(fd, data, 0)
                return
        finally:
            os.close(fd)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)  # mkstemp made it 0600
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def advance(seq: int, hash_: str, count: int | None = None) -> bool:
    """Move the checkpoint forward to ``seq``; nothing when the file already names ``seq`` or later.

    Returns whether the file was written. A checkpoint that fails its signature check is left alone (it
    is evidence) and CheckpointInvalid is raised.
    """
    path = checkpoint_path()
    with _locked(path.parent):
        key = signing_key()
        current = _read(path, key)
        if current is not None and current.seq >= seq:
            return False
        _write(path, Checkpoint(seq, hash_, seq if count is None else count, now_text()), key)
    return True


def replace(seq: int, hash_: str, count: int) -> Checkpoint:
    """Write the checkpoint whatever it said before (after a restore, or a reset the trail records)."""
    path = checkpoint_path()
    with _locked(path.parent):
        made = Checkpoint(seq, hash_, count, now_text())
        _write(path, made, signing_key(create=True))
    return made


def sign_for_backup(seq: int, hash_: str, count: int) -> bytes:
    """A checkpoint for the head a backup holds, signed with this installation's audit key."""
    return (Checkpoint(seq, hash_, count, now_text()).signed_json(signing_key()) + "\n").encode()


# --------------------------------------------------------------------------------------------------
# Scheduling from record(): one write per committed transaction


class _Pending:
    """The on-commit callback of one transaction (or savepoint): remembers the newest entry recorded."""

    def __init__(self, seq: int, hash_: str) -> None:
        self.seq, self.hash = seq, hash_

    def __call__(self) -> None:
        try:
            advance(self.seq, self.hash)
        except (CheckpointInvalid, OSError) as exc:
            # Recording must go on; `mamori audit verify` reports the checkpoint problem.
            log.warning("audit checkpoint not updated to #%s: %s", self.seq, exc)


def schedule(seq: int, hash_: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Anchor entry ``seq`` once its transaction commits, sharing one write per transaction.

    A callback registered at the same savepoint level is reused, so a transaction that records a
    thousand entries writes the file once; one registered inside a savepoint that rolls back is
    discarded by Django together with its entries.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        level = set(connection.savepoint_ids)
        for registered in reversed(connection.run_on_commit):  # (savepoint ids, callback, robust)
            ids, func = registered[0], registered[1]
            if isinstance(func, _Pending) and ids == level:
                func.seq, func.hash = seq, hash_
                return
    transaction.on_commit(_Pending(seq, hash_), using=using, robust=True)


# --------------------------------------------------------------------------------------------------
# Witnesses: heads printed by `mamori audit head` and kept elsewhere


def head_json(seq: int, hash_: str, time: str | None, count: int) -> str:
    return json.dumps({"seq": seq, "hash": hash_, "time": time, "count": count}, sort_keys=True)


def parse_witness(text: str, source: str = "the witness") -> list[Anchor]:
    """Heads from ``mamori audit head`` output: one JSON object, or several, one a line."""
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            seq, hash_ = int(data["seq"]), str(data["hash"]).lower()
            count = int(data.get("count") or seq)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise ValueError(
                f"line {number} is not a head printed by `mamori audit head` "
                '(one JSON object a line with "seq" and "hash")'
            ) from None
        if len(hash_) != 64 or any(c not in "0123456789abcdef" for c in hash_) or seq < 0:
            raise ValueError(f"line {number}: seq must be a number and hash 64 hexadecimal digits")
        anchors.append(Anchor(seq, hash_, count, source))
    if not anchors:
        raise ValueError("no head found (expected the JSON line printed by `mamori audit head`)")
    return anchors


def hashes_at(
    rows: Iterator[Any], wanted: set[int], seq_index: int, hash_index: int
) -> tuple[Iterator[Any], dict[int, str]]:
    """Pass rows through while keeping the hashes of the ``wanted`` sequence numbers (no extra queries)."""
    found: dict[int, str] = {}

    def gen() -> Iterator[Any]:
        for row in rows:
            if row[seq_index] in wanted:
                found[row[seq_index]] = row[hash_index]
            yield row

    return gen(), found
