"""Routing a stream to the reader for its format, and turning failures into FileProblems."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

from ..native import plain_text
from ..types import AsciiChunk, FileProblem, ReadLimits
from .common import (
    SAMPLE_SIZE,
    SLASH_PATHS,
    ArchiveLimitError,
    Context,
    ReadError,
    ReplayStream,
    Units,
    buffered,
    human_size,
    read_head,
)
from .encoding import detect_encoding, encoding_warning
from .sniff import sniff_container, sniff_text

# Members of compressed streams that need random access (zip, xlsx, pdf) are read into memory up
# to this size, since nothing is ever extracted to disk. ReadLimits.extra may override it.
DEFAULT_MAX_IN_MEMORY = 128 * 1024**2


def read_file(path: Path | str, limits: ReadLimits) -> Units:
    """Read one file of any supported format; never raises for bad input."""
    display = str(path)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as exc:
        yield FileProblem(display, f"cannot open: {exc.strerror or exc}")
        return
    try:
        size = os.fstat(stream.fileno()).st_size
        ctx = Context(limits=limits, display=display, name=Path(path).name, size=size)
        yield from read_stream(stream, ctx)
    finally:
        stream.close()


# Read-only, not inherited by child processes, and bytes as they are on Windows (no newline translation).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def read_small_text(path: str, limits: ReadLimits) -> tuple[int, AsciiChunk] | None:
    """(size, the one chunk) of a small plain-text file that is all ASCII, the bulk of a log directory; None
    for any other file, which ``read_file`` reads.

    ``read_file`` would hand on exactly this chunk (a test checks it): the file fits the encoding sample, so
    sniffing and encoding detection see all of it, and one chunk holds it. Read with one ``os.read`` and
    decided with a few passes in C, it skips the layers that cost more than scanning a 10 KB file (buffered
    stream, context, generators, decoding the sample twice, counting control characters).
    """
    if not _plain_path(path):
        return None
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        size = st.st_size
        if not (0 < size <= SAMPLE_SIZE and size < limits.chunk_size and stat.S_ISREG(st.st_mode)):
            return None
        data = os.read(fd, size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    # Any other byte sends the file down the general path: non-ASCII, NUL (UTF-16/32 or binary), ESC (ISO-2022-JP)
    # and the other control characters that ``encoding._plausible`` counts.
    if len(data) != size or not plain_text(data):
        return None
    if sniff_container(data):
        return None
    if sniff_text(data.decode("ascii"), path.rpartition("/")[2]) != "text":
        return None
    return size, AsciiChunk(data=data, path=path, line=1, offset=0)


def _plain_path(path: str) -> bool:
    """Whether ``str(Path(path)) == path`` (no empty or `.` parts, no trailing slash), so that ``path`` is the
    display path ``read_file`` gives and its last part the file name. Not where paths use another separator."""
    return (
        SLASH_PATHS
        and bool(path)
        and not ("//" in path or "/./" in path or path.startswith("./") or path.endswith(("/", "/.")) or path == ".")
    )


def read_stream(stream: BinaryIO, ctx: Context) -> Units:
    """Read ``stream`` (a file or an archive member), reporting any failure as a FileProblem."""
    try:
        yield from _read_stream(stream, ctx)
    except ArchiveLimitError as exc:
        if ctx.budget is not None:
            raise  # inside an archive: the whole outermost archive stops
        yield FileProblem(exc.path, str(exc))
    except ReadError as exc:
        yield FileProblem(ctx.display, str(exc))
    except MemoryError:
        yield FileProblem(ctx.display, "not read: out of memory while reading")
    except Exception as exc:  # a reader library failing on hostile input must not stop the scan
        yield FileProblem(ctx.display, f"cannot read: {type(exc).__name__}: {exc}")


def _read_stream(stream: BinaryIO, ctx: Context) -> Units:
    head = read_head(stream, SAMPLE_SIZE)
    container = sniff_container(head)
    if container is not None:
        yield from _read_container(container, head, stream, ctx)
        return
    rest = _rewound(stream, head)
    codec = detect_encoding(head)
    warning = encoding_warning(head, codec)
    if warning:
        yield FileProblem(ctx.display, warning, scanned=True)
    if codec is None:
        from .binary import read_binary

        yield from read_binary(rest, ctx)
        return
    kind = sniff_text(head.decode(codec, errors="replace") if codec else "", ctx.name)
    yield from _read_text_kind(kind, rest, codec, ctx)


def _rewound(stream: BinaryIO, head: bytes) -> BinaryIO:
    """``stream`` from its start: a file on disk rewound (no layer copying every byte once more, which
    the speed of reading large logs depends on), anything else with the sniffed ``head`` replayed."""
    if isinstance(stream, io.BufferedReader) and isinstance(stream.raw, io.FileIO) and stream.seekable():
        stream.seek(0)
        return stream
    return buffered(ReplayStream(head, stream))


def _read_text_kind(kind: str, stream: BinaryIO, codec: str, ctx: Context) -> Units:
    if kind == "csv":
        from .csvfile import read_csv

        yield from read_csv(stream, codec, ctx)
    elif kind == "jsonl":
        from .jsonfile import read_jsonl

        yield from read_jsonl(stream, codec, ctx)
    elif kind == "json":
        from .jsonfile import read_json

        yield from read_json(stream, codec, ctx)
    elif kind == "sql":
        from .sqldump import read_sql

        yield from read_sql(stream, codec, ctx)
    elif kind in ("mail", "mbox"):
        from .mail import read_mail, read_mbox

        yield from (read_mail if kind == "mail" else read_mbox)(stream, ctx)
    else:
        from .text import read_text

        yield from read_text(stream, codec, ctx)


def _read_container(kind: str, head: bytes, stream: BinaryIO, ctx: Context) -> Units:
    if kind in ("gzip", "bz2", "xz", "tar"):
        from .archives import read_compressed, read_tar

        replay = buffered(ReplayStream(head, stream))
        if kind == "tar":
            yield from read_tar(replay, ctx)
        else:
            yield from read_compressed(kind, replay, ctx)
        return
    seekable = _random_access(head, stream, ctx)
    if kind == "pdf":
        from .pdf import read_pdf

        yield from read_pdf(seekable, ctx)
    else:
        from .archives import read_zip_family

        yield from read_zip_family(seekable, ctx)


def _random_access(head: bytes, stream: BinaryIO, ctx: Context) -> BinaryIO:
    """A seekable view of ``stream``: itself when it can seek, else an in-memory copy (bounded)."""
    if stream.seekable():
        stream.seek(0)
        return stream
    cap = int(ctx.limits.extra.get("max_in_memory", DEFAULT_MAX_IN_MEMORY))  # type: ignore[call-overload]
    rest = stream.read(cap + 1 - len(head))
    data = head + rest
    if len(data) > cap:
        raise ReadError(
            f"not read: a zip or PDF inside a compressed stream larger than {human_size(cap)} "
            "would have to be extracted to disk"
        )
    return io.BytesIO(data)
