"""ZIP, TAR and gzip/bzip2/xz streams, read recursively in memory with limits against bombs.

Members are streamed to the format readers and never extracted to disk. Limits (ReadLimits):
nesting depth, member count and total inflated bytes per outermost archive, and the compression
ratio of each member. A member shows as ``outer.zip!dir/inner.csv``; a compression layer adds no
part to the path (``logs.tar.gz!app.log``).
"""

from __future__ import annotations

import bz2
import dataclasses
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

from ..types import FileProblem
from .common import (
    RATIO_FLOOR,
    ArchiveLimitError,
    Budget,
    Context,
    CountingStream,
    ReadError,
    Units,
    buffered,
    human_size,
)

DECOMPRESSORS: dict[str, Callable[[], Any]] = {
    "gzip": lambda: zlib.decompressobj(wbits=16 + zlib.MAX_WBITS),
    "bz2": bz2.BZ2Decompressor,
    "xz": lzma.LZMADecompressor,
}
LABELS = {"gzip": "gzip", "bz2": "bzip2", "xz": "xz"}
INPUT_BLOCK = 64 * 1024
MAX_OUTPUT_STEP = 256 * 1024  # decompressed bytes produced per step, so a bomb is caught early


class Decompressing(io.RawIOBase):
    """Streams a gzip/bzip2/xz file (several concatenated members too) through its decompressor.

    Unlike GzipFile it hands on everything decoded before a truncation and only then reports it,
    so the readable part of a log cut off mid-write is still scanned.
    """

    def __init__(self, raw: BinaryIO, kind: str) -> None:
        super().__init__()
        self._raw = raw
        self._kind = kind
        self._dec = DECOMPRESSORS[kind]()
        self._pending = b""  # compressed input not yet given to the decompressor
        self._started = False
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while True:
            data = self._step(min(len(b), MAX_OUTPUT_STEP))
            if data is None:
                return 0
            if data:
                b[: len(data)] = data
                return len(data)

    def _step(self, size: int) -> bytes | None:
        """Some output; b"" when more input is needed; None at the clean end of the stream."""
        if self._dec.eof:
            rest = self._dec.unused_data + self._pending
            self._pending = b""
            if not rest.strip(b"\0"):
                rest = self._raw.read(INPUT_BLOCK)
                self.consumed += len(rest)
                if not rest.strip(b"\0"):
                    return None
            self._dec = DECOMPRESSORS[self._kind]()  # the next concatenated member
            self._pending = rest
        if not self._pending and self._needs_input():
            self._pending = self._raw.read(INPUT_BLOCK)
            self.consumed += len(self._pending)
            if not self._pending:
                raise EOFError("compressed data ends before its end-of-stream marker")
        return self._decompress(size)

    def _needs_input(self) -> bool:
        if isinstance(self._dec, bz2.BZ2Decompressor | lzma.LZMADecompressor):
            return bool(self._dec.needs_input)
        return not self._dec.unconsumed_tail

    def _decompress(self, size: int) -> bytes:
        if isinstance(self._dec, bz2.BZ2Decompressor | lzma.LZMADecompressor):
            out = self._dec.decompress(self._pending, max_length=size)
            self._pending = b""
            return bytes(out)
        data = self._pending or self._dec.unconsumed_tail
        self._pending = b""
        return bytes(self._dec.decompress(data, size))


SUFFIXES = {".gz": "", ".tgz": ".tar", ".bz2": "", ".tbz2": ".tar", ".xz": "", ".txz": ".tar"}


def read_compressed(kind: str, stream: BinaryIO, ctx: Context) -> Units:
    """A single compressed stream: its content is read as if it were the file itself."""
    inner_ctx, problems = enter_container(ctx)
    yield from problems
    if inner_ctx is not None:
        decompressor = Decompressing(stream, kind)
        counted = CountingStream(
            decompressor,  # type: ignore[arg-type]
            inner_ctx,
            LABELS[kind],
            compressed=lambda: decompressor.consumed,
        )
        member_ctx = dataclasses.replace(inner_ctx, name=_strip_suffix(ctx.name), compressed=True, size=None)
        yield from _guarded(buffered(counted), member_ctx, ctx)


def read_tar(stream: BinaryIO, ctx: Context) -> Units:
    inner_ctx, problems = enter_container(ctx, same_level=ctx.compressed)
    yield from problems
    if inner_ctx is not None:
        try:
            tar = tarfile.open(fileobj=stream, mode="r|")  # noqa: SIM115 - stream mode, closed below
        except (tarfile.TarError, EOFError, OSError) as exc:
            yield FileProblem(ctx.display, f"not a readable tar archive ({exc})")
            return
        try:
            yield from _tar_members(tar, inner_ctx, ctx)
        except (tarfile.TarError, EOFError) as exc:
            yield FileProblem(ctx.display, f"tar archive is truncated or corrupt ({exc}); rest not read")
        finally:
            tar.close()


def _tar_members(tar: tarfile.TarFile, inner_ctx: Context, ctx: Context) -> Units:
    for member in tar:
        if not member.isfile():
            continue  # directories, links and devices hold no data of their own
        count_member(inner_ctx, member.name)
        extracted = tar.extractfile(member)
        if extracted is None:
            continue
        member_ctx = member_context(inner_ctx, member.name, member.size)
        counted = CountingStream(extracted, member_ctx, "tar member")  # type: ignore[arg-type]
        yield from _guarded(buffered(counted), member_ctx, ctx)


def read_zip_family(stream: BinaryIO, ctx: Context) -> Units:
    """A zip file: an XLSX workbook, a DOCX document, or an archive of members."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield FileProblem(ctx.display, f"not a readable zip file ({exc})")
        return
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" in names or "word/document.xml" in names:
            bomb = next((i for i in archive.infolist() if _declared_bomb(i, ctx)), None)
            if bomb is not None:
                yield FileProblem(ctx.display, _bomb_message(bomb, ctx))
                return
            if "xl/workbook.xml" in names:
                from .xlsx import read_xlsx

                stream.seek(0)
                yield from read_xlsx(stream, ctx)
            else:
                from .docx import read_docx

                yield from read_docx(archive, ctx)
            return
        yield from _zip_members(archive, ctx)


def _zip_members(archive: zipfile.ZipFile, ctx: Context) -> Units:
    inner_ctx, problems = enter_container(ctx)
    yield from problems
    if inner_ctx is not None:
        for info in archive.infolist():
            if info.is_dir():
                continue
            count_member(inner_ctx, info.filename)
            member_ctx = member_context(inner_ctx, info.filename, info.file_size)
            if info.flag_bits & 0x1:
                yield FileProblem(member_ctx.display, "encrypted zip member: not read")
                continue
            if _declared_bomb(info, ctx):
                yield FileProblem(member_ctx.display, _bomb_message(info, ctx))
                continue
            try:
                raw = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
                yield FileProblem(member_ctx.display, f"cannot open zip member ({exc})")
                continue
            with raw:
                packed = info.compress_size
                counted = CountingStream(
                    raw,  # type: ignore[arg-type]
                    member_ctx,
                    "zip member",
                    compressed=lambda p=packed: p,  # type: ignore[misc]
                )
                yield from _guarded(buffered(counted), member_ctx, ctx)


def enter_container(ctx: Context, same_level: bool = False) -> tuple[Context | None, list[FileProblem]]:
    """Check the depth limit and give members a context sharing the outermost archive's budget."""
    depth = ctx.depth if same_level else ctx.depth + 1
    if depth > ctx.limits.max_archive_depth:
        message = (
            f"nested archive not opened: depth {depth} exceeds the limit of "
            f"{ctx.limits.max_archive_depth} (max_archive_depth)"
        )
        return None, [FileProblem(ctx.display, message)]
    budget = ctx.budget if ctx.budget is not None else Budget()
    return dataclasses.replace(ctx, depth=depth, budget=budget), []


def _guarded(stream: BinaryIO, member_ctx: Context, owner: Context) -> Units:
    """Read a member through the dispatcher (archive-wide limits propagate to the top level)."""
    from .dispatch import read_stream

    del owner
    yield from read_stream(stream, member_ctx)


def member_context(ctx: Context, name: str, size: int | None) -> Context:
    return dataclasses.replace(ctx, display=f"{ctx.display}!{name}", name=name, size=size, compressed=False)


def count_member(ctx: Context, name: str) -> None:
    budget = ctx.budget
    assert budget is not None
    budget.members += 1
    if budget.members > ctx.limits.max_archive_members:
        raise ArchiveLimitError(
            f"{ctx.display}!{name}",
            f"archive has more than {ctx.limits.max_archive_members} members (max_archive_members); "
            "rest of the archive not read",
        )


def _declared_bomb(info: zipfile.ZipInfo, ctx: Context) -> bool:
    ratio = info.file_size / max(info.compress_size, 1)
    return info.file_size > RATIO_FLOOR and ratio > ctx.limits.max_compression_ratio


def _bomb_message(info: zipfile.ZipInfo, ctx: Context) -> str:
    ratio = info.file_size / max(info.compress_size, 1)
    return (
        f"member {info.filename} inflates {human_size(info.compress_size)} to {human_size(info.file_size)} "
        f"(ratio {ratio:.0f}:1, above max_compression_ratio {ctx.limits.max_compression_ratio}): "
        "treated as an archive bomb, not read"
    )


def _strip_suffix(name: str) -> str:
    lower = name.lower()
    for suffix, replacement in SUFFIXES.items():
        if lower.endswith(suffix):
            return name[: len(name) - len(suffix)] + replacement
    return name


__all__ = [
    "ReadError",
    "count_member",
    "enter_container",
    "member_context",
    "read_compressed",
    "read_tar",
    "read_zip_family",
]
