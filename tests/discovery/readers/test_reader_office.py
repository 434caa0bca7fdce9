"""XLSX workbooks, DOCX documents and PDF files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from mamori.discovery.engine.readers import read_file
from mamori.discovery.engine.types import AsciiChunk, FileProblem, ReadLimits, TextUnit


def read(path: Path) -> tuple[list[TextUnit | AsciiChunk], list[FileProblem]]:
    items = list(read_file(path, ReadLimits()))
    return [i for i in items if not isinstance(i, FileProblem)], [i for i in items if isinstance(i, FileProblem)]


def test_xlsx_cells_carry_sheet_cell_and_header_key(tmp_path: Path) -> None:
    # given a workbook with an order sheet whose header is in row 1
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "注文"
    sheet.append(["注文番号", "氏名", "カード番号", "セキュリティコード"])
    sheet.append([1001, "山田太郎", "4111111111111111", 123])
    sheet.append([1002, "佐藤花子", 4242424242424242, "456"])
    other = book.create_sheet("メモ")
    other["B2"] = "電話 090-1234-5678"
    path = tmp_path / "orders.xlsx"
    book.save(path)
    # when read
    units, problems = read(path)
    # then each cell is a unit with its sheet, cell and column header
    assert not problems
    got = {(u.sheet, u.cell): (u.key, u.text, u.record) for u in units}
    assert got[("注文", "C2")] == ("カード番号", "4111111111111111", 1)
    assert got[("注文", "C3")] == ("カード番号", "4242424242424242", 2)
    assert got[("注文", "D2")] == ("セキュリティコード", "123", 1)
    assert got[("メモ", "B2")] == (None, "電話 090-1234-5678", 3)


def test_docx_paragraphs_are_lines(tmp_path: Path) -> None:
    # given a minimal DOCX with two paragraphs, the second split into runs
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>お客様情報</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>カード 4111</w:t></w:r><w:r><w:t>111111111111</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )
    path = tmp_path / "memo.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", document)
    # when read
    units, problems = read(path)
    # then the text comes back a paragraph per line
    assert not problems
    assert units[0].text == "お客様情報\nカード 4111111111111111\n"
    assert units[0].line == 1


def _pdf_with_text(path: Path, text: str) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    page[NameObject("/Resources")] = resources
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(content)
    writer.add_blank_page(width=300, height=200)
    with open(path, "wb") as f:
        writer.write(f)


def test_pdf_page_text_is_read_with_the_page_as_line(tmp_path: Path) -> None:
    # given a PDF whose first page has text and second page none
    path = tmp_path / "invoice.pdf"
    _pdf_with_text(path, "Card 4111111111111111 CVV 123")
    # when read
    units, problems = read(path)
    # then page 1 comes back, the empty page gives nothing and is not an error
    assert not problems
    assert [(u.line, u.record) for u in units] == [(1, 1)]
    assert "4111111111111111" in units[0].text


def test_a_damaged_pdf_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer garbage")
    _, problems = read(path)
    assert problems and problems[0].path == str(path)


def test_a_damaged_pdf_problem_says_so(tmp_path: Path) -> None:
    path = tmp_path / "cut.pdf"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog")
    _, problems = read(path)
    assert problems[0].message.startswith("damaged PDF")
