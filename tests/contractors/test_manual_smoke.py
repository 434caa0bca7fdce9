"""The joint incident manual: generated from the playbooks and the contract, as DOCX and PDF in Japanese."""

from __future__ import annotations

import io

import docx
import pytest
from pypdf import PdfReader

from mamori.contractors import manual


@pytest.mark.django_db
def test_smoke(manager, server_co, card_entry, bare_contract):
    version = manual.generate(manager, server_co)
    assert version.version == 1
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(bytes(version.docx))).paragraphs)
    assert "書面による同意なく" in text
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(version.pdf))).pages)
    assert "削除" in pdf
