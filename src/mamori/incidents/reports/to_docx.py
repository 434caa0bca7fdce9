"""Lay a ``Document`` out as DOCX (python-docx): A4, Japanese fonts named for Word, placeholders highlighted."""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from mamori.incidents.reports.content import Document

# DOCX files name fonts rather than embed them: Yu Gothic ships with Windows and macOS; elsewhere (LibreOffice)
# the system substitutes its own Japanese font.
EAST_ASIAN_FONT = "游ゴシック"
LATIN_FONT = "Yu Gothic"


def write(doc: Document, lang: str) -> bytes:
    out = new_docx()
    _page(out)
    _styles(out, lang)
    out.core_properties.title = doc.title
    out.core_properties.author = "Mamori"
    out.core_properties.language = "ja-JP" if lang == "ja" else "en-GB"

    title = out.add_heading(doc.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.subtitle:
        sub = out.add_paragraph(doc.subtitle)
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.note:
        note = out.add_paragraph()
        run = note.add_run(doc.note)
        run.italic = True
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    if doc.lead:
        _lead_table(out, doc)
    for text in doc.intro:
        _paragraph(out.add_paragraph(), text, doc.placeholder)
    for section in doc.sections:
        heading = f"{section.number}. {section.heading}" if section.number is not None else section.heading
        out.add_heading(heading, level=2)
        for text in section.paragraphs:
            _paragraph(out.add_paragraph(), text, doc.placeholder)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _page(out: DocxDocument) -> None:
    section = out.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(20)


def _styles(out: DocxDocument, lang: str) -> None:
    for name, size, bold in (("Normal", 10.5, False), ("Title", 16, True), ("Heading 2", 12, True)):
        style = out.styles[name]
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(style.element.get_or_add_rPr(), lang)


def _fonts(rpr: BaseOxmlElement, lang: str) -> None:
    """Name the fonts outright: theme fonts would win over them in the heading styles."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        rpr.append(language)
    language.set(qn("w:val"), "ja-JP" if lang == "ja" else "en-GB")
    language.set(qn("w:eastAsia"), "ja-JP")


def _lead_table(out: DocxDocument, doc: Document) -> None:
    table = out.add_table(rows=0, cols=2)
    table.style = out.styles["Table Grid"]
    for label, value in doc.lead:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Mm(40), Mm(130)
        cells[0].paragraphs[0].add_run(label).bold = True
        _paragraph(cells[1].paragraphs[0], value, doc.placeholder)
    out.add_paragraph()


def _paragraph(paragraph: Paragraph, text: str, placeholder: str) -> None:
    """Add ``text``, with every placeholder highlighted so that nobody files a draft with gaps unseen."""
    parts = text.split(placeholder)
    for i, part in enumerate(parts):
        if part:
            paragraph.add_run(part)
        if i < len(parts) - 1:
            paragraph.add_run(placeholder).font.highlight_color = WD_COLOR_INDEX.YELLOW
