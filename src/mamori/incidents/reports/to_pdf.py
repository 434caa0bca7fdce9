"""Lay a ``Document`` out as PDF (fpdf2) with a Japanese font embedded as a subset.

fpdf2 embeds the font subset to the characters used, so a report is small and looks the same everywhere.
TrueType comes first: IPAex Gothic (Debian ``fonts-ipaexfont-gothic``, installed by scripts/services) is
embedded as ``FontFile2`` with the Identity-H encoding, whose text every reader extracts. Noto Sans CJK
(``fonts-noto-cjk``) is a CFF collection: fpdf2 embeds it as ``FontFile3`` with its own CMap; it prints and
displays correctly, but some text extractors (pypdf) cannot read its text back, so it is only the fallback.
``MAMORI_REPORT_FONT`` names another font (.ttf, .otf or .ttc; ``path.ttc#2`` picks a face of a collection).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos

from mamori.incidents.reports.content import Document, Section

# (regular, bold, face in the collection); face 0 of Noto Sans CJK is the Japanese one (JP glyph forms).
FONT_CANDIDATES: tuple[tuple[str, str, int], ...] = (
    ("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf", "", 0),
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        0,
    ),
    ("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf", "", 0),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 0),
    ("/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc", "/System/Library/Fonts/ヒラギノ角ゴシック W6.ttc", 0),
)

FAMILY = "report"
MARGIN = 20  # mm
LINE = 6.2  # mm per line of body text
PLACEHOLDER_RGB = (170, 0, 0)


class FontMissing(ImproperlyConfigured):
    """No Japanese font for PDF reports on this machine."""


def font_files() -> tuple[Path, Path, int]:
    """The regular and bold font files and the face number, or ``FontMissing`` saying what to install."""
    configured = getattr(settings, "MAMORI_REPORT_FONT", "") or os.environ.get("MAMORI_REPORT_FONT", "")
    if configured:
        path, _, face = configured.partition("#")
        if not Path(path).is_file():
            raise FontMissing(f"MAMORI_REPORT_FONT: no font file at {path}")
        return Path(path), Path(path), int(face or 0)
    for regular, bold, face in FONT_CANDIDATES:
        if Path(regular).is_file():
            return Path(regular), Path(bold) if bold and Path(bold).is_file() else Path(regular), face
    raise FontMissing(
        "No Japanese font for PDF reports: install fonts-noto-cjk (Debian/Ubuntu) or set MAMORI_REPORT_FONT "
        "to a .ttf, .otf or .ttc file."
    )


class _Pdf(FPDF):
    """A4 with the report font; ``heading()`` writes bold, stroking the outlines of a font without a bold face
    (IPAex Gothic) rather than embedding the same file twice."""

    def __init__(self, lang: str) -> None:
        super().__init__(format="A4")
        regular, bold, face = font_files()
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.add_font(FAMILY, "", str(regular), collection_font_number=face)
        self.fake_bold = bold == regular
        if not self.fake_bold:
            self.add_font(FAMILY, "B", str(bold), collection_font_number=face)
        self.set_creator("Mamori")
        self.set_lang("ja-JP" if lang == "ja" else "en-GB")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"- {self.page_no()} -", align="C")

    def heading(self, text: str, size: float, height: float, align: str = "L") -> None:
        self.set_font(FAMILY, "" if self.fake_bold else "B", size)
        stroke = {"text_mode": TextMode.FILL_STROKE, "line_width": 0.2} if self.fake_bold else {}
        with self.local_context(**stroke):
            self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def write(doc: Document, lang: str) -> bytes:
    pdf = _Pdf(lang)
    pdf.set_title(doc.title)
    pdf.add_page()
    pdf.heading(doc.title, 15, 9, align="C")
    if doc.subtitle:
        pdf.set_font(FAMILY, "", 9)
        pdf.multi_cell(0, 5, doc.subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if doc.note:
        _note(pdf, doc.note)
    if doc.lead:
        _lead(pdf, doc)
    for text in doc.intro:
        _paragraph(pdf, text, doc.placeholder)
    for section in doc.sections:
        _section(pdf, section, doc.placeholder)
    return bytes(pdf.output())


def _section(pdf: _Pdf, section: Section, placeholder: str) -> None:
    pdf.ln(2)
    if pdf.get_y() > pdf.h - MARGIN - 25:  # keep a heading with the first lines of its section
        pdf.add_page()
    heading = f"{section.number}. {section.heading}" if section.number is not None else section.heading
    pdf.heading(heading, 11.5, 7)
    for text in section.paragraphs:
        _paragraph(pdf, text, placeholder)


def _note(pdf: FPDF, text: str) -> None:
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_fill_color(242, 242, 242)
    pdf.set_text_color(60, 60, 60)
    pdf.multi_cell(0, 5, text, border=1, fill=True, padding=2, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _lead(pdf: FPDF, doc: Document) -> None:
    pdf.set_font(FAMILY, "", 9.5)
    with pdf.table(col_widths=(38, 132), first_row_as_headings=False, line_height=5.5, padding=1.5) as table:
        for label, value in doc.lead:
            row = table.row()
            row.cell(label)
            row.cell(value)
    pdf.ln(3)


def _paragraph(pdf: FPDF, text: str, placeholder: str) -> None:
    """One paragraph; placeholders in dark red so that gaps stand out on paper too."""
    pdf.set_font(FAMILY, "", 10)
    parts = text.split(placeholder)
    for i, part in enumerate(parts):
        if part:
            pdf.write(LINE, part)
        if i < len(parts) - 1:
            pdf.set_text_color(*PLACEHOLDER_RGB)
            pdf.write(LINE, placeholder)
            pdf.set_text_color(0, 0, 0)
    pdf.ln(LINE)
