"""CSV and TSV: dialect sniffing, header detection, one unit per field keyed by its column."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from typing import BinaryIO

from ..types import FileProblem
from .common import Context, Units
from .header_words import has_header_word
from .serialized import field_units
from .sniff import extension
from .text import text_stream

SNIFF_CHARS = 64 * 1024
DELIMITERS = ",\t;|"
FIELD_LIMIT = 64 * 1024**2  # a field larger than this is reported (an unclosed quote, usually)

# A header cell names a column: short, no long digit runs (a data value such as a phone or card
# number has them), and at least one letter, kana or kanji.
HEADER_CELL = re.compile(r"^(?!.*\d{4})(?=.*[A-Za-z\u3040-\u30ff\u4e00-\u9fff]).{1,64}$", re.DOTALL)
DATA_HINT = re.compile(r"\d")

csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))


def read_csv(stream: BinaryIO, codec: str, ctx: Context) -> Units:
    lines = text_stream(stream, codec)
    head = list(_first_lines(lines))
    sample = "".join(head)
    dialect = _dialect(sample, ctx.name)
    reader = csv.reader(itertools.chain(head, lines), dialect)
    yield from _rows(reader, ctx)


def _first_lines(lines: Iterator[str]) -> Iterator[str]:
    total = 0
    for line in lines:
        yield line
        total += len(line)
        if total >= SNIFF_CHARS:
            return


def _dialect(sample: str, name: str) -> type[csv.Dialect]:
    """Only the delimiter is sniffed; quoting follows RFC 4180, which exports nearly always use
    (the sniffer's guesses about quote doubling are unreliable on small samples)."""
    if extension(name) in (".tsv", ".tab"):
        return csv.excel_tab
    try:
        # the sniffer's regular expressions are slow on large samples; 16 KB is plenty
        delimiter = csv.Sniffer().sniff(sample[:16384], delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = max(DELIMITERS, key=sample.count)
    return type("Sniffed", (csv.excel,), {"delimiter": delimiter})


def _rows(reader: Iterator[list[str]], ctx: Context) -> Units:
    rows = _safe_rows(reader, ctx)
    first = next(rows, None)
    second = next(rows, None)
    pending = [r for r in (first, second) if r is not None]
    header: list[str] | None = None
    if first and second and isinstance(first[1], list) and isinstance(second[1], list):
        header = [c.strip() for c in first[1]] if _is_header(first[1], second[1]) else None
        pending = [second] if header else pending
    for record, (first_line, row) in enumerate(itertools.chain(pending, rows), start=1):
        if isinstance(row, FileProblem):
            yield row
            return
        for index, value in enumerate(row):
            key = header[index] if header and index < len(header) and header[index] else None
            yield from field_units(key, value, ctx.display, record, line=first_line)


def _safe_rows(reader: Iterator[list[str]], ctx: Context) -> Iterator[tuple[int, list[str] | FileProblem]]:
    line_num = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            at = getattr(reader, "line_num", line_num)
            yield line_num + 1, FileProblem(ctx.display, f"malformed CSV near line {at}: {exc}; rest not read")
            return
        yield line_num + 1, row
        line_num = getattr(reader, "line_num", line_num + 1)


def _is_header(first: list[str], second: list[str]) -> bool:
    cells = [c.strip() for c in first]
    if len(cells) < 2 or not all(HEADER_CELL.match(c) for c in cells):
        return False
    if len(set(cells)) != len(cells):
        return False
    # a row of words over a row with numbers in it or of a different shape, or a row that
    # names the usual personal-data columns
    return (
        any(DATA_HINT.search(c) for c in second)
        or any(not HEADER_CELL.match(c.strip()) for c in second if c.strip())
        or sum(map(has_header_word, cells)) * 2 >= len(cells)
    )
