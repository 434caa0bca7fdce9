"""Word documents (DOCX): the text of word/document.xml, one paragraph per line."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import iterparse

from .common import Context, Units
from .text import chunk_units

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARTS = ("word/document.xml",)


def read_docx(archive: zipfile.ZipFile, ctx: Context) -> Units:
    for part in PARTS:
        if part in archive.namelist():
            with archive.open(part) as xml:
                yield from chunk_units(_paragraphs(xml), ctx)


def _paragraphs(xml: IO[bytes]) -> Iterator[str]:
    # Python's expat (2.4+) refuses entity-expansion bombs; DOCX needs no DTDs.
    parts: list[str] = []
    for event, elem in iterparse(xml, events=("end",)):  # noqa: S314
        tag = elem.tag
        if tag == f"{W}t":
            parts.append(elem.text or "")
        elif tag == f"{W}tab":
            parts.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            parts.append(" ")
        elif tag == f"{W}p":
            yield "".join(parts) + "\n"
            parts.clear()
            elem.clear()
        del event
