"""Values that hold a structure of their own: PHP serialize(), URL-encoded pairs and JSON.

EC-CUBE payment modules keep payment details as a PHP-serialized array in ``dtb_order.memo02``;
other shops log ``card_no=...&cvv=...``. Expanding such a value into sub-fields gives each
its own key (``memo02.card_no``), so a detector sees the security code beside the card number.
The PHP parser only builds dicts, lists and strings: it never instantiates or calls anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import unquote_plus

from ..types import TextUnit

MAX_INPUT = 4 * 1024**2  # longer values are scanned as they are
MAX_DEPTH = 32
MAX_ITEMS = 100_000

PHP_START = re.compile(r"^(?:a:\d+:\{|O:\d+:\"|s:\d+:\")")
URL_ENCODED = re.compile(r"^[A-Za-z_][\w.\-\[\]%]*=[^&=\s]*(?:&[A-Za-z_][\w.\-\[\]%]*=[^&=\s]*)*&?$")

Leaf = tuple[str, str]


class UnserializeError(ValueError):
    pass


def expand(key: str | None, value: str, depth: int = 0) -> list[Leaf] | None:
    """Leaf (dotted key, text) pairs if ``value`` is a structure, else None."""
    text = value.strip()
    if len(text) < 3 or len(text) > MAX_INPUT or depth > 3:
        return None
    parsed: object = _NOT_PARSED
    if PHP_START.match(text):
        parsed = _try_php(text)
    elif text[0] in "{[" and text[-1] in "}]":
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = _NOT_PARSED
    elif "=" in text and URL_ENCODED.match(text):
        parsed = _url_pairs(text)
    if parsed is _NOT_PARSED or not isinstance(parsed, dict | list):
        return None
    leaves: list[Leaf] = []
    for sub_key, sub_value in flatten(parsed, key or ""):
        nested = expand(sub_key, sub_value, depth + 1)
        leaves.extend(nested if nested is not None else [(sub_key, sub_value)])
    return leaves or None  # nothing inside: keep the value itself so no text is lost


_NOT_PARSED = object()


def flatten(obj: object, prefix: str) -> Iterator[Leaf]:
    """Scalar leaves of a parsed structure; list positions are left out of the key."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list):
        for v in obj:
            yield from flatten(v, prefix)
    elif isinstance(obj, bool) or obj is None:
        return
    else:
        text = obj if isinstance(obj, str) else str(obj)
        if text.strip():
            yield prefix, text


def field_units(
    key: str | None,
    value: str,
    path: str,
    record: int | None,
    line: int | None = None,
    sheet: str | None = None,
    cell: str | None = None,
) -> list[TextUnit]:
    """Units for one field: its sub-fields when it holds a structure, else the value itself.

    Returns a list rather than a generator: this runs once per field, and lists are cheaper.
    """
    if not value or value.isspace():
        return []
    if not _maybe_structured(value):
        return [TextUnit(text=value, path=path, line=line, key=key, sheet=sheet, cell=cell, record=record)]
    leaves = expand(key, value)
    return [
        TextUnit(text=text, path=path, line=line, key=sub_key or None, sheet=sheet, cell=cell, record=record)
        for sub_key, text in (leaves if leaves is not None else [(key, value)])
    ]


def _maybe_structured(value: str) -> bool:
    """A cheap test that rules out most plain values before the parsers are tried."""
    first = value[:1]
    return "=" in value or first in "{[ \t\r\n" or (value[1:2] == ":" and first in "aOs") or value[-1:].isspace()


def _url_pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in text.split("&"):
        if part:
            k, _, v = part.partition("=")
            pairs[unquote_plus(k)] = unquote_plus(v)
    return pairs


def _try_php(text: str) -> object:
    # PHP string lengths count bytes in the encoding the PHP program used.
    for codec in ("utf-8", "cp932", "euc_jp"):
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            continue
        try:
            return PhpParser(data, codec).parse()
        except UnserializeError:
            continue
    return _NOT_PARSED


class PhpParser:
    """A small, bounded parser for PHP's serialize() format (values only, no objects created)."""

    def __init__(self, data: bytes, codec: str) -> None:
        self.data = data
        self.codec = codec
        self.pos = 0
        self.items = 0

    def parse(self) -> object:
        value = self._value(0)
        if self.data[self.pos :].strip():
            raise UnserializeError("trailing data")
        return value

    def _value(self, depth: int) -> object:
        if depth > MAX_DEPTH:
            raise UnserializeError("nested too deeply")
        self.items += 1
        if self.items > MAX_ITEMS:
            raise UnserializeError("too many items")
        kind = self.data[self.pos : self.pos + 2]
        self.pos += 2
        if kind == b"N;":
            return None
        if kind in (b"i:", b"d:", b"b:"):
            return self._until(b";")
        if kind in (b"r:", b"R:"):
            self._until(b";")
            return None
        if kind == b"s:":
            return self._string()
        if kind == b"a:":
            return self._array(depth)
        if kind == b"O:":
            self._string()  # class name: recorded nowhere, never resolved
            self.pos -= 1  # _string consumed ';' position; objects use ':' after the name
            self._expect(b":")
            return self._array(depth)
        raise UnserializeError(f"unknown type {kind!r} at byte {self.pos - 2}")

    def _until(self, end: bytes) -> str:
        stop = self.data.find(end, self.pos)
        if stop < 0:
            raise UnserializeError("unterminated value")
        text = self.data[self.pos : stop].decode("ascii", errors="replace")
        self.pos = stop + len(end)
        return text

    def _expect(self, token: bytes) -> None:
        if self.data[self.pos : self.pos + len(token)] != token:
            raise UnserializeError(f"expected {token!r} at byte {self.pos}")
        self.pos += len(token)

    def _string(self) -> str:
        length = int(self._digits(b':"'))
        start = self.pos
        end = start + length
        if self.data[end : end + 2] != b'";' and self.data[end : end + 2] != b'":':
            raise UnserializeError(f"string length mismatch at byte {start}")
        self.pos = end + 2
        return self.data[start:end].decode(self.codec, errors="replace")

    def _digits(self, end: bytes) -> str:
        text = self._until(end)
        if not text.isdigit():
            raise UnserializeError(f"bad length {text!r}")
        return text

    def _array(self, depth: int) -> dict[str, object]:
        count = int(self._digits(b":{"))
        if count > MAX_ITEMS:
            raise UnserializeError("array too large")
        result: dict[str, object] = {}
        for _ in range(count):
            key = self._value(depth + 1)
            value = self._value(depth + 1)
            result[str(key).replace("\x00*\x00", "").replace("\x00", "")] = value
        self._expect(b"}")
        return result
