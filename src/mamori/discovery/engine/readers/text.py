"""Plain text: decoded incrementally and handed on in overlapping chunks with line and offset."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ..types import TextUnit
from .common import Context

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


def read_text(stream: BinaryIO, codec: str, ctx: Context) -> Iterator[TextUnit]:
    return chunk_units(decoded_pieces(stream, codec), ctx)
