"""PDF text via pypdf: each page is a record and its number the line. Scanned images give nothing."""

from __future__ import annotations

import logging
from typing import BinaryIO

from pypdf import PdfReader

from ..types import FileProblem, TextUnit
from .common import Context, ReadError, Units

# pypdf logs warnings about damaged but readable files; the scan reports its own problems.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def read_pdf(stream: BinaryIO, ctx: Context) -> Units:
    try:
        reader = PdfReader(stream)
        pages = len(reader.pages)
    except Exception as exc:  # pypdf raises many types on damaged files
        raise ReadError(f"damaged PDF, not read ({type(exc).__name__}: {exc})") from None
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # any failure (missing crypto support too) means we cannot read it
            opened = False
        if not opened:
            yield FileProblem(ctx.display, "encrypted PDF (password protected): not read")
            return
    for number in range(1, pages + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except Exception as exc:  # a damaged page must not stop the other pages
            yield FileProblem(ctx.display, f"page {number}: cannot extract text ({type(exc).__name__}: {exc})")
            continue
        if text.strip():
            yield TextUnit(text=text, path=ctx.display, line=number, record=number)
