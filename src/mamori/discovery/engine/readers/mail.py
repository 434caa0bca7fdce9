"""E-mail: single messages (.eml) and mailboxes (mbox), as support staff save them.

Customers send card numbers by mail, and Japanese mail hides them from a plain text search: bodies are
ISO-2022-JP, base64 or quoted-printable, subjects MIME-encoded, order lists attached as CSV or ZIP. Each
message is parsed with the standard library's ``email`` package: the address and subject headers become
fields (``From`` ...), every text part is decoded with its declared charset, and attachments are read like
archive members (``inquiry.eml!orders.csv``, same depth and size limits). A message whose body needs no
decoding keeps the file's own line numbers; a decoded part is shown as ``file!part-2`` with lines of its own.
"""

from __future__ import annotations

import dataclasses
import email.message
import email.parser
import email.policy
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from ..types import FileProblem, TextUnit
from .archives import count_member, enter_container, member_context
from .common import SAMPLE_SIZE, ArchiveLimitError, Context, Units, human_size
from .encoding import detect_encoding

MAX_MESSAGE = 128 * 1024**2  # bytes of one message held in memory (ReadLimits.extra "max_in_memory")
ADDRESS_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject")
PLAIN_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})
# Names Japanese mail software writes for Shift_JIS; CP932 is the superset Windows actually uses.
JAPANESE_CHARSETS = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "sjis": "cp932",
}
_HEADER_NAME = re.compile(rb"^([!-9;-~]+):", re.MULTILINE)
_MBOX_SEPARATOR = b"From "
_LINE_LIMIT = 1024**2


def read_mail(stream: BinaryIO, ctx: Context) -> Units:
    """One message (.eml)."""
    cap = _cap(ctx)
    data = stream.read(cap + 1)
    if len(data) > cap:
        yield FileProblem(ctx.display, f"e-mail larger than {human_size(cap)}: not read (max_in_memory)")
        return
    yield from _message(data, ctx, first_line=1)


def read_mbox(stream: BinaryIO, ctx: Context) -> Units:
    """A mailbox: messages that each start with a ``From `` line, read one at a time."""
    for number, (first_line, raw, too_big) in enumerate(_mbox_messages(stream, _cap(ctx)), start=1):
        if too_big:
            yield FileProblem(ctx.display, f"message at line {first_line} is larger than {human_size(_cap(ctx))}")
            continue
        # decoded parts are named by message (`Inbox!message-3/part-1`); plain bodies keep the file's lines
        yield from _message(raw, ctx, first_line=first_line + 1, prefix=f"message-{number}/")


def _cap(ctx: Context) -> int:
    return int(ctx.limits.extra.get("max_in_memory", MAX_MESSAGE))  # type: ignore[call-overload]


def _mbox_messages(stream: BinaryIO, cap: int) -> Iterator[tuple[int, bytes, bool]]:
    """(line of the `From ` line, message bytes without it, whether it was cut for size)."""
    number, start, size, too_big = 0, 0, 0, False
    lines: list[bytes] = []
    while True:
        line = stream.readline(_LINE_LIMIT)
        number += 1
        if not line or (line.startswith(_MBOX_SEPARATOR) and (number == 1 or _after_blank(lines))):
            if start:
                yield start, b"".join(lines), too_big
            if not line:
                return
            start, size, lines, too_big = number, 0, [], False
            continue
        size += len(line)
        if size > cap:
            too_big, lines = True, []
        elif not too_big:
            lines.append(line)


def _after_blank(lines: list[bytes]) -> bool:
    return not lines or not lines[-1].strip()


def _message(raw: bytes, ctx: Context, first_line: int, prefix: str = "") -> Units:
    try:
        msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
        header_lines, header_count = _head(raw)
        for name in ADDRESS_HEADERS:
            value = msg.get(name)
            if value:
                yield TextUnit(str(value), ctx.display, line=first_line + header_lines.get(name.lower(), 0), key=name)
        if _plain(msg):
            yield TextUnit(_text(msg), ctx.display, line=first_line + header_count + 1)
            return
        yield from _parts(msg, ctx, prefix)
    except ArchiveLimitError:
        raise  # too many parts: the limits of the outermost archive apply, as for zip members
    except Exception as exc:  # a malformed message must not stop the scan: search its bytes as they are
        yield FileProblem(ctx.display, f"e-mail could not be decoded ({type(exc).__name__}): searched as plain text")
        yield TextUnit(raw.decode("utf-8", errors="replace"), ctx.display, line=first_line)


def _head(raw: bytes) -> tuple[dict[str, int], int]:
    """Header name (lower case) -> its 0-based line in the message (first occurrence), and the number of
    lines before the body. Lines are counted on the text with CR LF read as LF, in which the blank line is."""
    flat = raw.replace(b"\r\n", b"\n")
    end = flat.find(b"\n\n")
    head = flat[: end + 1] if end >= 0 else flat
    found: dict[str, int] = {}
    for number, line in enumerate(head.split(b"\n")):
        m = _HEADER_NAME.match(line)
        if m:
            found.setdefault(m.group(1).decode("ascii").lower(), number)
    return found, head.count(b"\n")


def _plain(msg: email.message.Message) -> bool:
    """A single text part whose body is written as it reads: the file's line numbers hold for it."""
    encoding = str(msg.get("Content-Transfer-Encoding", "")).strip().lower()
    return not msg.is_multipart() and msg.get_content_maintype() == "text" and encoding in PLAIN_ENCODINGS


def _text(part: email.message.Message) -> str:
    """A text part decoded: transfer encoding, then its declared charset (or, without one, the detected)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(payload or "")
    charset = part.get_content_charset()
    codec = JAPANESE_CHARSETS.get(charset or "", charset) or detect_encoding(payload[:SAMPLE_SIZE]) or "utf-8"
    try:
        return payload.decode(codec, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode(detect_encoding(payload[:SAMPLE_SIZE]) or "utf-8", errors="replace")


def _parts(msg: email.message.Message, ctx: Context, prefix: str) -> Units:
    inner, problems = enter_container(ctx)
    yield from problems
    if inner is None:
        return
    for number, part in enumerate((p for p in msg.walk() if not p.is_multipart()), start=1):
        filename = part.get_filename()
        name = prefix + (filename or f"part-{number}")
        count_member(inner, name)
        member = member_context(inner, name, None)
        if part.get_content_maintype() == "text" and not filename:
            yield TextUnit(_text(part), member.display, line=1)
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload:
            from .dispatch import read_stream

            yield from read_stream(io.BytesIO(payload), dataclasses.replace(member, size=len(payload)))
