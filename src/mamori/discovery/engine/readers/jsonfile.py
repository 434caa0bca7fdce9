"""JSON documents and JSON Lines: one unit per scalar value, keyed by its dotted key path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

from ..types import FileProblem, TextUnit
from .common import Context, Units
from .serialized import field_units
from .text import chunk_units, decoded_pieces, text_stream

# A JSON document is parsed whole; beyond this size it is scanned as plain text instead, so memory
# stays bounded (JSON Lines files of any size are read line by line).
MAX_JSON_DOCUMENT = 64 * 1024**2


def read_json(stream: BinaryIO, codec: str, ctx: Context) -> Units:
    data = stream.read(MAX_JSON_DOCUMENT + 1)
    if len(data) > MAX_JSON_DOCUMENT:
        yield from chunk_units(decoded_pieces(_Prepend(data, stream), codec), ctx)  # type: ignore[arg-type]
        return
    text = data.decode(codec, errors="replace")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        # Not skipped: a template that starts with `{` (Twig, Handlebars) is read as text like any other.
        yield FileProblem(ctx.display, f"invalid JSON at {where}: {msg}; scanned as plain text", scanned=True)
        yield from chunk_units(iter([text]), ctx)
        return
    yield from _document_units(doc, ctx, _Locator(text))


class _Locator:
    """Line numbers of a parsed document's keys and values, found in its text in document order.

    ``json`` gives no positions, so each key and value is looked up as JSON writes it, from where the
    previous one was found: the text is passed once. A value written with other escapes (`\\/`, `\\u00e9`)
    is not found: it gets the line of what was found last (its key), and the search stays where it was.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._cursor = 0
        self._counted = 0
        self._line = 1

    def find(self, value: object) -> int:
        if isinstance(value, str):
            forms = {json.dumps(value, ensure_ascii=False), json.dumps(value)}
        else:
            forms = {json.dumps(value)}
        found = [pos for pos in (self._text.find(form, self._cursor) for form in forms) if pos >= 0]
        if not found:
            return self._line
        pos = min(found)
        self._line += self._text.count("\n", self._counted, pos)
        self._counted = pos
        self._cursor = pos + 1
        return self._line


def _document_units(doc: object, ctx: Context, locator: _Locator | None = None) -> Iterator[TextUnit]:
    """Each object inside a list is a record; values outside any such object form record 1. With a
    ``locator``, each unit carries the line its value is on."""
    counter = [1]

    def line_of(value: object) -> int | None:
        return locator.find(value) if locator is not None else None

    def walk(obj: object, prefix: str, record: int) -> Iterator[TextUnit]:
        if isinstance(obj, dict):
            for k, v in obj.items():
                line_of(k)
                yield from walk(v, f"{prefix}.{k}" if prefix else str(k), record)
        elif isinstance(obj, list):
            for item in obj:
                if isinstance(item, dict):
                    counter[0] += 1
                    yield from walk(item, prefix, counter[0])
                else:
                    yield from walk(item, prefix, record)
        elif isinstance(obj, str):
            yield from field_units(prefix or None, obj, ctx.display, record, line=line_of(obj))
        elif isinstance(obj, int | float) and not isinstance(obj, bool):
            yield TextUnit(text=str(obj), path=ctx.display, key=prefix or None, record=record, line=line_of(obj))

    if isinstance(doc, list):
        counter[0] = 0
    yield from walk(doc, "", 1)


def read_jsonl(stream: BinaryIO, codec: str, ctx: Context) -> Units:
    record = 0
    for number, line in enumerate(text_stream(stream, codec), start=1):
        if not line.strip():
            continue
        record += 1
        try:
            doc = json.loads(line)
        except ValueError as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            yield FileProblem(
                ctx.display, f"line {number}: invalid JSON ({detail}); line scanned as plain text", scanned=True
            )
            yield TextUnit(text=line, path=ctx.display, line=number, record=record)
            continue
        for unit in _document_units(doc, ctx):
            yield TextUnit(text=unit.text, path=unit.path, line=number, key=unit.key, record=record)


class _Prepend:
    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head: bytes | None = head
        self._rest = rest

    def read(self, n: int = -1) -> bytes:
        if self._head is not None:
            head, self._head = self._head, None
            return head
        return self._rest.read(n)
