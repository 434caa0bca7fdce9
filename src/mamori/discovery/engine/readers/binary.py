"""Binary files: only their runs of printable text are scanned, like the ``strings`` tool.

The bytes are decoded as UTF-8 (invalid bytes become U+FFFD, at C speed) and runs of at least
``MIN_RUN`` printable ASCII or Japanese characters are kept, so text stored in SQLite files, core
dumps or unknown formats is still seen.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

from ..types import TextUnit
from .common import Context
from .text import chunk_units

MIN_RUN = 8
BLOCK = 1024**2
PRINTABLE = r"[\t\x20-\x7e\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]"
RUN = re.compile(PRINTABLE + "{" + str(MIN_RUN) + ",}")
MAX_CARRY = 64 * 1024  # a run longer than this at a block end is handed on rather than held back


def text_runs(stream: BinaryIO) -> Iterator[str]:
    """Yield each text run followed by a newline; runs crossing block boundaries stay whole."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    carry = ""
    while True:
        block = stream.read(BLOCK)
        text = carry + decoder.decode(block, final=not block)
        carry = ""
        for m in RUN.finditer(text):
            if block and m.end() == len(text) and len(text) - m.start() < MAX_CARRY:
                carry = m.group()  # may continue in the next block
                break
            yield m.group() + "\n"
        if block and not carry:
            # a run shorter than MIN_RUN at the end may still grow into one
            tail = len(text) - len(text.rstrip("\t" + "".join(map(chr, range(0x20, 0x7F)))))
            carry = text[len(text) - min(tail, MIN_RUN) :] if tail else ""
        if not block:
            return


def read_binary(stream: BinaryIO, ctx: Context) -> Iterator[TextUnit]:
    for unit in chunk_units(text_runs(stream), ctx):
        # lines of the strings output are not lines of the file: keep the offset only
        yield TextUnit(text=unit.text, path=unit.path, offset=unit.offset)
