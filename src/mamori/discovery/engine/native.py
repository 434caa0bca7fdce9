"""The loops of a file scan that touch every byte or every digit run, in C when it was built.

``_speedups`` (``_speedups.c``) is compiled when the package is installed with a C compiler at
hand and skipped otherwise (``setup.py`` marks it optional); the Python versions here give the same
results and run wherever it is missing, or when ``MAMORI_SCAN_NATIVE=0``. Counting line breaks at
2 GB/s and checking 400,000 digit runs per second in Python are a third of a log scan's time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from types import ModuleType

from mamori.discovery.engine.checks import CARD_LENGTHS_BY_HEAD, luhn_ok_ascii

Buffer = bytes | bytearray

_ASCII_DIGITS = b"0123456789"


def _lengths_table() -> bytes:
    """For each two-digit start 00..99, a bit mask of the card lengths it allows (bit n - 13 for n digits)."""
    masks = bytearray(100)
    for head, sizes in CARD_LENGTHS_BY_HEAD.items():
        masks[int(head)] = sum(1 << (size - 13) for size in sizes if 13 <= size <= 19)
    return bytes(masks)


LENGTHS_TABLE = _lengths_table()


def py_count_lines(data: Buffer, start: int, stop: int) -> int:
    return data.count(b"\n", start, stop)


def py_card_run_candidates(data: Buffer, ends: Sequence[int], lengths: bytes = LENGTHS_TABLE) -> list[int]:
    """The ends whose digit run may be a card number: length allowed for its first two digits, Luhn,
    not after ``<digit>.`` (a decimal fraction). A run that is not 13-19 digits is kept for the exact
    detector to judge (the prefilter pattern never reports one); an end outside ``data`` is dropped."""
    kept: list[int] = []
    for end in ends:
        if not 0 <= end <= len(data):
            continue
        tail = data[end - 20 if end > 20 else 0 : end]
        size = len(tail) - len(tail.rstrip(_ASCII_DIGITS))
        if not 13 <= size <= 19:
            kept.append(end)
            continue
        start = end - size
        head = (data[start] - 48) * 10 + data[start + 1] - 48
        if not lengths[head] >> (size - 13) & 1 or not luhn_ok_ascii(bytes(tail[-size:])):
            continue
        if start >= 2 and data[start - 1] == 0x2E and 0x30 <= data[start - 2] <= 0x39:
            continue
        kept.append(end)
    return kept


# Control bytes (and DEL) other than tab, line feed, form feed and carriage return.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])


def py_plain_text(data: Buffer) -> bool:
    """Whether every byte is printable ASCII or a tab, line feed, form feed or carriage return."""
    return data.isascii() and len(data.translate(None, _CONTROL_BYTES)) == len(data)


def _load() -> ModuleType | None:
    if os.environ.get("MAMORI_SCAN_NATIVE", "1").strip() == "0":
        return None
    try:
        from mamori.discovery.engine import _speedups  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _speedups


_native = _load()
available = _native is not None
count_lines: Callable[[Buffer, int, int], int] = _native.count_lines if _native else py_count_lines
card_run_candidates: Callable[[Buffer, Sequence[int], bytes], list[int]] = (
    _native.card_run_candidates if _native else py_card_run_candidates
)
# getattr: a module built before this function was added still serves the others
plain_text: Callable[[Buffer], bool] = getattr(_native, "plain_text", None) or py_plain_text


class LineCounter:
    """Line numbers at offsets of one chunk, counting its line breaks once in all: each call counts
    only from the offset asked before (callers ask in rising order, the reader last)."""

    def __init__(self, data: Buffer, first_line: int) -> None:
        self._data = data
        self._offset = 0
        self._line = first_line

    def at(self, offset: int) -> int:
        if offset >= self._offset:
            self._line += count_lines(self._data, self._offset, offset)
        else:
            self._line -= count_lines(self._data, offset, self._offset)
        self._offset = offset
        return self._line
