"""Report drafts from a case: the PPC report (速報・確報) with the nine items of 規則 Art. 8(1) in order, the
card-company notice, the public announcement (nothing identifying anybody) and the notice to individuals
(items 1, 2, 4, 5 and 9 only), as DOCX and PDF with the Japanese font embedded; downloads are exports."""

from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo
from typing import Any

import docx
import pypdf
import pytest
from django.template import Context, Template
from django.test import RequestFactory

from mamori.audit.models import AuditEntry
from mamori.contractors.models import Contractor
from mamori.core.models import Organisation
from mamori.incidents import appi_rules, reports
from mamori.incidents.models import AppiAssessment, IncidentCase, TimelineEvent, TimelineKind
from mamori.ledger.models import DataCategory, LedgerEntry

JST = zoneinfo.ZoneInfo("Asia/Tokyo")

ITEM_TITLES = [
    "概要",
    "漏えい等が発生し、又は発生したおそれがある個人データの項目",
    "漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数",
    "原因",
    "二次被害又はそのおそれの有無及びその内容",
    "本人への対応の実施状況",
    "公表の実施状況",
    "再発防止のための措置",
    "その他参考となる事項",
]
PLACEHOLDER = "（記入してください）"

# Personal data planted in every free-text field of the case: none of it may reach the public or the persons.
PLANTED = ["田中花子", "hanako.tanaka@example.jp", "M-000123", "090-1234-5678"]


@pytest.fixture
def organisation(db) -> Organisation:
    return Organisation.objects.create(
        name="有限会社なにわホビー", representative="代表取締役 大阪太郎", address="大阪府大阪市"
    )


@pytest.fixture
def shop_entry(db, server_co: Contractor) -> LedgerEntry:
    entry = LedgerEntry.objects.create(reference="PI-0001", name="通販会員情報", department="EC課")
    entry.categories.set(
        DataCategory.objects.filter(code__in=["name", "email", "card-number", "card-security-code", "card-expiry"])
    )
    return entry


@pytest.fixture
def case_2018(server_co: Contractor, shop_entry: LedgerEntry, organisation: Organisation) -> IncidentCase:
    """The 2018 case: a card company's warning, 2,507 cards, unauthorised access; assessed as categories 2, 3, 4."""
    case = IncidentCase.objects.create(
        title="カード情報漏えいの疑い（田中花子様の問い合わせ）",
        summary="会員 田中花子（hanako.tanaka@example.jp、会員番号 M-000123、090-1234-5678）のカードに不正利用。",
        discovered_at=dt.datetime(2018, 11, 6, 10, 0, tzinfo=JST),
        detection_source="card_company",
        detection_detail="カード会社の担当者から電話。対象会員 M-000123",
        contractor=server_co,
        exposure_from=dt.date(2017, 5, 2),
        exposure_to=dt.date(2018, 11, 6),
    )
    case.ledger_entries.add(shop_entry)
    TimelineEvent.objects.create(
        case=case,
        kind=TimelineKind.EVENT,
        occurred_at=dt.datetime(2018, 11, 6, 10, 0, tzinfo=JST),
        title="カード会社から連絡（田中花子 hanako.tanaka@example.jp）",
    )
    # The assessment stored directly, with the decision the APPI rules give for these facts.
    facts = {
        "aware_at": "2018-11-06T10:00:00+09:00",
        "persons": 2507,
        "special_care": False,
        "property_damage_risk": True,
        "improper_purpose": True,
        "high_level_encryption": False,
        "key_compromised": False,
        "role": "principal",
        "notified_principal": False,
    }
    decision = appi_rules.assess(facts)
    assert decision["categories"] == [2, 3, 4]
    AppiAssessment.objects.create(
        case=case,
        facts=facts,
        decision=decision,
        rules_version=decision["rules_version"],
        assessed_at=dt.datetime(2018, 11, 7, 9, 0, tzinfo=JST),
    )
    return case


def docx_paragraphs(content: bytes) -> list[Any]:
    document = docx.Document(io.BytesIO(content))
    cells = [p for table in document.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return list(document.paragraphs) + cells


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in docx_paragraphs(content))


def docx_headings(content: bytes) -> list[str]:
    paragraphs = docx.Document(io.BytesIO(content)).paragraphs
    return [p.text for p in paragraphs if p.style.name.startswith("Heading")]


def pdf_text(content: bytes) -> str:
    """The PDF's text without white space (extractors space out CJK glyphs differently)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def embedded_font_files(content: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None:
                    found += [k for k in descriptor.get_object() if k.startswith("/FontFile")]
    return found


def in_order(text: str, parts: list[str]) -> bool:
    position = -1
    for part in parts:
        position = text.find(part, position + 1)
        if position < 0:
            return False
    return True


def strip(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------------------------------------- the PPC report


@pytest.mark.django_db
def test_the_ppc_draft_has_the_nine_items_in_order_with_their_japanese_titles(case_2018):
    # when
    name, content = reports.render(case_2018, "ppc_preliminary", "docx")
    # then
    assert name == f"case-{case_2018.pk}-ppc-preliminary.docx"
    headings = docx_headings(content)
    assert headings == [f"{n}. {title}" for n, title in enumerate(ITEM_TITLES, 1)]


@pytest.mark.django_db
def test_the_2018_case_fills_the_number_of_persons_the_report_type_and_the_due_dates(case_2018):
    # when
    document = reports.build(case_2018, "ppc_preliminary")
    text = docx_text(reports.render(case_2018, "ppc_preliminary", "docx")[1])
    # then: item 3 says 2,507
    item3 = document.sections[2]
    assert item3.heading == ITEM_TITLES[2]
    assert "2,507人" in item3.paragraphs[0]
    # and the head says what report it is and when it is due
    lead = dict(document.lead)
    assert lead["報告の種類"].startswith("速報")
    assert "2018年11月8日～2018年11月10日" in lead["速報の提出期限"]
    assert "2019年1月4日" in lead["確報の提出期限"] and "60日" in lead["確報の提出期限"]
    assert "第3号" in lead["該当する事態"] and "第4号" in lead["該当する事態"]
    assert "有限会社なにわホビー" in text and "2018年11月6日 10:00" in text
    # items filled from the case: data items from the ledger, cause and secondary harm from the assessment
    assert "クレジットカード番号" in "".join(document.sections[1].paragraphs)
    assert "不正アクセス" in document.sections[3].paragraphs[0]
    assert "財産的被害" in document.sections[4].paragraphs[0]


@pytest.mark.django_db
def test_the_final_report_is_a_kakuhou_with_its_due_date(case_2018):
    # when
    document = reports.build(case_2018, "ppc_final")
    # then
    assert "確報" in document.title
    lead = dict(document.lead)
    assert lead["報告の種類"].startswith("確報")
    assert "速報の提出期限" not in lead
    assert "2019年1月4日" in lead["確報の提出期限"]
    assert [s.heading for s in document.sections] == ITEM_TITLES


@pytest.mark.django_db
def test_the_ppc_pdf_embeds_its_japanese_font_and_its_text_reads_back(case_2018):
    # when
    name, content = reports.render(case_2018, "ppc_preliminary", "pdf")
    # then
    assert name.endswith(".pdf") and content.startswith(b"%PDF")
    text = pdf_text(content)
    assert in_order(text, [strip(t) for t in ITEM_TITLES])
    assert "個人情報保護委員会への報告（速報）" in text
    assert "2,507人" in text
    assert set(embedded_font_files(content)) & {"/FontFile2", "/FontFile3"}


@pytest.mark.django_db
def test_what_the_case_does_not_know_is_left_as_a_marked_placeholder(internal_case):
    # given: a case with nothing but a title and no assessment
    # when
    document = reports.build(internal_case, "ppc_preliminary")
    text = docx_text(reports.render(internal_case, "ppc_preliminary", "docx")[1])
    # then
    assert [s.heading for s in document.sections] == ITEM_TITLES
    assert document.sections[2].paragraphs[0].startswith(PLACEHOLDER)  # number of persons unknown
    assert document.sections[3].paragraphs == (PLACEHOLDER,)  # cause unknown
    assert "APPIの判定が未実施" in dict(document.lead)["速報の提出期限"]
    assert text.count(PLACEHOLDER) >= 5


@pytest.mark.django_db
def test_placeholders_are_highlighted_in_the_docx(internal_case):
    # when
    content = reports.render(internal_case, "ppc_preliminary", "docx")[1]
    # then
    runs = [r for p in docx_paragraphs(content) for r in p.runs if r.text == PLACEHOLDER]
    assert runs and all(r.font.highlight_color is not None for r in runs)


# ---------------------------------------------------------------------------------------------- what leaves the company


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_public_announcement_carries_nothing_that_identifies_anybody(case_2018, fmt):
    # when
    content = reports.render(case_2018, "public_announcement", fmt)[1]
    # then
    text = docx_text(content) if fmt == "docx" else pdf_text(content)
    for planted in PLANTED:
        assert strip(planted) not in text, planted
    # but it says what the public needs: the items, the number, the period
    assert "クレジットカード番号" in text and "2,507人" in text and strip("2017年5月2日") in strip(text)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_notice_to_individuals_has_only_items_1_2_4_5_and_9(case_2018, fmt):
    # when
    content = reports.render(case_2018, "individual_notice", fmt)[1]
    # then
    text = strip(docx_text(content) if fmt == "docx" else pdf_text(content))
    allowed = [ITEM_TITLES[n - 1] for n in (1, 2, 4, 5, 9)]
    assert in_order(text, [strip(t) for t in allowed])
    for n in (3, 6, 7, 8):
        assert strip(ITEM_TITLES[n - 1]) not in text, n
    assert "2,507" not in text  # item 3 (the number of persons) is not among them
    for planted in PLANTED:
        assert strip(planted) not in text, planted


@pytest.mark.django_db
def test_the_notice_to_individuals_is_numbered_for_its_reader(case_2018):
    # when
    headings = docx_headings(reports.render(case_2018, "individual_notice", "docx")[1])
    # then
    assert headings == [
        "1. 概要",
        "2. 漏えい等が発生し、又は発生したおそれがある個人データの項目",
        "3. 原因",
        "4. 二次被害又はそのおそれの有無及びその内容",
        "5. その他参考となる事項",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_card_company_notice_names_the_card_items_and_no_customer(case_2018, fmt):
    # when
    content = reports.render(case_2018, "card_company", fmt)[1]
    # then
    text = strip(docx_text(content) if fmt == "docx" else pdf_text(content))
    assert "カード情報漏えいの懸念に関するご連絡" in text
    assert text.index("クレジットカード番号") < text.index("氏名")  # card items first
    assert "モニタリング" in text
    for planted in PLANTED:
        assert strip(planted) not in text, planted


@pytest.mark.django_db
def test_the_ppc_report_carries_the_case_summary_and_timeline_to_the_regulator(case_2018):
    # when
    document = reports.build(case_2018, "ppc_preliminary")
    # then
    summary = "\n".join(document.sections[0].paragraphs)
    assert case_2018.summary in summary
    assert "カード会社から連絡" in summary


# ---------------------------------------------------------------------------------------------- API of the module


@pytest.mark.django_db
def test_render_all_gives_every_draft_in_both_formats(case_2018):
    # when
    files = reports.render_all(case_2018)
    # then
    names = [name for name, _ in files]
    assert len(names) == len(set(names)) == len(reports.KINDS) * 2
    for name, content in files:
        assert content.startswith(b"%PDF" if name.endswith(".pdf") else b"PK"), name


@pytest.mark.django_db
def test_drafts_in_english_for_reference(case_2018):
    # when
    name, content = reports.render(case_2018, "ppc_final", "docx", lang="en")
    # then
    assert name == f"case-{case_2018.pk}-ppc-final-en.docx"
    headings = docx_headings(content)
    assert headings[0] == "1. Summary" and headings[-1] == "9. Other relevant matters"
    assert "2,507 persons" in docx_text(content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "fmt", "lang", "field"),
    [("ppc", "docx", "ja", "kind"), ("card_company", "odt", "ja", "fmt"), ("card_company", "pdf", "fr", "lang")],
)
def test_an_unknown_kind_format_or_language_is_refused_by_name(case_2018, kind, fmt, lang, field):
    # when / then
    with pytest.raises(ValueError, match=f"^{field}: "):
        reports.render(case_2018, kind, fmt, lang)


# ---------------------------------------------------------------------------------------------- downloads


@pytest.mark.django_db
def test_a_download_is_an_audited_export(case_2018, manager, client_for):
    # when
    response = client_for(manager).get(f"/incidents/{case_2018.pk}/reports/ppc_preliminary.pdf")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="case-{case_2018.pk}-ppc-preliminary.pdf"'
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.actor_username == "manager"
    assert entry.object_type == "incidents.incidentcase" and entry.object_id == str(case_2018.pk)
    assert "ppc-preliminary.pdf" in entry.message


@pytest.mark.django_db
def test_a_refused_download_leaves_no_export_in_the_audit_trail(case_2018, staff, client_for):
    # when
    response = client_for(staff).get(f"/incidents/{case_2018.pk}/reports/public_announcement.docx")
    # then
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.django_db
def test_a_bad_language_is_a_clear_400(case_2018, manager, client_for):
    # when
    response = client_for(manager).get(f"/incidents/{case_2018.pk}/reports/card_company.docx?lang=fr")
    # then
    assert response.status_code == 400
    assert "lang" in response.content.decode()


# ---------------------------------------------------------------------------------------------- the panel


def panel_for(user: Any, case: IncidentCase) -> str:
    request = RequestFactory().get(f"/incidents/{case.pk}/")
    request.user = user
    return Template("{% load case_reports %}{% reports_panel case %}").render(
        Context({"request": request, "case": case})
    )


@pytest.mark.django_db
def test_the_panel_links_every_draft_in_both_formats_for_those_who_may_export(case_2018, auditor):
    # when
    html = panel_for(auditor, case_2018)
    # then
    for kind in reports.KINDS:
        for fmt in reports.FORMATS:
            assert f'href="/incidents/{case_2018.pk}/reports/{kind}.{fmt}"' in html
            assert f'href="/incidents/{case_2018.pk}/reports/{kind}.{fmt}?lang=en"' in html


@pytest.mark.django_db
def test_the_panel_is_empty_for_those_who_may_not_export(case_2018, staff, alice_contractor):
    # when / then
    assert panel_for(staff, case_2018) == ""
    assert panel_for(alice_contractor, case_2018) == ""


@pytest.mark.django_db
def test_the_case_page_shows_the_panel_to_a_manager_and_not_to_staff(case_2018, manager, staff, client_for):
    # when
    for_manager = client_for(manager).get(f"/incidents/{case_2018.pk}/").content.decode()
    for_staff = client_for(staff).get(f"/incidents/{case_2018.pk}/").content.decode()
    # then
    link = f"/incidents/{case_2018.pk}/reports/ppc_preliminary.pdf"
    assert link in for_manager
    assert link not in for_staff and 'id="reports"' not in for_staff


def test_every_document_text_exists_in_japanese_and_english():
    # then: a key missing from one language would fail only when that draft is made
    from mamori.incidents.reports import texts

    assert set(texts.JA) == set(texts.EN)
    assert [n for n, _ in texts.REPORT_ITEMS["ja"]] == [n for n, _ in texts.REPORT_ITEMS["en"]] == list(range(1, 10))
