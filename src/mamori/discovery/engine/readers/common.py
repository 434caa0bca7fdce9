"""Pieces every reader shares: the read context, archive budgets and size formatting."""

from __future__ import annotations

import io
import lzma
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from ..types import AsciiChunk, FileProblem, ReadLimits, TextUnit

# Paths are written with `/` only (not Windows): the fast paths build and cut path texts themselves.
SLASH_PATHS = os.sep == "/" and os.altsep is None

Item = TextUnit | AsciiChunk | FileProblem
Units = Iterator[Item]

# Below this many inflated bytes a high compression ratio is harmless (a small file of zeros
# compresses 1000:1), so the ratio check only starts once a member has grown past it.
RATIO_FLOOR = 1024**2

# How much of a stream the sniffer and the encoding detector look at.
SAMPLE_SIZE = 64 * 1024


class ReadError(Exception):
    """A problem that ends reading of one file or member; the message is shown to the user."""


class ArchiveLimitError(ReadError):
    """An archive exceeded a configured safety limit; the whole archive stops being read."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


class MemberLimitError(ReadError):
    """One archive member looks like a bomb (compression ratio); the other members are still read."""


@dataclass
class Budget:
    """Counts shared by every member of one outermost archive."""

    members: int = 0
    total: int = 0


@dataclass(frozen=True)
class Context:
    """Where a stream sits: its display path, archive depth and the archive budget it draws on."""

    limits: ReadLimits
    display: str
    name: str  # file or member name, for the extension
    depth: int = 0
    budget: Budget | None = field(default=None, compare=False)
    size: int | None = None  # byte size when known (files, archive members)
    compressed: bool = False  # the output of a gzip/bz2/xz layer: a tar inside is the same level


def human_size(n: float) -> str:
    """``3.1 GB`` style sizes (binary multiples, as the limits are configured)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            if unit == "bytes":
                return f"{int(n)} bytes"
            text = f"{n:.1f}"
            return f"{text.removesuffix('.0')} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


class CountingStream(io.RawIOBase):
    """Wraps a decompressing stream and stops it when an archive limit is crossed.

    ``compressed`` (a callable returning the compressed bytes consumed so far, or None) enables the
    ratio check; ``budget`` the per-archive total. Reported as not seekable, so that readers needing
    random access read small members into memory instead of rewinding a decompressor.
    """

    def __init__(
        self,
        raw: BinaryIO,
        ctx: Context,
        label: str,
        compressed: Callable[[], int] | None = None,
    ) -> None:
        super().__init__()
        self._raw = raw
        self._ctx = ctx
        self._label = label
        self._compressed = compressed
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._raw.read(len(b))
        except ReadError:
            raise
        except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
            raise ReadError(
                f"{self._label} data is truncated or corrupt after {human_size(self.count)} of output ({exc})"
            ) from None
        n = len(data)
        b[:n] = data
        self._account(n)
        return n

    def _account(self, n: int) -> None:
        self.count += n
        limits = self._ctx.limits
        budget = self._ctx.budget
        if budget is not None:
            budget.total += n
            if budget.total > limits.max_archive_total:
                raise ArchiveLimitError(
                    self._ctx.display,
                    f"archive inflates beyond the {human_size(limits.max_archive_total)} limit "
                    "(max_archive_total); rest of the archive not read",
                )
        if self._compressed is not None and self.count > RATIO_FLOOR:
            packed = max(self._compressed(), 1)
            if self.count / packed > limits.max_compression_ratio:
                raise MemberLimitError(
                    f"compression ratio above {limits.max_compression_ratio}:1 (max_compression_ratio; "
                    f"{human_size(self.count)} from {human_size(packed)}): treated as an archive bomb, not read"
                )


class ConsumedCounter(io.RawIOBase):
    """Counts how many compressed bytes a decompressor has pulled from its input."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        return n


class ReplayStream(io.RawIOBase):
    """Returns ``head`` (already read for sniffing) and then the rest of ``raw``."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._pos = 0
        self._raw = raw
        # one read of the layer below per call, so a failure loses as little as possible
        self._read1 = getattr(raw, "read1", raw.read)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._pos < len(self._head):
            n = min(len(b), len(self._head) - self._pos)
            b[:n] = self._head[self._pos : self._pos + n]
            self._pos += n
            return n
        data = self._read1(len(b))
        n = len(data)
        b[:n] = data
        return n


def buffered(raw: io.RawIOBase, size: int = 1024**2) -> BinaryIO:
    return io.BufferedReader(raw, buffer_size=size)


def read_head(stream: BinaryIO, size: int = SAMPLE_SIZE) -> bytes:
    """Read up to ``size`` bytes, looping because decompressors may return short reads."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        data = stream.read(left)
        if not data:
            break
        parts.append(data)
        left -= len(data)
    return b"".join(parts)
