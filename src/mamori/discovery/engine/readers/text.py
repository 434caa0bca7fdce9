"""Plain text: handed on in overlapping chunks with line and offset.

Files in an encoding where every byte below 0x80 is an ASCII character (UTF-8, Shift_JIS/CP932,
EUC-JP) are cut into chunks as bytes; a chunk that is all ASCII goes on undecoded (an
:class:`AsciiChunk`), any other is decoded. Other encodings (UTF-16, UTF-32, ...) are decoded
incrementally first.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from ..types import AsciiChunk, LineCounter, TextUnit
from .common import Context
from .encoding import ADAPTIVE, codec_after_ascii

READ_BLOCK = 1024**2  # bytes read from the stream at a time


def decoded_pieces(stream: BinaryIO, codec: str) -> Iterator[str]:
    """Decode ``stream`` block by block; undecodable bytes become U+FFFD instead of stopping."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    # read1: at most one read of the underlying stream, so little is lost if it then fails
    read = getattr(stream, "read1", stream.read)
    while True:
        data = read(READ_BLOCK)
        if not data:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        text = decoder.decode(data)
        if text:
            yield text


def text_stream(stream: BinaryIO, codec: str) -> io.TextIOWrapper:
    """A text view of ``stream`` for line-based readers (CSV, JSON Lines, SQL)."""
    return io.TextIOWrapper(stream, encoding=codec, errors="replace", newline="")


def chunk_units(pieces: Iterable[str], ctx: Context) -> Iterator[TextUnit]:
    """Group decoded text into chunks of about ``chunk_size`` characters.

    Each chunk after the first repeats the last ``chunk_overlap`` characters of the previous one,
    so a value that crosses a boundary appears whole in one unit. A chunk is cut at a line end in
    its last half when there is one, so that most values never straddle a cut at all.
    """
    size = max(ctx.limits.chunk_size, 2)
    overlap = min(max(ctx.limits.chunk_overlap, 0), size // 2)
    buf = ""
    pos = 0  # start of the not yet emitted (or overlap) text in buf
    offset = 0  # character offset of buf[pos] in the decoded file
    line = 1  # line number of buf[pos]
    failure: Exception | None = None
    source = iter(pieces)
    while True:
        try:
            piece = next(source)
        except StopIteration:
            break
        except Exception as exc:  # truncated input: hand on what was decoded, then report
            failure = exc
            break
        buf = buf[pos:] + piece
        pos = 0
        while len(buf) - pos >= size:
            end = pos + size
            cut = buf.rfind("\n", pos + size // 2, end) + 1 or end
            yield TextUnit(text=buf[pos:cut], path=ctx.display, line=line, offset=offset)
            start = max(cut - overlap, pos + 1)
            line += buf.count("\n", pos, start)
            offset += start - pos
            pos = start
    rest = len(buf) - pos
    if rest and (offset == 0 or rest > overlap):
        yield TextUnit(text=buf[pos:], path=ctx.display, line=line, offset=offset)
    if failure is not None:
        raise failure


# Encodings in which bytes that are all below 0x80 are plain ASCII text (multi-byte characters always
# start at 0x80 or above), and a byte below 0x40 (digits, space, newline, most punctuation) is never
# part of a multi-byte character (Shift_JIS trailing bytes start at 0x40): right after one is always
# a character boundary, and a newline byte always ends a line.
ASCII_SAFE = frozenset({"utf-8", "utf-8-sig", ADAPTIVE, "ascii", "cp932", "shift_jis", "euc_jp"})


def read_text(stream: BinaryIO, codec: str, ctx: Context) -> Iterator[TextUnit | AsciiChunk]:
    name = codecs.lookup(codec).name
    if name in ASCII_SAFE:
        return chunk_bytes(stream, name, ctx)
    return chunk_units(decoded_pieces(stream, codec), ctx)


def chunk_bytes(stream: BinaryIO, codec: str, ctx: Context) -> Iterator[TextUnit | AsciiChunk]:
    """``chunk_units`` for an ASCII-safe encoding, cutting the bytes rather than decoded text.

    The overlap is four bytes per character of ``chunk_overlap`` (no character takes more), and
    chunks and overlaps start at character boundaries.
    """
    size = max(ctx.limits.chunk_size, 2)
    overlap = min(4 * max(ctx.limits.chunk_overlap, 0), size // 2)
    decode = _ChunkDecoder(codec)
    source = _ChunkSource(stream, size, ctx.size)
    if codec == "utf-8-sig":
        stream.read(3)  # the byte-order mark
    tail = b""  # what the next chunk starts with: the overlap and anything after the last cut
    carried = 0  # bytes of tail already handed on
    offset, line = 0, 1
    while True:
        buf = source.next_buffer(tail)
        if len(buf) <= carried:
            break
        ascii_only = buf.isascii()
        if not ascii_only:
            decode.settle(buf)
        cut = len(buf) if source.eof else decode.cut(buf, size, ascii_only)
        rest = bytes(buf[cut:])
        del buf[cut:]
        ascii_only = ascii_only or buf.isascii()
        if ascii_only:
            chunk = AsciiChunk(data=buf, path=ctx.display, line=line, offset=offset)
            yield chunk
            lines = chunk.lines
        else:
            yield TextUnit(text=decode(buf), path=ctx.display, line=line, offset=offset)
            lines = LineCounter(buf, line)
        if source.eof:
            break
        start = decode.boundary_before(buf, max(cut - overlap, 1), cut, ascii_only)
        line = lines.at(start)
        offset += start if ascii_only else len(decode(buf[:start]))
        tail, carried = bytes(buf[start:]) + rest, cut - start
    if source.failure is not None:
        raise source.failure


class _ChunkSource:
    """Reads a stream into a fresh buffer per chunk (copying 100 MB costs about as much here as searching
    it, so bytes go straight from the file into the buffer the detectors search)."""

    def __init__(self, stream: BinaryIO, size: int, expected: int | None) -> None:
        self._readinto = _read_into(stream)
        self._size = size
        self._left = expected  # bytes still to come, when known: a small file gets a small buffer
        self.eof = False
        self.failure: Exception | None = None  # a truncated input: what was read is handed on first

    def next_buffer(self, tail: bytes) -> bytearray:
        """``tail`` followed by up to ``size`` bytes in all from the stream."""
        size = self._size
        want = size - len(tail) if self._left is None else min(size - len(tail), self._left + 1)  # +1 sees the end
        buf = bytearray(len(tail) + max(want, 1))
        buf[: len(tail)] = tail
        filled = len(tail)
        while not self.eof and filled < size:
            if filled == len(buf):  # the file grew after its size was taken
                buf.extend(bytes(min(size - filled, READ_BLOCK)))
            filled += self._read(memoryview(buf)[filled:])
        del buf[filled:]
        return buf

    def _read(self, view: memoryview) -> int:
        try:
            got = self._readinto(view) or 0
        except Exception as exc:
            self.failure, got = exc, 0
        finally:
            view.release()  # the failure's traceback holds this frame: the buffer must stay resizable
        self.eof = not got
        if self._left is not None:
            self._left = max(self._left - got, 0)
        return got


def _read_into(stream: BinaryIO) -> Callable[[memoryview], int | None]:
    """The stream's ``readinto1``: one read of the layer below per call, so little is lost if it then fails."""
    for name in ("readinto1", "readinto"):
        method: Callable[[memoryview], int | None] | None = getattr(stream, name, None)
        if method is not None:
            return method

    def read_into(view: memoryview) -> int:
        data = stream.read(len(view))
        view[: len(data)] = data
        return len(data)

    return read_into


# How far back to look for a character boundary before giving up (text without digits, spaces or
# punctuation for this long is not text a person reads).
_BOUNDARY_SEARCH = 4096


class _ChunkDecoder:
    """Decodes the chunks of one file, and finds where they may be cut."""

    def __init__(self, codec: str) -> None:
        self.codec = "utf-8" if codec == "utf-8-sig" else codec

    def settle(self, data: bytes | bytearray) -> None:
        """Decide the encoding of a file that began as ASCII by its first other bytes, in ``data``."""
        if self.codec == ADAPTIVE:
            self.codec = codec_after_ascii(data)

    def __call__(self, data: bytes | bytearray) -> str:
        self.settle(data)
        return data.decode(self.codec, errors="replace")

    def cut(self, buf: bytearray, size: int, ascii_only: bool) -> int:
        """Where a chunk of at most ``size`` bytes ends: after a line in its second half if there is one."""
        newline = buf.rfind(b"\n", size // 2, size)
        return newline + 1 if newline >= 0 else self.boundary_before(buf, size, size, ascii_only)

    def boundary_before(self, buf: bytearray, at: int, default: int, ascii_only: bool) -> int:
        """The last character boundary at or shortly before ``at`` (above 0): any offset in ASCII; in UTF-8 one
        not on a continuation byte; in the others one just after a byte below 0x40. ``default`` if none is near."""
        if ascii_only:
            return at
        lowest = max(at - _BOUNDARY_SEARCH, 0)
        if self.codec == "utf-8":
            for i in range(min(at, len(buf) - 1), lowest, -1):
                if buf[i] & 0xC0 != 0x80:
                    return i
        else:
            for i in range(at, lowest, -1):
                if buf[i - 1] < 0x40:
                    return i
        return default
