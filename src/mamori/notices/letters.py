"""Letters (郵送による通知): a mail-merge PDF, one letter per person, and a CSV for a printing service; and the
list of people who cannot be reached, for the substitute measure (代替措置: 公表 / 問い合わせ窓口).

The PDF uses the report font (``incidents.reports.to_pdf.font_files``: IPAex Gothic, embedded as a subset), so
Japanese names and addresses print and can be read back by text extractors.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from mamori.incidents.reports.to_pdf import FontMissing, font_files
from mamori.notices import compose
from mamori.notices.models import Campaign, Delivery

__all__ = ["FontMissing", "letters_csv", "letters_pdf", "no_contact_csv"]

FAMILY = "notice"
MARGIN = 20  # mm
LINE = 6.0  # mm


class _LetterPdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        regular, _bold, face = font_files()
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.add_font(FAMILY, "", str(regular), collection_font_number=face)
        self.set_creator("Mamori")
        self.set_lang("ja-JP")


def letters_pdf(campaign: Campaign, deliveries: Iterable[Delivery]) -> bytes:
    """One letter per delivery, each starting on a new page: address block, then the notice."""
    pdf = _LetterPdf()
    pdf.set_title(campaign.title)
    today = timezone.localdate()
    for delivery in deliveries:
        person = delivery.person
        subject, body = compose.render(campaign, person, delivery.language, today)
        pdf.add_page()
        pdf.set_font(FAMILY, "", 11)
        honorific = " 様" if delivery.language == "ja" else ""
        name = (person.name or "").strip() or compose.NAME_FALLBACK[delivery.language]
        for line in (f"〒{person.postal_code}" if person.postal_code else "", person.address, f"{name}{honorific}"):
            if line:
                pdf.multi_cell(100, LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(LINE * 2)
        pdf.set_font(FAMILY, "", 13)
        pdf.multi_cell(0, LINE + 1, subject, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(LINE / 2)
        pdf.set_font(FAMILY, "", 10)
        pdf.multi_cell(0, LINE - 0.6, body, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _cell(value: object) -> str:
    """No formula injection in a spreadsheet that opens the CSV."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _csv(header: list[str], rows: Iterable[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # with a BOM: Excel opens Japanese text correctly


def letters_csv(deliveries: Iterable[Delivery]) -> bytes:
    """For a printing service: postal code, address, name, language and our reference for each letter."""
    header = [_("postal code"), _("address"), _("name"), _("language"), _("reference")]
    rows: Iterable[list[object]] = (
        [d.person.postal_code, d.person.address, d.person.name, d.language, f"{d.campaign_id}-{d.pk}"]
        for d in deliveries
    )
    return _csv(header, rows)


def no_contact_csv(deliveries: Iterable[Delivery]) -> bytes:
    """The people a campaign cannot reach and why, for the public notice and the inquiry desk."""
    header = [_("identity"), _("member id"), _("name"), _("name (kana)"), _("status"), _("reason")]
    rows: Iterable[list[object]] = (
        [
            d.person.identity,
            d.person.member_id,
            d.person.name,
            d.person.kana,
            d.get_status_display(),
            _("no contact details") if d.status == "no_contact" else (d.note or d.server_reply),
        ]
        for d in deliveries
    )
    return _csv(header, rows)
