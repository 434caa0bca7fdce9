"""The locker's files: content-addressed, streamed, encrypted with an authenticated streaming format."""

from __future__ import annotations

import os
import stat

import pytest

from mamori.core import keys
from mamori.evidence import storage

MIB = 1024 * 1024


def chunks_of(data: bytes, size: int = 300_000):
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize("encrypt", [False, True])
def test_what_is_stored_is_read_back_with_its_hash(settings, encrypt):
    # given: 2.5 MiB in odd-sized pieces (three encrypted chunks, the last a short one)
    data = os.urandom(2 * MIB + MIB // 2)
    # when
    blob = storage.write_stream(chunks_of(data), encrypt=encrypt)
    # then
    import hashlib

    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    assert blob.encrypted is encrypt
    assert b"".join(storage.read_stream(blob.blob_name, encrypt)) == data


def test_identical_content_is_stored_once(settings):
    # given
    first = storage.write_stream([b"same bytes"], encrypt=True)
    # when
    second = storage.write_stream([b"same ", b"bytes"], encrypt=True)
    # then
    assert first == second
    assert list(storage.all_blob_names()) == [first.blob_name]
    assert not list((storage.root() / "tmp").iterdir())


def test_folders_are_0700_and_files_0600(settings):
    # when
    blob = storage.write_stream([b"x"], encrypt=False)
    # then
    path = storage.path_of(blob.blob_name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(storage.root().stat().st_mode) == 0o700


def test_an_empty_file_is_stored_and_read(settings):
    blob = storage.write_stream([], encrypt=True)
    assert blob.size == 0
    assert b"".join(storage.read_stream(blob.blob_name, True)) == b""


def test_the_encrypted_file_does_not_hold_the_plaintext(settings):
    # given
    secret = b"4111111111111111 " * 1000
    # when
    blob = storage.write_stream([secret], encrypt=True)
    # then
    raw = storage.path_of(blob.blob_name).read_bytes()
    assert b"4111111111111111" not in raw
    assert raw.startswith(storage.MAGIC)


def test_too_large_stores_nothing(settings):
    with pytest.raises(storage.TooLarge):
        storage.write_stream(chunks_of(b"x" * 2000, 100), encrypt=False, max_bytes=1000)
    assert list(storage.all_blob_names()) == []
    assert not list((storage.root() / "tmp").iterdir())


def _flip(path, offset: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("where", ["header", "first chunk", "last chunk", "flag"])
def test_one_changed_byte_is_detected(settings, where):
    # given: three chunks
    blob = storage.write_stream([os.urandom(2 * MIB + 10)], encrypt=True)
    path = storage.path_of(blob.blob_name)
    size = path.stat().st_size
    offset = {
        "header": 12,
        "first chunk": storage.HEADER_BYTES + storage.RECORD_HEAD.size + 100,
        "last chunk": size - 3,
        "flag": storage.HEADER_BYTES,
    }[where]
    # when
    _flip(path, offset)
    # then
    with pytest.raises(storage.BlobTampered):
        b"".join(storage.read_stream(blob.blob_name, True))


def test_chunks_cannot_be_dropped_reordered_or_cut_off(settings):
    # given: two full chunks and a short last one
    blob = storage.write_stream([os.urandom(2 * MIB + 10)], encrypt=True)
    path = storage.path_of(blob.blob_name)
    raw = path.read_bytes()
    record = storage.RECORD_HEAD.size + storage.CHUNK + storage.TAG_BYTES
    header, first, second, last = (
        raw[: storage.HEADER_BYTES],
        raw[storage.HEADER_BYTES : storage.HEADER_BYTES + record],
        raw[storage.HEADER_BYTES + record : storage.HEADER_BYTES + 2 * record],
        raw[storage.HEADER_BYTES + 2 * record :],
    )
    for changed in (header + second + first + last, header + first + last, header + first + second, raw + b"x"):
        # when
        path.write_bytes(changed)
        # then
        with pytest.raises(storage.BlobTampered):
            b"".join(storage.read_stream(blob.blob_name, True))


def test_without_the_key_an_encrypted_file_cannot_be_read(settings, monkeypatch):
    # given: written under one key
    blob = storage.write_stream([b"preserved copy"], encrypt=True)
    # when: another key is in use
    monkeypatch.setenv("MAMORI_EVIDENCE_KEY", "ab" * 32)
    # then
    with pytest.raises(storage.BlobTampered, match="evidence key"):
        b"".join(storage.read_stream(blob.blob_name, True))
    # and with the key file gone in production, nothing is made up: the key is missing
    monkeypatch.delenv("MAMORI_EVIDENCE_KEY")
    storage.EVIDENCE_KEY.path().unlink()
    settings.MAMORI_CREATE_KEYS = False
    with pytest.raises(keys.KeyProblem, match="MAMORI_EVIDENCE_KEY"):
        b"".join(storage.read_stream(blob.blob_name, True))


def test_the_right_key_from_the_environment_decrypts(settings, monkeypatch):
    # given
    monkeypatch.setenv("MAMORI_EVIDENCE_KEY", "cd" * 32)
    blob = storage.write_stream([b"preserved copy"], encrypt=True)
    # when: the same key again (the process restarted)
    monkeypatch.setenv("MAMORI_EVIDENCE_KEY", "CD" * 32)
    # then
    assert b"".join(storage.read_stream(blob.blob_name, True)) == b"preserved copy"


def test_a_missing_file_is_named(settings):
    blob = storage.write_stream([b"x"], encrypt=False)
    storage.remove(blob.blob_name)
    with pytest.raises(storage.BlobMissing):
        storage.read_stream(blob.blob_name, False)


def test_only_locker_names_are_opened(settings):
    with pytest.raises(ValueError):
        storage.path_of("../../keys/secrets.key")
