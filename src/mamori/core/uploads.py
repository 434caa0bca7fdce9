"""Checking an uploaded file before any parser sees it: its size, and for ZIP containers (XLSX, DOCX, ZIP)
what the archive would inflate to.

A 311 KB workbook can inflate to 300 MB inside openpyxl, so ``check_upload`` reads the ZIP central
directory itself (never ``zipfile``'s whole-directory load, which would build one object per entry of a
hostile directory) and refuses, before parsing, an archive that declares too many entries, too many bytes
in all, a compression ratio no office file has, a nested archive, an encrypted entry or a name that
climbs out of its folder. A declared size can lie, so every entry is then inflated in small steps with a
byte cap (its declared size plus one byte, and what is left of the total budget): memory stays bounded
whatever the headers say, and an entry holding more or less than it declares is refused.

Limits come from settings (``MAMORI_UPLOAD_*``, see docs/configuration.md); a refusal is an
``UploadRefused`` — a Django ``ValidationError`` whose message says what is wrong and the limit.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024
RATIO_FLOOR = MB  # smaller entries may compress very well (empty styles, repeated XML); too small to hurt
STEP = 64 * 1024  # bytes inflated per step while measuring an entry
EOCD = struct.Struct("<4s4H2LH")  # end of central directory
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # one central directory entry, before its name
LOCAL = struct.Struct("<4s2B4HL2L2H")  # one local header, before its name
STORED, DEFLATED = 0, 8
ARCHIVE_SUFFIXES = (".zip", ".xlsx", ".xlsm", ".docx", ".pptx", ".jar", ".7z", ".rar", ".gz", ".tgz", ".bz2", ".xz")
ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"\xfd7zXZ")


class UploadRefused(ValidationError):
    """An upload refused before parsing: ``messages[0]`` names the problem and the limit, ``code`` says which
    (too_large, too_large_uncompressed, ratio, too_many_entries, nested, size_lie, bad_name, duplicate_name,
    encrypted, method, damaged) and ``params`` holds the values."""


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_uncompressed: int
    max_ratio: int
    max_entries: int

    @classmethod
    def from_settings(cls) -> UploadLimits:
        return cls(
            max_bytes=settings.MAMORI_UPLOAD_MAX_BYTES,
            max_uncompressed=settings.MAMORI_UPLOAD_MAX_UNCOMPRESSED,
            max_ratio=settings.MAMORI_UPLOAD_MAX_RATIO,
            max_entries=settings.MAMORI_UPLOAD_MAX_ENTRIES,
        )


@dataclass(frozen=True)
class Entry:
    name: str
    method: int
    flags: int
    compressed: int
    uncompressed: int
    local_offset: int


@dataclass(frozen=True)
class ArchiveSummary:
    entries: int
    uncompressed: int


def check_upload(
    source: bytes | BinaryIO | Path, limits: UploadLimits | None = None, allow_nested: bool = False
) -> ArchiveSummary | None:
    """Refuse (``UploadRefused``) an upload that is too large or a ZIP container that could exhaust memory.

    Returns what the archive holds, or None for a file that is not a ZIP container (only its size is checked).
    """
    limits = limits or UploadLimits.from_settings()
    if isinstance(source, Path):
        with source.open("rb") as stream:
            return _check_stream(stream, limits, allow_nested)
    if isinstance(source, bytes | bytearray | memoryview):
        return _check_stream(io.BytesIO(source), limits, allow_nested)
    return _check_stream(source, limits, allow_nested)


def _check_stream(stream: BinaryIO, limits: UploadLimits, allow_nested: bool) -> ArchiveSummary | None:
    size = stream.seek(0, io.SEEK_END)
    if size > limits.max_bytes:
        _refuse(
            "too_large", _("The file is %(size)s; the limit is %(limit)s."), size=_mb(size), limit=_mb(limits.max_bytes)
        )
    stream.seek(0)
    if stream.read(4) not in (b"PK\x03\x04", b"PK\x05\x06") and not zipfile.is_zipfile(stream):
        return None  # not a ZIP container (zipfile also finds one behind a prepended stub)
    entries = list(_directory(stream, size, limits))
    total = _check_entries(entries, size, limits, allow_nested)
    _measure(stream, entries, _concat(stream, size), limits, allow_nested)
    stream.seek(0)
    return ArchiveSummary(len(entries), total)


def _refuse(code: str, message: str, **params: object) -> NoReturn:
    raise UploadRefused(message, code=code, params=params)


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB // 10 else _("%(count)s bytes") % {"count": f"{size:,}"}


def _damaged(detail: str) -> NoReturn:
    _refuse("damaged", _("The archive is damaged or not a valid ZIP file (%(detail)s)."), detail=detail)


# ---------------------------------------------------------------------------------------------- the directory


def _end_record(stream: BinaryIO, size: int) -> tuple[int, int, int, int]:
    """(entries, directory size, directory offset as declared, where the directory really ends)."""
    tail_start = max(0, size - EOCD.size - 0xFFFF)
    stream.seek(tail_start)
    tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < EOCD.size:
        _damaged("no end of central directory")
    _sig, _disk, _cd_disk, _here, count, cd_size, cd_offset, _comment = EOCD.unpack_from(tail, at)
    end = tail_start + at
    if at >= ZIP64_LOCATOR.size and tail[at - ZIP64_LOCATOR.size : at - ZIP64_LOCATOR.size + 4] == b"PK\x06\x07":
        _sig, _disk, _z64_offset, _disks = ZIP64_LOCATOR.unpack_from(tail, at - ZIP64_LOCATOR.size)
        end = tail_start + at - ZIP64_LOCATOR.size - ZIP64_EOCD.size
        stream.seek(end)
        record = stream.read(ZIP64_EOCD.size)
        if len(record) < ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
            _damaged("bad ZIP64 end record")
        _s, _n, _v1, _v2, _d1, _d2, _here64, count, cd_size, cd_offset = ZIP64_EOCD.unpack(record)
    return count, cd_size, cd_offset, end


def _concat(stream: BinaryIO, size: int) -> int:
    """Bytes prepended before the archive (a self-extracting stub): added to every declared offset."""
    _count, cd_size, cd_offset, end = _end_record(stream, size)
    return end - cd_size - cd_offset


def _directory(stream: BinaryIO, size: int, limits: UploadLimits) -> Iterator[Entry]:
    """Central directory entries, read one at a time; stops at the entry limit whatever the end record says."""
    count, cd_size, _cd_offset, end = _end_record(stream, size)
    if count > limits.max_entries:
        _too_many(limits)
    start = end - cd_size
    if start < 0:
        _damaged("central directory outside the file")
    stream.seek(start)
    seen = 0
    while stream.tell() < end:
        entry = _central_entry(stream)
        seen += 1
        if seen > limits.max_entries:
            _too_many(limits)
        yield entry


def _too_many(limits: UploadLimits) -> NoReturn:
    _refuse(
        "too_many_entries",
        _("The archive holds more than %(limit)d files; the limit is %(limit)d."),
        limit=limits.max_entries,
    )


def _central_entry(stream: BinaryIO) -> Entry:
    fixed = stream.read(CENTRAL.size)
    if len(fixed) < CENTRAL.size or fixed[:4] != b"PK\x01\x02":
        _damaged("bad central directory entry")
    (_sig, _v1, _s1, _v2, _s2, flags, method, _t, _d, _crc, compressed, uncompressed) = CENTRAL.unpack(fixed)[:12]
    name_len, extra_len, comment_len, _disk, _iattr, _eattr, offset = CENTRAL.unpack(fixed)[12:]
    raw_name = stream.read(name_len)
    extra = stream.read(extra_len)
    stream.seek(comment_len, io.SEEK_CUR)
    uncompressed, compressed, offset = _zip64_sizes(extra, uncompressed, compressed, offset)
    name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
    return Entry(name, method, flags, compressed, uncompressed, offset)


def _zip64_sizes(extra: bytes, uncompressed: int, compressed: int, offset: int) -> tuple[int, int, int]:
    """Sizes and offset from the ZIP64 extra field, for those the fixed header marks as 0xFFFFFFFF."""
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, at)
        if kind == 1:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, at + 4))
            if uncompressed == 0xFFFFFFFF and values:
                uncompressed = values.pop(0)
            if compressed == 0xFFFFFFFF and values:
                compressed = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
        at += 4 + length
    return uncompressed, compressed, offset


# ---------------------------------------------------------------------------------------------- the checks


def _check_entries(entries: list[Entry], size: int, limits: UploadLimits, allow_nested: bool) -> int:
    names: set[str] = set()
    total = 0
    for entry in entries:
        _check_name(entry.name, names)
        if entry.flags & 0x1:
            _refuse(
                "encrypted",
                _("The archive holds an encrypted file (%(name)s), which cannot be checked."),
                name=entry.name,
            )
        if not allow_nested and entry.name.lower().endswith(ARCHIVE_SUFFIXES):
            _nested(entry.name)
        total += entry.uncompressed
    if total > limits.max_uncompressed:
        _refuse(
            "too_large_uncompressed",
            _("The archive would inflate to %(size)s; the limit is %(limit)s."),
            size=_mb(total),
            limit=_mb(limits.max_uncompressed),
        )
    for entry in entries:
        _check_ratio(entry.name, entry.uncompressed, entry.compressed, limits)
    _check_ratio("", total, size, limits)
    return total


def _check_name(name: str, names: set[str]) -> None:
    """Names that point outside the archive's folder or that a parser could confuse with another entry."""
    parts = name.replace("\\", "/").split("/")
    tricky = (
        not name
        or "\\" in name
        or "\x00" in name
        or any(ord(c) < 32 for c in name)
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or ".." in parts
    )
    if tricky:
        _refuse("bad_name", _("The archive holds a file with an unsafe name: %(name)s"), name=repr(name)[1:-1][:200])
    if name in names:
        _refuse("duplicate_name", _("The archive holds two files named %(name)s."), name=name[:200])
    names.add(name)


def _check_ratio(name: str, uncompressed: int, compressed: int, limits: UploadLimits) -> None:
    if uncompressed <= RATIO_FLOOR or uncompressed <= compressed * limits.max_ratio:
        return
    ratio = uncompressed // max(compressed, 1)
    if name:
        message = _("The file %(name)s in the archive is compressed %(ratio)d:1; the limit is %(limit)d:1.")
    else:
        message = _("The archive is compressed %(ratio)d:1 overall; the limit is %(limit)d:1.")
    _refuse("ratio", message, name=name[:200], ratio=ratio, limit=limits.max_ratio)


def _nested(name: str) -> NoReturn:
    _refuse(
        "nested", _("The archive holds another archive (%(name)s); nested archives are not accepted."), name=name[:200]
    )


def _measure(stream: BinaryIO, entries: list[Entry], concat: int, limits: UploadLimits, allow_nested: bool) -> None:
    """Inflate every entry with a byte cap: what it really holds must be what it declares."""
    budget = limits.max_uncompressed
    for entry in entries:
        stream.seek(entry.local_offset + concat)
        local = stream.read(LOCAL.size)
        if len(local) < LOCAL.size or local[:4] != b"PK\x03\x04":
            _damaged(f"bad local header for {entry.name[:200]}")
        name_len, extra_len = LOCAL.unpack(local)[-2:]
        stream.seek(name_len + extra_len, io.SEEK_CUR)
        held, head = _inflated_size(stream, entry, min(entry.uncompressed, budget) + 1)
        if held > entry.uncompressed:
            _refuse(
                "size_lie",
                _("The file %(name)s in the archive declares %(declared)s but holds more."),
                name=entry.name[:200],
                declared=_mb(entry.uncompressed),
            )
        if held < entry.uncompressed:
            _refuse(
                "size_lie",
                _("The file %(name)s in the archive declares %(declared)s but holds only %(held)s."),
                name=entry.name[:200],
                declared=_mb(entry.uncompressed),
                held=_mb(held),
            )
        if not allow_nested and head.startswith(ARCHIVE_MAGIC):
            _nested(entry.name)
        budget -= held


def _inflated_size(stream: BinaryIO, entry: Entry, cap: int) -> tuple[int, bytes]:
    """Bytes the entry inflates to, stopping once past ``cap``; and its first bytes (to spot archives)."""
    if entry.method == STORED:
        head = stream.read(min(8, entry.compressed))
        return entry.compressed, head
    if entry.method != DEFLATED:
        _refuse(
            "method",
            _("The file %(name)s in the archive uses an unsupported compression method."),
            name=entry.name[:200],
        )
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, held, head = entry.compressed, 0, b""
    try:
        while held < cap and not inflater.eof:
            chunk = inflater.unconsumed_tail or stream.read(min(STEP, left))
            if not inflater.unconsumed_tail:
                left -= len(chunk)
                if not chunk:
                    break
            out = inflater.decompress(chunk, STEP)
            head = head or out[:8]
            held += len(out)
    except zlib.error as error:
        _damaged(f"{entry.name[:200]}: {error}")
    return held, head
